import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchWriter, type Pending } from '../runtime/state/log-batch.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import type { RequestRow } from '../runtime/state/request-log.ts';
import { Rollups, type GroupColumn } from '../runtime/state/rollups.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { memoryLogger } from '../runtime/log/logger.ts';
import { compileText } from './helpers/policy.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A deterministic pseudo-random sequence (the rows and windows are the same every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;

function rows(n: number, from: number, span: number, seed: number): RequestRow[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `r${seed}-${i}`,
    ts: from + Math.floor(r() * span),
    endpoint: 'chat.completions',
    requested_model: 'auto',
    model: pick(r, ['a/one', 'b/two', 'c/three', null]),
    scenario: pick(r, ['chat', 'code', null]),
    tier: pick(r, ['free', 'paid', 'local', null]),
    status: pick(r, [200, 200, 200, 429, 502, 400]),
    stream: 0,
    latency_ms: Math.round(r() * 50000) / 100,
    prompt_tokens: Math.floor(r() * 4000),
    completion_tokens: Math.floor(r() * 800),
    free_tokens: Math.floor(r() * 1000),
    cost_usd: r() < 0.5 ? 0 : r() / 1000,
    saved_usd: r() / 3000,
    attempts: 1,
    error_type: null,
    pii: null,
    client: pick(r, [null, 'alice', 'bob']),
  }));
}

/** The same sums straight from the raw rows: what the rollups must equal. */
function raw(db: Database.Database, from: number, to: number, by: readonly GroupColumn[] = [], client?: string) {
  const cols = by.length ? `${by.join(', ')}, ` : '';
  return db
    .prepare(
      `SELECT ${cols}COUNT(*) AS requests, SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, SUM(free_tokens) AS free_tokens,
        SUM(cost_usd) AS cost, SUM(saved_usd) AS saved, SUM(status >= 400) AS errors, AVG(latency_ms) AS latency
       FROM requests WHERE ts >= ? AND ts < ?${client ? ' AND client = ?' : ''}${by.length ? ` GROUP BY ${by.join(', ')}` : ''}`,
    )
    .all(...(client ? [from, to, client] : [from, to])) as Record<string, number | string | null>[];
}

function expectSame(db: Database.Database, roll: Rollups, from: number, to: number) {
  const t = roll.totals(from, to);
  const [w] = raw(db, from, to);
  expect(t.requests).toBe(w.requests);
  expect(t.prompt).toBe(w.prompt_tokens ?? 0);
  expect(t.completion).toBe(w.completion_tokens ?? 0);
  expect(t.free).toBe(w.free_tokens ?? 0);
  expect(t.errors).toBe(w.errors ?? 0);
  expect(t.cost).toBeCloseTo(Number(w.cost ?? 0), 12);
  expect(t.saved).toBeCloseTo(Number(w.saved ?? 0), 12);
  if (w.latency === null) expect(t.latency).toBeNull();
  else expect(t.latency!).toBeCloseTo(Number(w.latency), 9);
  for (const by of [['model'], ['client'], ['model', 'scenario', 'tier']] as GroupColumn[][]) {
    const mine = roll.groups(from, to, by);
    const want = raw(db, from, to, by);
    expect(mine.length).toBe(want.length);
    const key = (r: Record<string, unknown>) => by.map((c) => String(r[c])).join('|');
    const index = new Map(want.map((r) => [key(r), r]));
    for (const g of mine) {
      const r = index.get(key(g))!;
      expect(r, key(g)).toBeDefined();
      expect([g.requests, g.prompt_tokens, g.completion_tokens, g.free_tokens, g.errors]).toEqual([r.requests, r.prompt_tokens, r.completion_tokens, r.free_tokens, r.errors]);
      expect(g.cost_usd as number).toBeCloseTo(Number(r.cost), 6);
    }
  }
  const alice = roll.totals(from, to, 'alice');
  const [wa] = raw(db, from, to, [], 'alice');
  expect([alice.requests, alice.prompt]).toEqual([wa.requests, wa.prompt_tokens ?? 0]);
  const series = roll.series(from, to, HOUR);
  expect(series.reduce((n, c) => n + c.requests, 0)).toBe(w.requests);
  expect(series.reduce((n, c) => n + c.tokens, 0)).toBe(Number(w.prompt_tokens ?? 0) + Number(w.completion_tokens ?? 0));
}

