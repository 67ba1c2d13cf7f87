import type { DecisionTable } from '../types/decision-table.ts';
import { formatTokens } from '../router/format.ts';
import type { QuotaStatus } from '../state/quota-status.ts';
import { formatSpan } from '../quota/period.ts';
import type { NotServed } from '../state/provider-state.ts';
import type { ProviderFigure } from '../state/balance-drift.ts';

/** What the last provider sync found, for the banner. */
export interface SyncFindings {
  notServed: readonly NotServed[];
  figures: readonly ProviderFigure[];
}

/** What `gw serve` prints at start: providers on or off (and what enables each), the free quotas, the URL. */
export function startupBanner(table: DecisionTable, url: string, quotas: readonly QuotaStatus[] = [], now = Date.now(), sync: SyncFindings = { notServed: [], figures: [] }): string {
  const lines: string[] = [`gw · policy ${table.source.file} (sha256 ${table.source.sha256.slice(0, 12)})`, ''];
  const counts = new Map<string, number>();
  for (const m of table.models) counts.set(m.provider, (counts.get(m.provider) ?? 0) + 1);
  for (const p of table.providers) {
    const n = counts.get(p.name) ?? 0;
    lines.push(
      p.enabled
        ? `  ✓ ${p.name.padEnd(14)} ${n} model${n === 1 ? '' : 's'}${p.local ? ' · local' : ''}`
        : `  ✗ ${p.name.padEnd(14)} disabled: ${p.disabledReason}`,
    );
  }
  if (quotas.length) {
    lines.push('', '  free quotas:');
    for (const q of quotas) {
      const next = q.expiresAt === null ? 'never resets' : `${q.ends === 'reset' ? 'resets' : 'expires'} ${new Date(q.expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC (in ${formatSpan(q.expiresAt - now)})`;
      const left = q.expired ? 'expired' : q.exhausted ? 'exhausted' : `${formatTokens(q.remaining)} / ${formatTokens(q.total)} left`;
      lines.push(`    • ${q.model.padEnd(40)} ${left.padStart(16)}  ${next}${q.enabled ? '' : '  (provider disabled)'}`);
    }
  }
  if (sync.notServed.length) {
    lines.push('', '  ⚠ not in their provider’s model list at the last sync (skipped by routing; gw doctor, gw check):');
    for (const n of sync.notServed) lines.push(`    • ${n.model.padEnd(40)} ${n.provider} list of ${new Date(n.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  }
  if (sync.figures.length) {
    lines.push('', '  provider balances (their own figures):');
    for (const f of sync.figures) lines.push(`    ${f.empty || f.freeExhausted ? '⚠' : '•'} ${f.provider.padEnd(14)} ${f.summary}${f.drift !== null ? `  drift ${f.drift >= 0 ? '+' : ''}${f.drift.toFixed(4)} USD vs gw` : ''}`);
  }
  lines.push('', `  listening on ${url.replace(/\/$/, '')}/v1  (OpenAI-compatible; model "auto" routes by policy)`, '');
  return `${lines.join('\n')}\n`;
}
