import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { trafficFromLogRow } from '../runtime/replay/log-export.ts';
import { trafficLineText } from '../runtime/replay/traffic.ts';
import { RequestLog } from '../runtime/state/request-log.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { statePath } from '../runtime/state/state-path.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';

export const logsHelp = `gw logs export [--from DATE] [--to DATE] [--last 30d|12h] [--config FILE]
  Write the request log as replay traffic (JSONL on stdout, oldest first): each request's body as the log keeps it
  (personal data stays masked), its usage, the model that answered, the router's draw and the models that failed.
  Requests logged without bodies carry their token counts. DATE is YYYY-MM-DD (UTC) or an ISO time; --to is exclusive.`;

const DAY = 86_400_000;

function time(s: string, flag: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(t)) throw new UsageError(`${flag} takes a date (YYYY-MM-DD) or an ISO time, got "${s}"`);
  return t;
}

export function logs(args: string[], io: Io): number {
  const [sub, ...rest] = args;
  if (sub !== 'export') throw new UsageError(sub ? `unknown logs command "${sub}"` : 'gw logs needs a command: export');
  const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, last: { type: 'string' }, config: { type: 'string' } } });
  const now = Date.now();
  let from = values.from ? time(values.from, '--from') : 0;
  const to = values.to ? time(values.to, '--to') : now + DAY;
  if (values.last) {
    const m = /^(\d+)([dh])$/.exec(values.last);
    if (!m) throw new UsageError(`--last takes a span such as 30d or 12h, got "${values.last}"`);
    from = Math.max(from, now - Number(m[1]) * (m[2] === 'd' ? DAY : 3_600_000));
  }
  const file = policyPath(values.config, io);
  const r = loadPolicy({ path: file, file: values.config ?? 'routes.gw', env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics.filter((d) => d.severity === 'error'), r.text));
    return 1;
  }
  const path = statePath(r.table, file);
  if (path === ':memory:' || !existsSync(path)) {
    io.err(`gw logs: no state database at ${path} (the gateway has not logged anything yet)\n`);
    return 1;
  }
  const db = openDatabase(path);
  try {
    const rows = new RequestLog(db).list({ from, to }, Number.MAX_SAFE_INTEGER).reverse();
    let n = 0;
    for (const row of rows) {
      const line = trafficFromLogRow(row);
      if (!line) continue;
      io.out(`${trafficLineText(line)}\n`);
      n++;
    }
    io.err(`gw logs: ${n} request(s) exported from ${path}\n`);
  } finally {
    db.close();
  }
  return 0;
}
