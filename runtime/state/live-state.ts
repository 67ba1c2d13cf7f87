import type { DecisionTable, RetryPolicy } from '../types/decision-table.ts';
import type { Failure } from '../providers/failure.ts';
import type { StateSnapshot } from '../router/types.ts';

const WINDOW_MS = 60_000;

const limitedModels = new WeakMap<DecisionTable, string[]>();
/** The models with an rpm or tpm limit: the only ones whose requests LiveState counts (built once per table). */
export function modelsWithLimits(table: DecisionTable): string[] {
  let l = limitedModels.get(table);
  if (!l) {
    l = table.models.filter((m) => m.limits.rpm !== null || m.limits.tpm !== null).map((m) => m.id);
    limitedModels.set(table, l);
  }
  return l;
}

/**
 * The gateway's short-lived memory of upstream health: consecutive failures and cool-downs per model, and the
 * requests/tokens each model took in the last minute (for `limit N rpm|tpm`). In memory by nature: it describes the
 * last minutes, not history (the ledger keeps history).
 */
export class LiveState {
  private failures = new Map<string, number>();
  private cooldown: Record<string, number> = {};
  private windows = new Map<string, { t: number; tokens: number }[]>();
  /** models the provider said do not exist: not tried until then (the router names the reason) */
  private aside: Record<string, { until: number; reason: string }> = {};

  /** Set `model` aside until `until` (a provider said it does not exist). */
  setAside(model: string, until: number, reason: string): void {
    this.aside[model] = { until, reason };
  }

  setAsideNow(now: number): Record<string, { until: number; reason: string }> {
    for (const [m, a] of Object.entries(this.aside)) if (a.until <= now) delete this.aside[m];
    return this.aside;
  }

  /**
   * A request was sent to `model` with `tokens` reserved: counts toward its rpm/tpm window. Only models with limits
   * keep a window (others would grow without bound), and a window drops entries older than a minute as it grows.
   */
  started(model: string, tokens: number, now: number, limited: boolean): void {
    if (!limited) return;
    let w = this.windows.get(model);
    if (!w) {
      w = [];
      this.windows.set(model, w);
    }
    while (w.length && w[0].t <= now - WINDOW_MS) w.shift();
    w.push({ t: now, tokens });
  }

  /** A request counted by `started` was never sent (the gateway could not build it): it leaves the window. */
  unstarted(model: string, tokens: number, t: number): void {
    const w = this.windows.get(model);
    if (!w) return;
    for (let i = w.length - 1; i >= 0; i--)
      if (w[i].t === t && w[i].tokens === tokens) {
        w.splice(i, 1);
        return;
      }
  }

  succeeded(model: string): void {
    this.failures.delete(model);
  }

  /**
   * A retryable failure: after `cooldownAfter` in a row the model cools down for `cooldownMs`; a Retry-After from the
   * provider cools it down at once for that long (capped by the backoff cap and the cool-down length).
   */
  failed(model: string, f: Failure, retry: RetryPolicy, now: number): void {
    if (!(retry.on as string[]).includes(f.class)) return;
    const n = (this.failures.get(model) ?? 0) + 1;
    this.failures.set(model, n);
    let until = this.cooldown[model] ?? 0;
    if (n >= retry.cooldownAfter) until = Math.max(until, now + retry.cooldownMs);
    if (f.retryAfterMs !== null && f.retryAfterMs > 0) until = Math.max(until, now + Math.min(f.retryAfterMs, Math.max(retry.maxMs, retry.cooldownMs)));
    if (until > now) this.cooldown[model] = until;
  }

  coolingDown(now: number): Record<string, number> {
    for (const [m, t] of Object.entries(this.cooldown)) if (t <= now) delete this.cooldown[m];
    return this.cooldown;
  }

  /** Requests and tokens in the last minute, for the models that have limits. */
  rate(models: readonly string[], now: number): Record<string, { requests: number; tokens: number }> {
    const out: Record<string, { requests: number; tokens: number }> = {};
    for (const m of models) {
      const w = this.windows.get(m);
      if (!w) continue;
      while (w.length && w[0].t <= now - WINDOW_MS) w.shift();
      let tokens = 0;
      for (const e of w) tokens += e.tokens;
      out[m] = { requests: w.length, tokens };
    }
    return out;
  }

  snapshot(limited: readonly string[], now: number): StateSnapshot {
    return { cooldown: this.coolingDown(now), rate: this.rate(limited, now), setAside: this.setAsideNow(now) };
  }

  health(now: number): { model: string; failures: number; coolingDownFor: number | null }[] {
    const names = new Set([...this.failures.keys(), ...Object.keys(this.coolingDown(now))]);
    return [...names].map((model) => ({
      model,
      failures: this.failures.get(model) ?? 0,
      coolingDownFor: this.cooldown[model] ? this.cooldown[model] - now : null,
    }));
  }
}
