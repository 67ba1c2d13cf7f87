import type { Model } from '../types/decision-table.ts';
import { formatSpan, nextReset, untilToEpoch, type QuotaPeriod } from '../quota/period.ts';
import type { QuotaView, StateSnapshot } from './types.ts';
import { formatTokens } from './format.ts';

export { formatTokens };

const untilCache = new Map<string, number>();
function untilEpoch(until: string, zone: string): number {
  const key = `${until}|${zone}`;
  let v = untilCache.get(key);
  if (v === undefined) {
    v = untilToEpoch(until, zone);
    untilCache.set(key, v);
  }
  return v;
}

/** What is left of a model's free quota now, and when it resets or expires. */
export function quotaView(model: Model, state: StateSnapshot, now: number): QuotaView | null {
  const free = model.free;
  if (!free) return null;
  const untilAt = free.until !== null ? untilEpoch(free.until, free.zone) : null;
  return viewOf(free, state.quota?.[model.id], untilAt, nextReset(free.period as QuotaPeriod, now), now);
}

/** The view of a free quota given its until date and next reset (epoch ms, or null for none). */
export function viewOf(
  free: NonNullable<Model['free']>,
  s: { used: number; exhausted?: boolean } | undefined,
  untilAt: number | null,
  resetAt: number | null,
  now: number,
): QuotaView {
  const expired = untilAt !== null && untilAt <= now;
  let expiresAt: number | null = null;
  let ends: QuotaView['ends'] = 'never';
  if (resetAt !== null && (untilAt === null || resetAt < untilAt)) {
    expiresAt = resetAt;
    ends = 'reset';
  } else if (untilAt !== null) {
    expiresAt = untilAt;
    ends = 'expiry';
  }
  const exhausted = s?.exhausted === true;
  return {
    remaining: expired || exhausted ? 0 : Math.max(0, free.tokens - (s?.used ?? 0)),
    expiresAt,
    ends,
    expired,
    exhausted,
  };
}

export function describeQuota(q: QuotaView, now: number): string {
  if (q.expired) return 'free quota expired';
  return `${formatTokens(q.remaining)} left, ${quotaTail(q, now)}`;
}

/** What `describeQuota` says after "N left, " of a quota that has not expired: "never resets", "resets in 8h", "expires in 3d 2h". */
export function quotaTail(q: QuotaView, now: number): string {
  if (q.ends === 'never') return 'never resets';
  return `${q.ends === 'reset' ? 'resets' : 'expires'} in ${formatSpan(q.expiresAt! - now)}`;
}
