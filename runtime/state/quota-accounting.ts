import type Database from 'better-sqlite3';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import type { Failure } from '../providers/failure.ts';
import { modelIndex } from '../router/resolve-model.ts';
import type { Reservation } from './accounting.ts';
import { QuotaBook } from './quota-book.ts';

/**
 * Free-quota reservations over a QuotaBook: a chosen free model gets its estimate reserved, settled to the real usage
 * or released; a provider's "quota gone" exhausts it until its next reset. The gateway's Ledger and `gw replay`'s
 * simulated ledger both account this way.
 */
export class QuotaAccounting {
  readonly quotas: QuotaBook;

  constructor(db: Database.Database) {
    this.quotas = new QuotaBook(db);
  }

  reserve(table: DecisionTable, decision: Decision, now: number): Reservation | null {
    if (decision.tier !== 'free' || !decision.model) return null;
    const model = modelIndex(table).byId.get(decision.model);
    if (!model?.free) return null;
    const periodStart = this.quotas.reserve(model, decision.estimate, now);
    return { model: model.id, periodStart, tokens: decision.estimate, free: true };
  }

  /** the real usage is known: replace the estimate (null usage: keep the estimate as spent) */
  settle(r: Reservation | null, usage: Usage | null): void {
    if (!r) return;
    this.quotas.settle(r.model, r.periodStart, r.tokens, usage ? usage.total_tokens : r.tokens);
  }

  release(r: Reservation | null): void {
    if (r) this.quotas.release(r.model, r.periodStart, r.tokens);
  }

  failed(table: DecisionTable, modelId: string, f: Failure, now: number): void {
    if (f.class !== 'quota') return;
    const model = modelIndex(table).byId.get(modelId);
    if (model?.free) {
      this.quotas.markExhausted(model, now);
      this.exhausted(modelId);
    }
  }

  /** Told when a free quota is reported exhausted (the gateway logs it). */
  protected exhausted(_modelId: string): void {}
}
