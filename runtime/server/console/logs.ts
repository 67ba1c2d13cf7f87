import type { Ledger } from '../../state/ledger.ts';
import { decodeCursor, encodeCursor, searchLogs, type LogFilter } from '../../state/log-search.ts';
import { explainLines } from '../../router/explain-render.ts';
import type { Decision } from '../../router/types.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import { loggedRequest, logNotFound } from '../ledger-routes.ts';
import { consoleError } from './console-errors.ts';

const MAX_LIMIT = 200;

/** A time in a query: epoch ms or an ISO date(-time). */
function time(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw consoleError(400, `${name} takes an ISO time or epoch milliseconds, got "${v.slice(0, 40)}"`, 'invalid_value', { param: name });
  return t;
}

const text = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > 200) throw consoleError(400, `${name} is at most 200 characters`, 'invalid_value');
  return v;
};

/** The log page's filters: from, to, model, scenario, tier, status (429, 4xx, error), client, q; before; limit. */
export function parseLogQuery(q: URLSearchParams): { filter: LogFilter; before: ReturnType<typeof decodeCursor>; limit: number } {
  const filter: LogFilter = { from: time(q, 'from'), to: time(q, 'to'), model: text(q, 'model'), scenario: text(q, 'scenario'), tier: text(q, 'tier'), client: text(q, 'client'), q: text(q, 'q') };
  const status = text(q, 'status');
  if (status !== undefined) {
    if (status === 'error') filter.status = 'error';
    else if (/^[1-5]xx$/i.test(status)) filter.statusClass = Number(status[0]);
    else if (/^\d{3}$/.test(status)) filter.status = Number(status);
    else throw consoleError(400, `status takes a code (429), a class (4xx) or "error", got "${status.slice(0, 40)}"`, 'invalid_value');
  }
  const rawLimit = q.get('limit');
  const limit = rawLimit === null || rawLimit === '' ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw consoleError(400, `limit is a whole number from 1 to ${MAX_LIMIT}`, 'invalid_value');
  const b = q.get('before');
  const before = b ? decodeCursor(b) : null;
  if (b && !before) throw consoleError(400, 'before is not a cursor this gateway gave (the "next" of a page)', 'invalid_value');
  for (const k of Object.keys(filter) as (keyof LogFilter)[]) if (filter[k] === undefined) delete filter[k];
  return { filter, before, limit };
}

/** GET /console/api/logs: a page of the log table, newest first, and the cursor of the next page. */
export function logsPage(ledger: Ledger, q: URLSearchParams) {
  const { filter, before, limit } = parseLogQuery(q);
  ledger.requests.flush();
  const page = searchLogs(ledger.db, filter, before, limit);
  return { rows: page.rows.map(logRowJson), next: page.next && encodeCursor(page.next) };
}

/** One log table row as the console shows it (and as the `log` event sends it). */
export function logRowJson(r: { id: string; ts: number; endpoint: string; model: string | null; scenario: string | null; tier: string | null; status: number; latency_ms: number; prompt_tokens: number; completion_tokens: number; cost_usd: number; client: string | null }) {
  return {
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    endpoint: r.endpoint,
    model: r.model,
    scenario: r.scenario,
    tier: r.tier,
    status: r.status,
    latency_ms: r.latency_ms,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    cost_usd: r.cost_usd,
    client: r.client,
  };
}

/** GET /console/api/logs/:id: /logs/:id's row, and its decision trace as `gw explain` renders it, line by line. */
export function logDetail(table: DecisionTable, ledger: Ledger, id: string) {
  const row = loggedRequest(ledger, id);
  if (!row) throw logNotFound(id);
  const d = row.decision as Decision | null;
  const lines = d && typeof d === 'object' && Array.isArray(d.trace) ? explainLines(table, d, { now: Number(row.ts), piiLines: [] }) : [];
  return { ...row, trace_text: lines.length ? `${lines.map((l) => l.text).join('\n')}\n` : null, trace_lines: lines };
}
