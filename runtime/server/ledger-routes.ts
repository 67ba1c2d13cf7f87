import type { H3 } from 'h3';
import type { Ledger } from '../state/ledger.ts';
import { alertsBody } from '../state/alerts.ts';
import { MAX_REGISTRATIONS, parseRegistration } from '../state/overlay.ts';
import { checkAdmin } from './admin-auth.ts';
import type { Env } from '../providers/keys.ts';
import { quotaStatuses, type QuotaStatus } from '../state/quota-status.ts';
import { readJsonObject } from './body.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { badRequest, errorResponse, GwError, jsonResponse } from './errors.ts';
import type { PolicyHolder } from './policy-holder.ts';
import type { LiveState } from '../state/live-state.ts';
import { decodeParam } from './route-errors.ts';
import type { ProviderState } from '../state/provider-state.ts';
import { providerFigures, type ProviderFigure } from '../state/balance-drift.ts';

const HOUR = 3600_000;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function quotaJson(q: QuotaStatus, figures: ReadonlyMap<string, ProviderFigure> = new Map()) {
  const f = figures.get(q.provider);
  return {
    provider: q.provider,
    model: q.model,
    total: q.total,
    used: q.used,
    in_flight: q.inFlight,
    remaining: q.remaining,
    period: q.period,
    next_reset: q.ends === 'reset' ? iso(q.expiresAt) : null,
    expires_at: iso(q.expiresAt),
    ends: q.ends,
    exhausted: q.exhausted,
    expired: q.expired,
    provider_enabled: q.enabled,
    source: q.source,
    // the provider's own figure (its balance endpoint), beside gw's: null when it has none or was never read
    provider_figure: f?.figure ?? null,
    provider_currency: f?.currency ?? null,
    provider_exhausted: f ? f.freeExhausted || f.empty : null,
  };
}

/** The provider figures and drift, in /quota's snake case. */
function figureJson(f: ProviderFigure) {
  return {
    provider: f.provider,
    currency: f.currency,
    figure: f.figure,
    total: f.total,
    summary: f.summary,
    read_at: iso(f.readAt),
    free_exhausted: f.freeExhausted,
    empty: f.empty,
    since: iso(f.since),
    provider_spent: f.providerSpent,
    gw_spent_usd: f.gwSpentUsd,
    drift: f.drift,
    note: f.note,
  };
}

function parseRows(rows: Record<string, unknown>[]) {
  return rows.map((r) => {
    const { request_body, response_body, decision, attempt_list, ...rest } = r as Record<string, string | null>;
    const j = (t: string | null) => {
      if (t === null || t === undefined) return null;
      try {
        return JSON.parse(t);
      } catch {
        return t;
      }
    };
    return {
      ...rest,
      stream: rest.stream === (1 as unknown as string),
      redacted: rest.redacted === (1 as unknown as string),
      timestamp: iso(Number(rest.ts)),
      request: j(request_body),
      response: response_body !== null && response_body !== undefined && response_body.startsWith('{') ? j(response_body) : response_body,
      decision: j(decision),
      attempt_list: j(attempt_list),
    };
  });
}

/** GET /quota's body: every free quota's state now, and the registered quotas with whether each applies. */
/** The providers' own figures (their balance endpoints at the last sync) by provider name; empty without a sync state. */
export function figuresByProvider(t: DecisionTable, ledger: Ledger, providers?: ProviderState): Map<string, ProviderFigure> {
  return new Map((providers ? providerFigures(ledger.db, t, providers.balances()) : []).map((f) => [f.provider, f]));
}

export function quotaBody(t: DecisionTable, ledger: Ledger, now: number, providers?: ProviderState) {
  const regs = ledger.overlays.all();
  const byProvider = figuresByProvider(t, ledger, providers);
  return {
    now: iso(now),
    quotas: quotaStatuses(t, ledger.quotas, now).map((q) => quotaJson(q, byProvider)),
    providers: [...byProvider.values()].map(figureJson),
    registered: regs.map((raw) => {
      const r = parseRegistration(raw, t);
      if ('error' in r) return { provider: String(raw?.provider).slice(0, 80), model: String(raw?.model).slice(0, 80), status: 'rejected', reason: r.error };
      const id = `${r.provider}/${r.model}`;
      const m = t.models.find((x) => x.id === id);
      return { ...r, status: m?.free?.at === 'quota-register:1:1' ? 'applied' : 'superseded by routes.gw' };
    }),
  };
}

