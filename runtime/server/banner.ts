import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import { formatTokens } from '../router/format.ts';

/** What `gw serve` prints at start: providers on or off (and what enables each), the free quotas, the URL. */
export function startupBanner(table: DecisionTable, env: Env, url: string): string {
  void env;
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
  const free = table.models.filter((m) => m.free);
  if (free.length) {
    lines.push('', '  free quotas:');
    for (const m of free) {
      const f = m.free!;
      const period = f.period.kind === 'every' ? `every ${f.period.unit} at ${f.period.at} ${f.period.zone}` : 'once';
      lines.push(`    • ${m.id.padEnd(40)} ${formatTokens(f.tokens).padStart(6)} ${period}${f.until ? ` until ${f.until}` : ''}`);
    }
  }
  lines.push('', `  listening on ${url.replace(/\/$/, '')}/v1  (OpenAI-compatible; model "auto" routes by policy)`, '');
  return `${lines.join('\n')}\n`;
}