const now = Date.UTC(2026, 5, 10, 14, 37, 12, 345);

describe('hourly rollups', () => {
  it('equal the raw rows over any window, after inserts by the log path', () => {
    const db = openDatabase(':memory:');
    const write = batchWriter(db, (m) => {
      throw new Error(m);
    });
    const all = rows(3000, now - 3 * DAY, 3 * DAY + HOUR, 1);
    for (let i = 0; i < all.length; i += 100) write(all.slice(i, i + 100).map((row): Pending => ({ row, bodies: null })));
    const roll = new Rollups(db);
    const r = rng(7);
    const windows: [number, number][] = [
      [now - DAY, now + HOUR],
      [now - 3 * DAY - HOUR, now + 2 * HOUR],
      [now - 2 * DAY - (now % HOUR), now - (now % HOUR)], // whole hours only
      [now - 30 * 60_000, now - 10 * 60_000], // inside one hour
    ];
    for (let i = 0; i < 30; i++) {
      const a = now - 3 * DAY + Math.floor(r() * 3 * DAY);
      windows.push([a, a + Math.floor(r() * 2 * DAY)]);
    }
    for (const [a, b] of windows) expectSame(db, roll, a, b);
    // no end (what /stats asks): through the current hour
    const t = roll.totals(now - DAY);
    expect(t.requests).toBe(raw(db, now - DAY, Number.MAX_SAFE_INTEGER)[0].requests);
  });

  it('stay equal across retention (requests rows older than 400 days are deleted) and keep no empty rows', () => {
    const db = openDatabase(':memory:');
    const ledger = new Ledger(db, { log: memoryLogger(), env: {} });
    const write = batchWriter(db, (m) => {
      throw new Error(m);
    });
    // rows on both sides of the 400-day line, some in the very hour it cuts
    const cut = now - 400 * DAY;
    const old = rows(800, cut - 2 * DAY, 4 * DAY, 2);
    old.push(...rows(200, cut - (cut % HOUR), HOUR, 3));
    write(old.map((row) => ({ row, bodies: null })));
    const table = compileText('model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }\nscenario chat {\n  free any\n}\n');
    ledger.prune(table, now);
    expect((db.prepare('SELECT COUNT(*) AS n FROM requests WHERE ts < ?').get(cut) as { n: number }).n).toBe(0);
    const roll = new Rollups(db);
    for (const [a, b] of [
      [cut - 3 * DAY, cut + 3 * DAY],
      [cut - (cut % HOUR), cut - (cut % HOUR) + HOUR],
      [cut, cut + DAY],
    ] as [number, number][])
      expectSame(db, roll, a, b);
    expect((db.prepare('SELECT COUNT(*) AS n FROM request_rollups WHERE requests <= 0').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM request_rollups WHERE hour < ?').get(cut - (cut % HOUR)) as { n: number }).n).toBe(0);
  });

  it('are built by the migration for rows written before it (the schema before rollups)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gw-rollup-')), 'state.db');
    const db4 = openDatabase(path);
    const all = rows(1500, now - 2 * DAY, 2 * DAY, 4);
    batchWriter(db4, () => {})(all.map((row) => ({ row, bodies: null })));
    // back to what the gateway before rollups (schema 6) left: no rollups, no triggers
    db4.exec('DROP TRIGGER requests_rollup_add; DROP TRIGGER requests_rollup_remove; DROP TABLE request_rollups; ALTER TABLE client_keys DROP COLUMN prefix; PRAGMA user_version = 6');
    db4.close();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expectSame(db, new Rollups(db), now - 2 * DAY - 1, now + 1);
    expectSame(db, new Rollups(db), now - DAY, now);
    db.close();
  });
});
