import type Database from 'better-sqlite3';
import type { DecisionTable, Model } from '../types/decision-table.ts';
import { currentWindow, nextReset, untilToEpoch, type QuotaPeriod } from '../quota/period.ts';

interface Entry {
  periodStart: number;
  /** settled tokens this period (persisted) */
  used: number;
  /** estimates of requests in flight (memory only: a crash ends them) */
  reserved: number;
  exhaustedUntil: number | null;
}

/** Start of the quota period containing `now` (0 for a `once` quota: it never resets). */
export function periodStartOf(model: Model, now: number): number {
  const free = model.free!;
  if (free.period.kind === 'once') return 0;
  return currentWindow(free.period as QuotaPeriod, now).start ?? 0;
}

/**
 * Free-quota usage per model and period: an in-memory mirror written through to SQLite. Reservations stay in memory;
 * settled usage is committed before the request's record is written (a journaled settle: on the ledger's next turn).
 */
export class QuotaBook {
  private entries = new Map<string, Entry>();
  private get: Database.Statement;
  private add: Database.Statement;
  private exhaust: Database.Statement;
  /** settles whose row update waits for the next flush: [model, period start, tokens, journal seq] */
  private pending: [string, number, number, number][] = [];
  private writeAll: (p: [string, number, number, number][]) => void;

  constructor(db: Database.Database) {
    this.get = db.prepare('SELECT used, exhausted_until AS exhaustedUntil FROM quota_usage WHERE model = ? AND period_start = ?');
    this.add = db.prepare(
      'INSERT INTO quota_usage (model, period_start, used, seq) VALUES (?, ?, ?, ?) ON CONFLICT (model, period_start) DO UPDATE SET used = used + excluded.used, seq = MAX(seq, excluded.seq)',
    );
    this.exhaust = db.prepare(
      'INSERT INTO quota_usage (model, period_start, used, exhausted_until) VALUES (?, ?, 0, ?) ON CONFLICT (model, period_start) DO UPDATE SET exhausted_until = excluded.exhausted_until',
    );
    this.writeAll = db.transaction((p: [string, number, number, number][]) => {
      for (const [model, start, tokens, seq] of p) this.add.run(model, start, tokens, seq);
    });
  }

  /** Write the deferred settles, in one transaction (before anything reads the rows; never needed for the mirror). */
  flush(): void {
    if (this.pending.length === 0) return;
    const p = this.pending;
    this.pending = [];
    this.writeAll(p);
  }

  entry(model: Model, now: number): Entry {
    const start = periodStartOf(model, now);
    let e = this.entries.get(model.id);
    if (!e || e.periodStart !== start) {
      this.flush();
      const row = this.get.get(model.id, start) as { used: number; exhaustedUntil: number | null } | undefined;
      e = { periodStart: start, used: row?.used ?? 0, reserved: e && e.periodStart === start ? e.reserved : 0, exhaustedUntil: row?.exhaustedUntil ?? null };
      this.entries.set(model.id, e);
    }
    return e;
  }

  /** Usage the router sees: settled plus in flight. */
  view(model: Model, now: number): { used: number; exhausted: boolean; settled: number; reserved: number } {
    const e = this.entry(model, now);
    return { used: e.used + e.reserved, exhausted: e.exhaustedUntil !== null && e.exhaustedUntil > now, settled: e.used, reserved: e.reserved };
  }

  reserve(model: Model, tokens: number, now: number): number {
    const e = this.entry(model, now);
    e.reserved += tokens;
    return e.periodStart;
  }

  release(modelId: string, periodStart: number, tokens: number): void {
    const e = this.entries.get(modelId);
    if (e && e.periodStart === periodStart) e.reserved = Math.max(0, e.reserved - tokens);
  }

  /**
   * Replace a reservation by the real usage, committed to the database; `seq` is the answered-requests journal record
   * that carries this settle (0 when none), kept on the quota row so a replay after a crash does not add it twice.
   * `deferred`: the settle is in the journal already (its line is written), so its row update waits for `flush` (the
   * ledger's next turn, with the other settles of that turn): one transaction per turn instead of one per request.
   */
  settle(modelId: string, periodStart: number, reserved: number, actual: number, seq = 0, deferred = false): void {
    this.release(modelId, periodStart, reserved);
    if (actual <= 0) return;
    if (deferred) this.pending.push([modelId, periodStart, actual, seq]);
    else this.add.run(modelId, periodStart, actual, seq);
    const e = this.entries.get(modelId);
    if (e && e.periodStart === periodStart) e.used += actual;
  }

  /** The provider said the quota is gone: nothing more until the next reset (or ever, for a `once` quota). */
  markExhausted(model: Model, now: number): void {
    const free = model.free!;
    const reset = nextReset(free.period as QuotaPeriod, now);
    const until = free.until ? untilToEpoch(free.until, free.zone) : null;
    const end = Math.min(reset ?? Number.MAX_SAFE_INTEGER, until ?? Number.MAX_SAFE_INTEGER);
    const e = this.entry(model, now);
    e.exhaustedUntil = end;
    this.flush();
    this.exhaust.run(model.id, e.periodStart, end);
  }

  snapshot(table: DecisionTable, now: number): Record<string, { used: number; exhausted?: boolean }> {
    const out: Record<string, { used: number; exhausted?: boolean }> = {};
    for (const m of table.models) {
      if (!m.free) continue;
      const v = this.view(m, now);
      out[m.id] = v.exhausted ? { used: v.used, exhausted: true } : { used: v.used };
    }
    return out;
  }
}
