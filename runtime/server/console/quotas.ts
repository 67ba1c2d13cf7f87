import { computeAlerts } from '../../state/alerts.ts';
import type { Ledger } from '../../state/ledger.ts';
import { quotaStatuses } from '../../state/quota-status.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import type { ProviderFigure } from '../../state/balance-drift.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * The quota page's rows: the same numbers as /quota (quotaStatuses), with the quota's own time zone, whether an alert
 * of the policy's `alert` settings (low quota, expiring soon) is up for it, and the provider's own figure when one is
 * known (`figures`, by provider, as /quota reads them: null until the provider reports one).
 */
export function consoleQuotas(table: DecisionTable, ledger: Ledger, now: number, figures: ReadonlyMap<string, ProviderFigure> = new Map()) {
  const statuses = quotaStatuses(table, ledger.quotas, now);
  const policy = table.alert;
  const { low, expiring } = computeAlerts(statuses, policy?.lowQuotaBelow ?? 5000, policy?.expiringWithinMs ?? null, now);
  const alerted = new Set([...low, ...expiring].map((a) => `${a.provider}/${a.model}`));
  const zones = new Map(table.models.map((m) => [m.id, m.free?.zone ?? 'UTC']));
  return {
    now: iso(now),
    quotas: statuses.map((q) => ({
      model: q.model,
      provider: q.provider,
      used: q.used,
      reserved: q.inFlight,
      remaining: q.remaining,
      limit: q.total,
      period: q.period,
      resets_at: q.ends === 'reset' ? iso(q.expiresAt) : null,
      time_zone: zones.get(q.model) ?? 'UTC',
      expires_at: iso(q.expiresAt),
      ends: q.ends,
      exhausted: q.exhausted,
      expired: q.expired,
      enabled: q.enabled,
      provider_figure: figures.get(q.provider)?.figure ?? null,
      alert: alerted.has(q.model),
      source: q.source,
    })),
  };
}
