import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { formatSpan } from '../runtime/quota/period.ts';
import { formatTokens } from '../runtime/router/format.ts';
import { readStoredState } from '../runtime/state/read-state.ts';
import { providerFiguresText } from './provider-figures.ts';
import { QuotaBook } from '../runtime/state/quota-book.ts';
import { quotaStatuses } from '../runtime/state/quota-status.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { tableLines } from './table-text.ts';

export const quotaHelp = `gw quota [--config FILE] [--json] [--now ISO-TIME]
  The free quotas as the gateway sees them: used this period, in flight, left, and when each resets or expires
  (read from the gateway's state database; a policy never served shows full quotas).`;

export function quota(args: string[], io: Io): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean', default: false }, now: { type: 'string' } } });
  const file = policyPath(values.config, io);
  const r = loadPolicy({ path: file, file: values.config ?? 'routes.gw', env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics.filter((d) => d.severity === 'error'), r.text));
    return 1;
  }
  const now = values.now ? Date.parse(values.now) : Date.now();
  const stored = readStoredState(r.table, file, now);
  const quotas = stored?.quotas ?? quotaStatuses(r.table, new QuotaBook(openDatabase(':memory:')), now);
  if (values.json) {
    io.out(`${JSON.stringify(quotas, null, 2)}\n`);
    return 0;
  }
  io.out(`${stored ? `state: ${stored.path}` : 'no state database yet: quotas are full'} · ${new Date(now).toISOString()}\n\n`);
  if (quotas.length === 0) {
    io.out('the policy declares no free quota\n');
    return 0;
  }
  const rows = quotas.map((q) => [
    q.model,
    q.enabled ? 'on' : 'off',
    formatTokens(q.total),
    formatTokens(q.used),
    q.inFlight ? formatTokens(q.inFlight) : '-',
    q.expired ? 'expired' : q.exhausted ? '0 (exhausted)' : formatTokens(q.remaining),
    q.expiresAt === null ? 'never' : `${q.ends === 'reset' ? 'resets' : 'expires'} in ${formatSpan(q.expiresAt - now)}`,
    q.period,
  ]);
  io.out(`${tableLines([['MODEL', 'PROVIDER', 'TOTAL', 'USED', 'IN FLIGHT', 'LEFT', 'NEXT', 'PERIOD'], ...rows]).join('\n')}\n`);
  if (stored?.figures.length) io.out(`\n${providerFiguresText(stored.figures)}`);
  return 0;
}
