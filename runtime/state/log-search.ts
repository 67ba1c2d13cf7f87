import type Database from 'better-sqlite3';

/** What the console's log table filters by (every field optional). */
export interface LogFilter {
  from?: number;
  to?: number;
  model?: string;
  scenario?: string;
  tier?: string;
  /** an exact status (429), or a class: 2 for 2xx, 4, 5; or 'error' (400 and up) */
  status?: number | 'error';
  statusClass?: number;
  client?: string;
  /** a substring of the id, endpoint, model asked for or routed to, error type or client */
  q?: string;
}

export interface LogListRow {
  id: string;
  ts: number;
  endpoint: string;
  model: string | null;
  scenario: string | null;
  tier: string | null;
  status: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  client: string | null;
}

/** A page position: the (ts, rowid) of the last row shown; the next page is what sorts after it. */
export interface LogCursor {
  ts: number;
  rowid: number;
}

export const encodeCursor = (c: LogCursor) => Buffer.from(`${c.ts}:${c.rowid}`).toString('base64url');

/** The cursor in `text`, or null when it is not one this gateway made. */
export function decodeCursor(text: string): LogCursor | null {
  const m = /^(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return m ? { ts: Number(m[1]), rowid: Number(m[2]) } : null;
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The requests table newest first, filtered, a page at a time by keyset (ts, rowid): every page is an index range
 * scan that starts where the last one ended (requests_ts, or the (column, ts) index of a filtered column; their
 * entries end with the rowid), so page 1000 costs what page 1 does.
 */
export function searchLogs(db: Database.Database, f: LogFilter, before: LogCursor | null, limit: number): { rows: LogListRow[]; next: LogCursor | null } {
  const conds: string[] = [];
  const args: unknown[] = [];
  const eq = (col: string, v: unknown) => {
    conds.push(`${col} = ?`);
    args.push(v);
  };
  if (f.from !== undefined) (conds.push('ts >= ?'), args.push(f.from));
  if (f.to !== undefined) (conds.push('ts < ?'), args.push(f.to));
  if (f.model !== undefined) eq('model', f.model);
  if (f.scenario !== undefined) eq('scenario', f.scenario);
  if (f.tier !== undefined) eq('tier', f.tier);
  if (f.client !== undefined) eq('client', f.client);
  if (f.status === 'error') conds.push('status >= 400');
  else if (f.status !== undefined) eq('status', f.status);
  if (f.statusClass !== undefined) (conds.push('status >= ? AND status < ?'), args.push(f.statusClass * 100, f.statusClass * 100 + 100));
  if (f.q !== undefined && f.q !== '') {
    conds.push(
      `(id LIKE ? ESCAPE '\\' OR endpoint LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' OR requested_model LIKE ? ESCAPE '\\' OR error_type LIKE ? ESCAPE '\\' OR client LIKE ? ESCAPE '\\')`,
    );
    args.push(...Array(6).fill(like(f.q)));
  }
  if (before) (conds.push('(ts, rowid) < (?, ?)'), args.push(before.ts, before.rowid));
  const sql = `SELECT rowid AS rid, id, ts, endpoint, model, scenario, tier, status, latency_ms, prompt_tokens, completion_tokens, cost_usd, client
    FROM requests ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY ts DESC, rowid DESC LIMIT ?`;
  const got = db.prepare(sql).all(...args, limit + 1) as (LogListRow & { rid: number })[];
  const more = got.length > limit;
  const page = more ? got.slice(0, limit) : got;
  const last = page[page.length - 1];
  return { rows: page.map(({ rid: _r, ...r }) => r), next: more && last ? { ts: last.ts, rowid: last.rid } : null };
}
