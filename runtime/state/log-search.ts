import type Database from 'better-sqlite3';
import { HOUR_MS } from './rollup-schema.ts';

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
 * The requests table newest first, filtered, a page at a time by keyset (ts, rowid): every page is a range scan of
 * the ts index (its entries end with the rowid) that starts where the last one ended, so page 1000 costs what page 1
 * does; a filter on model, scenario, tier, client or status reads only the hours the rollups say hold a match
 * (byHours). A text search (`q`) has no index: an exact request id is looked up by its key, any other text is searched
 * in at most SCAN_ROWS rows per call.
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
  if (before) (conds.push('(ts, rowid) < (?, ?)'), args.push(before.ts, before.rowid));
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const order = 'ORDER BY ts DESC, rowid DESC';
  if (f.q === undefined || f.q === '') {
    const hours = rollupHours(f);
    if (hours) return byHours(db, hours, f, where, args, before, limit);
    const got = db.prepare(`SELECT ${COLUMNS} FROM requests ${where} ${order} LIMIT ?`).all(...args, limit + 1) as Found[];
    return page(got, limit, null);
  }
  // a request id as it is: one primary-key lookup
  const exact = db.prepare(`SELECT ${COLUMNS} FROM requests WHERE id = ?${conds.length ? ` AND ${conds.join(' AND ')}` : ''}`).all(f.q, ...args) as Found[];
  if (exact.length) return page(exact, limit, null);
  // text: the next SCAN_ROWS rows of the other filters' index range, newest first, searched; a page may come back
  // short (even empty) with a cursor where the scan stopped, so no call scans more than that
  const match = ['id', 'endpoint', 'model', 'requested_model', 'error_type', 'client'].map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ');
  const got = db
    .prepare(`SELECT ${OUTER} FROM (SELECT ${COLUMNS}, requested_model, error_type FROM requests ${where} ${order} LIMIT ${SCAN_ROWS}) WHERE ${match} LIMIT ?`)
    .all(...args, ...Array(6).fill(like(f.q)), limit + 1) as Found[];
  if (got.length > limit) return page(got, limit, null);
  const edge = db.prepare(`SELECT ts, rowid AS rid FROM requests ${where} ${order} LIMIT 1 OFFSET ${SCAN_ROWS - 1}`).get(...args) as { ts: number; rid: number } | undefined;
  return page(got, limit, edge ? { ts: edge.ts, rowid: edge.rid } : null);
}

/** The rollup conditions that pick the hours holding rows of the filter; null: the filter has none (time alone). */
function rollupHours(f: LogFilter): { conds: string[]; args: unknown[] } | null {
  const conds: string[] = [];
  const args: unknown[] = [];
  for (const c of ['model', 'scenario', 'tier', 'client'] as const)
    if (f[c] !== undefined) {
      conds.push(`${c} = ?`);
      args.push(f[c]);
    }
  if (f.status === 'error') conds.push('status_class >= 4');
  else if (typeof f.status === 'number') (conds.push('status_class = ?'), args.push(Math.trunc(f.status / 100)));
  if (f.statusClass !== undefined) (conds.push('status_class = ?'), args.push(f.statusClass));
  return conds.length ? { conds, args } : null;
}

/** Hours looked up in the rollups per round. */
const HOUR_BATCH = 48;

/**
 * A filtered page without an index per column: the hourly rollups (one row per hour and model, scenario, tier, client
 * and status class, kept exact by triggers) name the hours that hold matching rows, newest first; each such hour is
 * read through the ts index with the full filter until the page is full. Hours without a match are never read.
 */
function byHours(
  db: Database.Database,
  hours: { conds: string[]; args: unknown[] },
  f: LogFilter,
  where: string,
  args: unknown[],
  before: LogCursor | null,
  limit: number,
): { rows: LogListRow[]; next: LogCursor | null } {
  const hourOf = (ts: number) => ts - (ts % HOUR_MS);
  const top = Math.min(f.to !== undefined ? f.to - 1 : Number.MAX_SAFE_INTEGER, before ? before.ts : Number.MAX_SAFE_INTEGER);
  const bottom = f.from !== undefined ? hourOf(f.from) : Number.MIN_SAFE_INTEGER;
  const pick = db.prepare(`SELECT DISTINCT hour FROM request_rollups WHERE hour <= ? AND hour >= ? AND ${hours.conds.join(' AND ')} ORDER BY hour DESC LIMIT ${HOUR_BATCH}`).pluck();
  const read = db.prepare(`SELECT ${COLUMNS} FROM requests ${where ? `${where} AND` : 'WHERE'} ts >= ? AND ts < ? ORDER BY ts DESC, rowid DESC LIMIT ?`);
  const got: Found[] = [];
  let below = top === Number.MAX_SAFE_INTEGER ? top : hourOf(top);
  for (;;) {
    const list = pick.all(below, bottom, ...hours.args) as number[];
    for (const h of list) {
      got.push(...(read.all(...args, h, h + HOUR_MS, limit + 1 - got.length) as Found[]));
      if (got.length > limit) return page(got, limit, null);
    }
    if (list.length < HOUR_BATCH) return page(got, limit, null);
    below = list[list.length - 1]! - 1;
  }
}

/** The rows a text search scans at most per call (a page of a text search costs about 100 ms at most). */
const SCAN_ROWS = 20_000;
const COLUMNS = 'rowid AS rid, id, ts, endpoint, model, scenario, tier, status, latency_ms, prompt_tokens, completion_tokens, cost_usd, client';
const OUTER = COLUMNS.replace('rowid AS rid', 'rid');
type Found = LogListRow & { rid: number };

function page(got: Found[], limit: number, stoppedAt: LogCursor | null): { rows: LogListRow[]; next: LogCursor | null } {
  const more = got.length > limit;
  const rows = more ? got.slice(0, limit) : got;
  const last = rows[rows.length - 1];
  const next = more && last ? { ts: last.ts, rowid: last.rid } : stoppedAt;
  return { rows: rows.map(({ rid: _r, ...r }) => r), next };
}
