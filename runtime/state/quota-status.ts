import type { DecisionTable } from '../types/decision-table.ts';
import { quotaView } from '../router/quota-view.ts';
import type { QuotaBook } from './quota-book.ts';
import { modelIndex } from '../router/resolve-model.ts';

export interface QuotaStatus {
  model: string;
  provider: string;
  total: number;
  used: number;
  inFlight: number;
  remaining: number;
  period: string;
  periodStart: number;
  /** next reset or expiry, epoch ms */
  expiresAt: number | null;
  ends: 'reset' | 'expiry' | 'never';
  exhausted: boolean;
  expired: boolean;
  enabled: boolean;
  source: string;
}

/** Every free quota's state now: the same numbers the router sees. */
export function quotaStatuses(table: DecisionTable, book: QuotaBook, now: number): QuotaStatus[] {
  const providers = modelIndex(table).providers;
  const out: QuotaStatus[] = [];
  for (const m of table.models) {
    if (!m.free) continue;
    const v = book.view(m, now);
    const q = quotaView(m, { quota: { [m.id]: { used: v.used, exhausted: v.exhausted } } }, now)!;
    const f = m.free;
    out.push({
      model: m.id,
      provider: m.provider,
      total: f.tokens,
      used: v.settled,
      inFlight: v.reserved,
      remaining: q.remaining,
      period: f.period.kind === 'every' ? `every ${f.period.unit} at ${f.period.at} ${f.period.zone}${f.until ? ` until ${f.until}` : ''}` : `once${f.until ? ` until ${f.until}` : ''}`,
      periodStart: book.entry(m, now).periodStart,
      expiresAt: q.expiresAt,
      ends: q.ends,
      exhausted: q.exhausted,
      expired: q.expired,
      enabled: providers.get(m.provider)?.enabled ?? false,
      source: f.at,
    });
  }
  return out;
}
