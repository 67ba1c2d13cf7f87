import type Database from 'better-sqlite3';
import { HOUR_MS } from './rollup-schema.ts';

export type GroupColumn = 'model' | 'scenario' | 'tier' | 'client';

/** Sums over a set of requests rows (what a rollup row holds). */
interface Sums {
  requests: number;
  prompt: number;
  completion: number;
  free: number;
  cost: number;
  saved: number;
  errors: number;
  latency: number;
}

export interface Totals {
  requests: number;
  cost: number;
  saved: number;
  prompt: number;
  completion: number;
  free: number;
  /** mean latency in ms; null without requests */
  latency: number | null;
  errors: number;
}

export interface SeriesCell {
  /** bucket start, epoch ms */
  t: number;
  model: string | null;
  tier: string | null;
  requests: number;
  tokens: number;
  cost: number;
}

const SUMS_RAW = `COUNT(*) AS requests, COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion,
  COALESCE(SUM(free_tokens), 0) AS free, COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(saved_usd), 0) AS saved,
  COALESCE(SUM(status >= 400), 0) AS errors, COALESCE(SUM(latency_ms), 0) AS latency`;
const SUMS_ROLLUP = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion,
  COALESCE(SUM(free_tokens), 0) AS free, COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(saved_usd), 0) AS saved,
  COALESCE(SUM(errors), 0) AS errors, COALESCE(SUM(latency_ms), 0) AS latency`;

const zero = (): Sums => ({ requests: 0, prompt: 0, completion: 0, free: 0, cost: 0, saved: 0, errors: 0, latency: 0 });
function add(a: Sums, b: Sums): void {
  a.requests += b.requests;
  a.prompt += b.prompt;
  a.completion += b.completion;
  a.free += b.free;
  a.cost += b.cost;
  a.saved += b.saved;
  a.errors += b.errors;
  a.latency += b.latency;
}

/**
 * A window [from, to) cut where the rollups can answer it: the whole hours from the first hour boundary at or after
 * `from` (read from request_rollups), and the raw rows before that boundary and, when `to` is not on an hour, after
 * the last one (read from requests by its ts index: at most an hour of rows each). `to` null: no end.
 */
interface Pieces {
  raw: [number, number][];
  hours: [number, number] | null;
}
function pieces(from: number, to: number | null): Pieces {
  const first = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const last = to === null ? Number.MAX_SAFE_INTEGER : Math.floor(to / HOUR_MS) * HOUR_MS;
  const end = to ?? Number.MAX_SAFE_INTEGER;
  if (first >= last) return { raw: [[from, end]], hours: null };
  const raw: [number, number][] = [];
  if (from < first) raw.push([from, first]);
  if (to !== null && last < to) raw.push([last, to]);
  return { raw, hours: [first, last] };
}

/**
 * Reads over the request log by the hourly rollups (rollup-schema.ts): totals, groups and time series of any window,
 * exactly what the same sums over the raw rows give (the edges that are not whole hours are read raw).
 */
export class Rollups {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Totals of the requests in [from, to), optionally of one client. */
  totals(from: number, to: number | null = null, client?: string): Totals {
    const s = zero();
    for (const g of this.grouped(from, to, [], client).values()) add(s, g.sums);
    return { requests: s.requests, cost: s.cost, saved: s.saved, prompt: s.prompt, completion: s.completion, free: s.free, latency: s.requests ? s.latency / s.requests : null, errors: s.errors };
  }

  /** Per-group sums in [from, to) by `by` (the shape /stats and /report list), most requests first. */
  groups(from: number, to: number | null, by: readonly GroupColumn[], client?: string): Record<string, unknown>[] {
    const out = [...this.grouped(from, to, by, client).values()].map(({ key, sums: s }) => ({
      ...key,
      requests: s.requests,
      prompt_tokens: s.prompt,
      completion_tokens: s.completion,
      free_tokens: s.free,
      cost_usd: round(s.cost, 6),
      saved_usd: round(s.saved, 6),
      avg_latency_ms: round(s.latency / s.requests, 1),
      errors: s.errors,
    }));
    return out.sort((a, b) => b.requests - a.requests);
  }

  /** Requests, tokens and cost per bucket (`bucketMs`: an hour or a day, UTC), model and tier, in [from, to). */
  series(from: number, to: number, bucketMs: number): SeriesCell[] {
    const cells = new Map<string, SeriesCell>();
    const put = (rows: { t: number; model: string | null; tier: string | null; requests: number; tokens: number; cost: number }[]) => {
      for (const r of rows) {
        const k = `${r.t}\u0000${r.model ?? ''}\u0000${r.tier ?? ''}`;
        const c = cells.get(k);
        if (c) {
          c.requests += r.requests;
          c.tokens += r.tokens;
          c.cost += r.cost;
        } else cells.set(k, { ...r });
      }
    };
    const p = pieces(from, to);
    for (const [a, b] of p.raw)
      put(
        this.stmt(
          `SELECT ts - ts % ${bucketMs} AS t, model, tier, COUNT(*) AS requests, COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tokens,
             COALESCE(SUM(cost_usd), 0) AS cost FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
        ).all(a, b) as SeriesCell[],
      );
    if (p.hours)
      put(
        this.stmt(
          `SELECT hour - hour % ${bucketMs} AS t, NULLIF(model, '') AS model, NULLIF(tier, '') AS tier, SUM(requests) AS requests,
             SUM(prompt_tokens + completion_tokens) AS tokens, SUM(cost_usd) AS cost FROM request_rollups WHERE hour >= ? AND hour < ? GROUP BY 1, 2, 3`,
        ).all(p.hours[0], p.hours[1]) as SeriesCell[],
      );
    return [...cells.values()].sort((a, b) => a.t - b.t);
  }

  private grouped(from: number, to: number | null, by: readonly GroupColumn[], client?: string): Map<string, { key: Record<string, unknown>; sums: Sums }> {
    const groups = new Map<string, { key: Record<string, unknown>; sums: Sums }>();
    const put = (rows: (Sums & Record<string, unknown>)[]) => {
      for (const r of rows) {
        if (!r.requests) continue;
        const key = Object.fromEntries(by.map((c) => [c, r[c] ?? null]));
        const k = by.map((c) => String(r[c] ?? '\u0000')).join('\u0001');
        const g = groups.get(k);
        if (g) add(g.sums, r);
        else groups.set(k, { key, sums: { requests: r.requests, prompt: r.prompt, completion: r.completion, free: r.free, cost: r.cost, saved: r.saved, errors: r.errors, latency: r.latency } });
      }
    };
    const only = client === undefined ? '' : ' AND client = ?';
    const rawCols = by.length ? `${by.join(', ')}, ` : '';
    const rollCols = by.map((c) => `NULLIF(${c}, '') AS ${c}`).join(', ');
    const groupBy = by.length ? ` GROUP BY ${by.join(', ')}` : '';
    const p = pieces(from, to);
    for (const [a, b] of p.raw)
      put(this.stmt(`SELECT ${rawCols}${SUMS_RAW} FROM requests WHERE ts >= ? AND ts < ?${only}${groupBy}`).all(...(client === undefined ? [a, b] : [a, b, client])) as never);
    if (p.hours)
      put(
        this.stmt(`SELECT ${rollCols ? `${rollCols}, ` : ''}${SUMS_ROLLUP} FROM request_rollups WHERE hour >= ? AND hour < ?${only}${by.length ? ` GROUP BY ${by.map((c) => `NULLIF(${c}, '')`).join(', ')}` : ''}`).all(
          ...(client === undefined ? p.hours : [...p.hours, client]),
        ) as never,
      );
    return groups;
  }
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}