/** GET /quota/alerts's body (?threshold=TOKENS&expiry_hours=H override the policy's `alert` settings). */
export function quotaAlertsBody(t: DecisionTable, ledger: Ledger, q: URLSearchParams, now: number) {
  const policy = t.alert;
  const threshold = q.has('threshold') ? Number(q.get('threshold')) : (policy?.lowQuotaBelow ?? 5000);
  const hours = q.has('expiry_hours') ? Number(q.get('expiry_hours')) : policy?.expiringWithinMs != null ? policy.expiringWithinMs / HOUR : null;
  if (!Number.isFinite(threshold) || threshold < 0) throw badRequest('threshold must be a number of tokens', 'invalid_value', 'threshold');
  if (hours !== null && (!Number.isFinite(hours) || hours < 0)) throw badRequest('expiry_hours must be a number of hours', 'invalid_value', 'expiry_hours');
  return alertsBody(quotaStatuses(t, ledger.quotas, now), threshold, hours, now);
}

/** POST /quota/register: register (or replace) a quota from its JSON body; returns the 201 answer's body. */
export function registerQuota(holder: PolicyHolder, ledger: Ledger, body: Record<string, unknown>) {
  const table = () => holder.current.table;
  const reg = parseRegistration(body, table());
  if ('error' in reg) throw badRequest(reg.error, 'invalid_value', reg.param);
  if (!ledger.overlays.has(`${reg.provider}/${reg.model}`) && ledger.overlays.count() >= MAX_REGISTRATIONS)
    throw new GwError(409, 'invalid_request_error', `at most ${MAX_REGISTRATIONS} quotas can be registered: DELETE /quota/register/{provider}/{model} one first`, 'too_many_registrations');
  ledger.overlays.put(reg, Date.now());
  holder.refresh();
  const id = `${reg.provider}/${reg.model}`;
  const m = table().models.find((x) => x.id === id);
  const applied = m?.free?.at === 'quota-register:1:1';
  return {
    registered: reg,
    status: applied ? 'applied' : 'superseded by routes.gw',
    note: applied ? 'routes.gw stays the source of truth: a `free` line for this model there supersedes this registration' : `routes.gw declares a free quota for ${id} at ${m?.free?.at}`,
  };
}

/** GET /logs/:id's body: one logged request with its texts parsed; null when there is none. */
export function loggedRequest(ledger: Ledger, id: string): Record<string, unknown> | null {
  const row = ledger.requests.get(id);
  return row ? (parseRows([row])[0] as Record<string, unknown>) : null;
}

export const logNotFound = (id: string) => new GwError(404, 'invalid_request_error', `no logged request "${id.slice(0, 200)}"`, 'log_not_found');

