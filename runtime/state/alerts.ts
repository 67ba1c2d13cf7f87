import { formatSpan } from '../quota/period.ts';
import { thousands } from '../router/format.ts';
import type { QuotaStatus } from './quota-status.ts';
import type { DecisionTable } from '../types/decision-table.ts';

/** The alert webhook's URL: the first set variable of `alert { webhook env … }`, else its literal; null: none. */
export function webhookUrl(table: DecisionTable, env: Readonly<Record<string, string | undefined>>): string | null {
  const w = table.alert?.webhook;
  if (!w) return null;
  return w.env.map((n) => env[n]).find(Boolean) ?? w.literal ?? null;
}

export interface Alert {
  provider: string;
  model: string;
  remaining: number;
  reason: 'low_quota' | 'expiring_soon';
  message: string;
  /** when the quota resets or expires (ISO), for expiring_soon */
  expiresAt?: string | null;
  /** identifies the alert for its period, so a webhook receives it once */
  key: string;
}

/**
 * The seed's two alert groups: quotas below a threshold, and unused quota about to reset or expire. `skip`: alerts
 * whose key it accepts are left out (not built).
 */
export function computeAlerts(quotas: readonly QuotaStatus[], threshold: number, expiryWithinMs: number | null, now: number, skip?: (key: string) => boolean) {
  const low: Alert[] = [];
  const expiring: Alert[] = [];
  for (const q of quotas) {
    let lowKey = q.remaining < threshold ? `low:${q.model}:${q.periodStart}` : null;
    let expiringKey =
      expiryWithinMs !== null && q.expiresAt !== null && q.remaining > 0 && q.expiresAt - now <= expiryWithinMs && q.expiresAt > now ? `expiring:${q.model}:${q.expiresAt}` : null;
    if (lowKey !== null && skip?.(lowKey)) lowKey = null;
    if (expiringKey !== null && skip?.(expiringKey)) expiringKey = null;
    if (lowKey === null && expiringKey === null) continue;
    const [provider, ...rest] = q.model.split('/');
    const model = rest.join('/');
    if (lowKey !== null)
      low.push({ provider, model, remaining: q.remaining, reason: 'low_quota', message: `额度不足: 仅剩 ${thousands(q.remaining)} tokens (quota low: ${thousands(q.remaining)} tokens left)`, key: lowKey });
    if (expiringKey !== null && q.expiresAt !== null) {
      const span = formatSpan(q.expiresAt - now);
      const verb = q.ends === 'reset' ? '重置' : '过期';
      expiring.push({
        provider,
        model,
        remaining: q.remaining,
        reason: 'expiring_soon',
        message: `即将过期: ${span}后${verb}，剩余 ${thousands(q.remaining)} tokens 未使用，建议尽快使用！ (${q.ends === 'reset' ? 'resets' : 'expires'} in ${span} with ${thousands(q.remaining)} tokens unused)`,
        expiresAt: new Date(q.expiresAt).toISOString(),
        key: expiringKey,
      });
    }
  }
  return { low, expiring };
}

export function alertsBody(quotas: readonly QuotaStatus[], threshold: number, expiryHours: number | null, now: number) {
  const { low, expiring } = computeAlerts(quotas, threshold, expiryHours === null ? null : expiryHours * 3600e3, now);
  const strip = (a: Alert) => {
    const { key: _k, ...rest } = a;
    void _k;
    return rest;
  };
  return {
    threshold,
    expiry_warning_hours: expiryHours,
    total_alerts: low.length + expiring.length,
    low_quota: { count: low.length, alerts: low.map(strip) },
    expiring_soon: { count: expiring.length, alerts: expiring.map(strip) },
  };
}
