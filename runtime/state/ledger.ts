import type Database from 'better-sqlite3';
import { ofetch } from 'ofetch';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision, StateSnapshot } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import type { Failure } from '../providers/failure.ts';
import { modelIndex } from '../router/resolve-model.ts';
import type { Env } from '../providers/keys.ts';
import type { Accounting, CompletedRequest, Recorder, Reservation } from './accounting.ts';
import { computeAlerts, type Alert } from './alerts.ts';
import { costAndSaving } from './cost.ts';
import { Metrics } from './metrics.ts';
import { OverlayStore } from './overlay.ts';
import { QuotaBook } from './quota-book.ts';
import { quotaStatuses } from './quota-status.ts';
import { redactDeep, redactText } from './redact-log.ts';
import { RequestLog } from './request-log.ts';
import type { Logger } from '../server/log.ts';

const DAY = 86_400_000;

/** Start of the budget period (UTC day or month) containing `now`. */
export function budgetPeriodStart(per: 'day' | 'month', now: number): number {
  const d = new Date(now);
  return per === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * gw's memory on embedded SQLite: free-quota usage per period (reserved when routed, settled to the upstream's usage,
 * released on failure), spend for the budget, the request log, registered quotas, metrics and quota alerts.
 */
export class Ledger implements Accounting, Recorder {
  readonly db: Database.Database;
  readonly quotas: QuotaBook;
  readonly requests: RequestLog;
  readonly overlays: OverlayStore;
  readonly metrics = new Metrics();
  private spend = { start: -1, per: '' as string, usd: 0 };
  private log: Logger;
  private env: Env;
  private alertTimer: NodeJS.Timeout | null = null;
  private lastPrune = 0;

  constructor(db: Database.Database, opts: { log: Logger; env: Env }) {
    this.db = db;
    this.log = opts.log;
    this.env = opts.env;
    this.quotas = new QuotaBook(db);
    this.requests = new RequestLog(db);
    this.overlays = new OverlayStore(db);
  }

  // ---- Accounting: what the router reads, and reservations -------------------------------------------------------
  snapshot(table: DecisionTable, now: number): StateSnapshot {
    return { quota: this.quotas.snapshot(table, now), spentUsd: table.budget ? this.spent(table, now) : 0 };
  }

