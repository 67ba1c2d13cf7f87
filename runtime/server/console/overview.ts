import type { Ledger } from '../../state/ledger.ts';
import { quotaStatuses } from '../../state/quota-status.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import { consoleError } from './console-errors.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANGES = { today: { span: DAY, bucket: HOUR }, '7d': { span: 7 * DAY, bucket: HOUR }, '30d': { span: 30 * DAY, bucket: DAY } } as const;
export type OverviewRange = keyof typeof RANGES;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function parseRange(v: string | null): OverviewRange {
  const r = v ?? 'today';
  if (!Object.hasOwn(RANGES, r)) throw consoleError(400, `range is today, 7d or 30d, got "${r.slice(0, 40)}"`, 'invalid_value');
  return r as OverviewRange;
}

/**
 * The dashboard's figures for the last 24 hours (`today`, the same window and numbers as /stats), 7 or 30 days: totals
 * and a series by hour or UTC day split by model and tier, every bucket present. Read from the hourly rollups.
 */
export function overviewBody(table: DecisionTable, ledger: Ledger, range: OverviewRange, now: number) {
  const { span, bucket } = RANGES[range];
  const from = now - span;
  ledger.requests.flush();
  const t = ledger.requests.rollups.totals(from, null);
  const quotas = quotaStatuses(table, ledger.quotas, now);
  const series = new Map<number, { t: string; requests: number; tokens: number; cost_usd: number; by_model: Record<string, number>; by_tier: Record<string, number> }>();
  for (let b = from - (from % bucket); b <= now; b += bucket)
    series.set(b, { t: new Date(b).toISOString(), requests: 0, tokens: 0, cost_usd: 0, by_model: {}, by_tier: { free: 0, paid: 0, local: 0 } });
  for (const c of ledger.requests.rollups.series(from, now + 1, bucket)) {
    const s = series.get(c.t);
    if (!s) continue; // a request stamped in the future: counted in the totals, not drawn
    s.requests += c.requests;
    s.tokens += c.tokens;
    s.cost_usd += c.cost;
    const model = c.model ?? 'none';
    s.by_model[model] = (s.by_model[model] ?? 0) + c.tokens;
    const tier = c.tier ?? 'none';
    s.by_tier[tier] = (s.by_tier[tier] ?? 0) + c.tokens;
  }
  for (const s of series.values()) s.cost_usd = round6(s.cost_usd);
  return {
    range,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    requests: t.requests,
    prompt_tokens: t.prompt,
    completion_tokens: t.completion,
    cost_usd: round6(t.cost),
    saved_usd: round6(t.saved),
    free_tokens_used: t.free,
    free_tokens_left: quotas.filter((q) => q.enabled && !q.expired).reduce((n, q) => n + Math.max(0, q.remaining), 0),
    errors: t.errors,
    error_rate: t.requests ? Math.round((t.errors / t.requests) * 1e4) / 1e4 : 0,
    average_latency_ms: t.latency === null ? 0 : Math.round(t.latency),
    bucket: bucket === HOUR ? 'hour' : 'day',
    series: [...series.values()],
  };
}
