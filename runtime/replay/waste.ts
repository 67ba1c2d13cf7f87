import type { DecisionTable, Model } from '../types/decision-table.ts';
import { currentWindow, untilToEpoch, type QuotaPeriod } from '../quota/period.ts';
import type { QuotaBook } from '../state/quota-book.ts';

export interface QuotaWaste {
  model: string;
  /** periods (or the one grant) that ended within the replayed span */
  periods: number;
  /** what those periods granted */
  granted: number;
  used: number;
  /** granted − used: free tokens that reset or expired unused */
  unused: number;
}

/** Every period of a model's free quota that ended in (from, to]: [start, end) pairs, clipped at its `until` date. */
function endedPeriods(m: Model, from: number, to: number): [number, number][] {
  const free = m.free!;
  const until = free.until ? untilToEpoch(free.until, free.zone) : null;
  if (free.period.kind === 'once') return until !== null && until > from && until <= to ? [[0, until]] : [];
  const out: [number, number][] = [];
  let t = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const w = currentWindow(free.period as QuotaPeriod, t);
    const start = w.start!;
    if (until !== null && start >= until) break;
    const end = until !== null ? Math.min(w.nextReset!, until) : w.nextReset!;
    if (end > to) break;
    out.push([start, end]);
    t = w.nextReset!;
  }
  return out;
}

/**
 * The waste: for each free quota, the tokens of every period that ended within the replay (reset, or reached its
 * `until` date) and were not used. A period still open at the end is not counted: it can still be used.
 */
export function quotaWaste(table: DecisionTable, book: QuotaBook, from: number, to: number): QuotaWaste[] {
  const out: QuotaWaste[] = [];
  for (const m of table.models) {
    if (!m.free) continue;
    let granted = 0;
    let used = 0;
    const periods = endedPeriods(m, from, to);
    for (const [start, end] of periods) {
      granted += m.free.tokens;
      used += Math.min(m.free.tokens, book.view(m, Math.max(start, end - 1)).settled);
    }
    out.push({ model: m.id, periods: periods.length, granted, used, unused: granted - used });
  }
  return out;
}