  reserve(table: DecisionTable, decision: Decision, now: number): Reservation | null {
    if (decision.tier !== 'free' || !decision.model) return null;
    const model = modelIndex(table).byId.get(decision.model);
    if (!model?.free) return null;
    const periodStart = this.quotas.reserve(model, decision.estimate, now);
    return { model: model.id, periodStart, tokens: decision.estimate, free: true };
  }

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
      this.log.warn(`free quota of ${modelId} reported exhausted by the provider; skipped until its next reset`);
    }
  }

  spent(table: DecisionTable, now: number): number {
    const per = table.budget?.per ?? 'day';
    const start = budgetPeriodStart(per, now);
    if (this.spend.start !== start || this.spend.per !== per) this.spend = { start, per, usd: this.requests.spentSince(start) };
    return this.spend.usd;
  }

  // ---- Recorder: a finished request -------------------------------------------------------------------------------
  complete(table: DecisionTable, req: CompletedRequest): void {
    this.settle(req.reservation, req.usage);
    const { cost, saved, freeTokens } = costAndSaving(table, req.decision, req.model, req.usage);
    const piiTypes = req.decision?.pii.detected ?? [];
    const flagged = piiTypes.length > 0;
    const row = {
      id: req.id,
      ts: req.startedAt,
      endpoint: req.endpoint,
      requested_model: req.requestedModel,
      model: req.model,
      scenario: req.decision?.scenario ?? null,
      tier: req.decision?.tier ?? null,
      status: req.status,
      stream: req.stream ? 1 : 0,
      latency_ms: Math.round(req.latencyMs * 100) / 100,
      prompt_tokens: req.usage?.prompt_tokens ?? 0,
      completion_tokens: req.usage?.completion_tokens ?? 0,
      free_tokens: freeTokens,
      cost_usd: cost,
      saved_usd: saved,
      attempts: req.attempts.length,
      error_type: req.error?.type ?? null,
      pii: flagged ? piiTypes.join(',') : null,
    };
    const logs = table.gateway.logs;
    const bodies = logs.enabled
      ? {
          request_body: req.requestBody === null ? null : JSON.stringify(flagged ? redactDeep(req.requestBody) : req.requestBody),
          response_body: req.responseBody === null ? null : flagged ? redactText(req.responseBody) : req.responseBody,
          decision: req.decision ? JSON.stringify(flagged ? redactDeep(req.decision) : req.decision) : null,
          attempts: JSON.stringify(req.attempts),
          redacted: flagged ? 1 : 0,
        }
      : null;
    this.requests.write(row, bodies);
    if (this.spend.start >= 0 && req.startedAt >= this.spend.start) this.spend.usd += cost;
    const labels = { model: req.model ?? 'none', scenario: row.scenario ?? 'none', tier: row.tier ?? 'none', status: String(req.status) };
    this.metrics.inc('gw_requests_total', 'Requests answered, by model, scenario, tier and status.', labels);
    if (req.usage) {
      this.metrics.inc('gw_tokens_total', 'Tokens reported by upstreams.', { model: req.model ?? 'none', kind: 'prompt' }, req.usage.prompt_tokens);
      this.metrics.inc('gw_tokens_total', 'Tokens reported by upstreams.', { model: req.model ?? 'none', kind: 'completion' }, req.usage.completion_tokens);
    }
    if (cost) this.metrics.inc('gw_cost_usd_total', 'USD spent on paid models.', { model: req.model ?? 'none' }, cost);
    if (saved) this.metrics.inc('gw_saved_usd_total', 'USD saved by free and local answers against the paid choice.', { model: req.model ?? 'none' }, saved);
    this.metrics.inc('gw_request_latency_ms_sum', 'Total request latency in ms (divide by gw_requests_total).', { model: req.model ?? 'none' }, req.latencyMs);
    if (req.reservation) void this.checkAlerts(table, Date.now());
    if (req.startedAt - this.lastPrune > 3600_000) this.prune(table, req.startedAt);
  }

  prune(table: DecisionTable, now: number): void {
    this.lastPrune = now;
    const n = this.requests.prune(table.gateway.logs.keepMs, table.gateway.logs.keepRows, now);
    this.db.prepare('DELETE FROM requests WHERE ts < ?').run(now - 400 * DAY);
    if (n) this.log.info(`request log retention removed ${n} entr${n === 1 ? 'y' : 'ies'}`);
  }

  // ---- alerts -----------------------------------------------------------------------------------------------------
  /** POST each new alert to the policy's webhook once (per quota period). */
  async checkAlerts(table: DecisionTable, now: number): Promise<Alert[]> {
    const a = table.alert;
    if (!a?.webhook) return [];
    const url = a.webhook.env.map((n) => this.env[n]).find(Boolean) ?? a.webhook.literal;
    if (!url) return [];
    const { low, expiring } = computeAlerts(quotaStatuses(table, this.quotas, now), a.lowQuotaBelow ?? 0, a.expiringWithinMs, now);
    const fresh: Alert[] = [];
    const seen = this.db.prepare('SELECT 1 FROM alerts_sent WHERE key = ?');
    const mark = this.db.prepare('INSERT OR IGNORE INTO alerts_sent (key, ts) VALUES (?, ?)');
    for (const alert of [...low, ...expiring]) {
      if (seen.get(alert.key)) continue;
      mark.run(alert.key, now);
      fresh.push(alert);
    }
    for (const alert of fresh) {
      const { key: _key, ...body } = alert;
      void _key;
      try {
        await ofetch(url, { method: 'POST', body: { source: 'gw', at: new Date(now).toISOString(), alert: body }, retry: 1, timeout: 5000 });
      } catch (e) {
        this.log.warn(`alert webhook failed: ${(e as Error).message.slice(0, 160)}`);
      }
    }
    return fresh;
  }

  /** Check alerts every minute (expiring quotas need no request to trigger them). */
  startAlertTimer(getTable: () => DecisionTable, everyMs = 60_000): void {
    this.alertTimer = setInterval(() => void this.checkAlerts(getTable(), Date.now()), everyMs);
    this.alertTimer.unref();
  }

  close(): void {
    if (this.alertTimer) clearInterval(this.alertTimer);
    this.requests.flush();
    this.db.close();
  }
}