/** The seed's monitoring endpoints over the ledger: quota, alerts, registration, stats, reports, logs, metrics. */
export function ledgerRoutes(
  app: H3,
  ctx: {
    holder: PolicyHolder;
    ledger: Ledger;
    live: LiveState;
    env: Env;
    guard: (h: (req: Request) => unknown) => (event: { req: Request }) => unknown;
    /** the last sync's balances: their figures and drift beside the quotas */
    providers?: ProviderState;
  },
): void {
  const { holder, ledger, guard } = ctx;
  const table = () => holder.current.table;

  app.get('/quota', guard(() => jsonResponse(200, quotaBody(table(), ledger, Date.now(), ctx.providers))));

  app.get('/quota/alerts', guard((req) => jsonResponse(200, quotaAlertsBody(table(), ledger, new URL(req.url).searchParams, Date.now()))));

  app.post(
    '/quota/register',
    guard(async (req) => {
      checkAdmin(req, table(), ctx.env);
      return jsonResponse(201, registerQuota(holder, ledger, await readJsonObject(req, 64 * 1024)));
    }),
  );

  app.delete(
    '/quota/register/**',
    guard((req) => {
      checkAdmin(req, table(), ctx.env);
      const rest = new URL(req.url).pathname.slice('/quota/register/'.length);
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) throw badRequest('DELETE /quota/register/{provider}/{model}', 'invalid_value', 'model');
      const id = `${decodeParam(rest.slice(0, slash), 'provider')}/${decodeParam(rest.slice(slash + 1), 'model')}`;
      if (!ledger.overlays.delete(id)) throw new GwError(404, 'invalid_request_error', `no registered quota for "${id.slice(0, 200)}"`, 'registration_not_found');
      holder.refresh();
      return jsonResponse(200, { deleted: id });
    }),
  );

  app.get(
    '/stats',
    guard(() => {
      const now = Date.now();
      const a = ledger.requests.aggregate(now - 24 * HOUR);
      const quotas = quotaStatuses(table(), ledger.quotas, now);
      return jsonResponse(200, {
        requests24h: a.requests,
        cost24h: round(a.cost),
        averageLatency24h: a.latency === null ? 0 : Math.round(a.latency),
        errors24h: a.errors,
        tokens24h: { prompt: a.prompt, completion: a.completion, total: a.prompt + a.completion, reasoning: a.reasoning, cacheRead: a.cached, cacheWrite: a.cacheWrite },
        freeTokensUsed24h: a.free,
        saved24h: round(a.saved),
        perModel: ledger.requests.groups(now - 24 * HOUR, ['model']),
        perClient: ledger.requests.groups(now - 24 * HOUR, ['client']),
        freeTier: {
          total: quotas.length,
          available: quotas.filter((q) => q.remaining > 0 && q.enabled && !q.exhausted).length,
          models: quotas.map((q) => ({ model: q.model, remaining: q.remaining, nextReset: q.ends === 'reset' ? iso(q.expiresAt) : null, expiresAt: iso(q.expiresAt) })),
        },
        budget: table().budget ? { usd: table().budget!.usd, per: table().budget!.per, spent: round(ledger.spent(table(), now)), then: table().budget!.then } : null,
        health: ctx.live.health(now),
      });
    }),
  );

  app.get(
    '/report/:period',
    guard((req) => {
      const period = new URL(req.url).pathname.split('/').pop()!;
      const spans = { day: 1, week: 7, month: 30 };
      const span = Object.hasOwn(spans, period) ? spans[period as keyof typeof spans] : undefined;
      if (!span) throw new GwError(404, 'invalid_request_error', `report period must be day, week or month, got "${period.slice(0, 40)}"`, 'unknown_url');
      const now = Date.now();
      const since = now - span * 24 * HOUR;
      const a = ledger.requests.aggregate(since);
      return jsonResponse(200, {
        period,
        from: iso(since),
        to: iso(now),
        totals: {
          requests: a.requests,
          prompt_tokens: a.prompt,
          completion_tokens: a.completion,
          free_tokens: a.free,
          cost_usd: round(a.cost),
          saved_usd: round(a.saved),
          errors: a.errors,
          reasoning_tokens: a.reasoning,
          cached_tokens: a.cached,
          cache_write_tokens: a.cacheWrite,
        },
        byModel: ledger.requests.groups(since, ['model']),
        byScenario: ledger.requests.groups(since, ['scenario']),
        byTier: ledger.requests.groups(since, ['tier']),
        byClient: ledger.requests.groups(since, ['client']),
        rows: ledger.requests.groups(since, ['model', 'scenario', 'tier']),
      });
    }),
  );

  app.get(
    '/logs/:id',
    guard((req) => {
      const id = decodeParam(new URL(req.url).pathname.split('/').pop()!, 'request id');
      const row = loggedRequest(ledger, id);
      return row ? jsonResponse(200, row) : errorResponse(logNotFound(id));
    }),
  );

  app.get(
    '/logs',
    guard((req) => {
      const q = new URL(req.url).searchParams;
      const limit = q.has('limit') ? Number(q.get('limit')) : 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be a whole number from 1 to 1000', 'invalid_value', 'limit');
      const date = q.get('date');
      let where: { from: number; to: number } | null = null;
      if (date !== null) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw badRequest('date must be YYYY-MM-DD (UTC)', 'invalid_value', 'date');
        const from = Date.parse(`${date}T00:00:00Z`);
        where = { from, to: from + 24 * HOUR };
      }
      const rows = parseRows(ledger.requests.list(where, date !== null && !q.has('limit') ? 1000 : limit, q.get('client')));
      return jsonResponse(200, { count: rows.length, logs: rows });
    }),
  );

  app.get(
    '/metrics',
    guard(() => {
      ledger.drain(); // requests that finished this turn count too
      const now = Date.now();
      const { generation } = holder.current;
      const gauges = [
        { name: 'gw_policy_generation', help: 'Generation of the policy being served.', labels: {}, value: generation },
        ...quotaStatuses(table(), ledger.quotas, now).map((q) => ({ name: 'gw_free_quota_remaining_tokens', help: 'Tokens left of each free quota this period.', labels: { model: q.model }, value: q.remaining })),
        ...ctx.live.health(now).map((h) => ({ name: 'gw_model_consecutive_failures', help: 'Consecutive retryable failures per model.', labels: { model: h.model }, value: h.failures })),
      ];
      return new Response(ledger.metrics.render(gauges), { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
    }),
  );
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
