import type { DecisionTable } from '../types/decision-table.ts';
import type { StateSnapshot } from '../router/types.ts';
import type { Accounting } from '../state/accounting.ts';
import { budgetPeriodStart } from '../state/ledger.ts';
import { QuotaAccounting } from '../state/quota-accounting.ts';
import { periodStartOf } from '../state/quota-book.ts';
import { openDatabase } from '../state/sqlite-store.ts';
import { SessionPins } from '../state/session-pins.ts';
import { modelIndex } from '../router/resolve-model.ts';

/**
 * The ledger of a replay: the gateway's own quota accounting (periods and resets in each quota's zone, `once` grants,
 * `until` dates, exhaustion) over a private in-memory database, and spend per budget period. Fresh for every replayed
 * policy.
 */
export class SimLedger extends QuotaAccounting implements Accounting {
  private readonly db;
  /** session affinity as the gateway keeps it (`sticky`), over the simulated clock */
  readonly sessions;
  /** USD spent per budget period start */
  private spend = new Map<number, number>();

  constructor() {
    const db = openDatabase(':memory:');
    super(db);
    this.db = db;
    this.sessions = new SessionPins(db, 0);
  }

  /** `--start-used`: tokens already used of a free quota in the period that contains `now`. */
  startUsed(table: DecisionTable, modelId: string, tokens: number, now: number): void {
    const m = modelIndex(table).byId.get(modelId);
    if (!m?.free) throw new Error(`--start-used: ${modelId} has no free quota in this policy`);
    this.quotas.settle(m.id, periodStartOf(m, now), 0, tokens);
  }

  snapshot(table: DecisionTable, now: number): StateSnapshot {
    return { quota: this.quotas.snapshot(table, now), spentUsd: table.budget ? this.spent(table, now) : 0 };
  }

  spent(table: DecisionTable, now: number): number {
    return this.spend.get(budgetPeriodStart(table.budget?.per ?? 'day', now)) ?? 0;
  }

  addSpend(table: DecisionTable, usd: number, now: number): void {
    if (usd <= 0) return;
    const k = budgetPeriodStart(table.budget?.per ?? 'day', now);
    this.spend.set(k, (this.spend.get(k) ?? 0) + usd);
  }

  close(): void {
    this.db.close();
  }
}
