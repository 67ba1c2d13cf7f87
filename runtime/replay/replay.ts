import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision, StateSnapshot } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import type { Failure } from '../providers/failure.ts';
import { decide } from '../router/decide.ts';
import { modelIndex } from '../router/resolve-model.ts';
import { costAndSaving } from '../state/cost.ts';
import { LiveState, modelsWithLimits } from '../state/live-state.ts';
import { drawFor } from './seeded.ts';
import { replayRouteRequest } from './route-request.ts';
import { SimLedger } from './sim-ledger.ts';
import type { TrafficRequest } from './traffic.ts';
import { quotaWaste, type QuotaWaste } from './waste.ts';

export interface ReplayOptions {
  /** tokens already used of a free quota when the replay starts: provider/model → tokens */
  startUsed?: Record<string, number>;
  /** 'recorded': a model fails as often as it did in the traffic's `failed` lists; default: no failure is invented */
  failures?: 'none' | 'recorded';
  /** keep the full decision of this request (index in time order, 0-based), for `gw explain --replay` */
  keep?: number;
}

/** What one replayed request came to. */
export interface ReplayOutcome {
  line: number;
  day: string;
  scenario: string | null;
  tier: string | null;
  /** the model that answered, or null when refused */
  model: string | null;
  refused: string | null;
  tokens: number;
  costUsd: number;
  savedUsd: number;
  freeTokens: number;
  budgetHit: boolean;
}

export interface ModelRow {
  model: string;
  requests: number;
  tokens: number;
  costUsd: number;
}

export interface DayRow {
  day: string;
  requests: number;
  spentUsd: number;
  freeTokens: number;
  paidTokens: number;
  refused: number;
  budgetHits: number;
}

export interface ReplayRun {
  config: string;
  requests: number;
  answered: number;
  spentUsd: number;
  allPaidUsd: number;
  savedUsd: number;
  freeTokensUsed: number;
  freeTokensExpiredUnused: number;
  paidTokens: number;
  refused: number;
  refusedBy: Record<string, number>;
  byModel: ModelRow[];
  byScenario: Record<string, number>;
  byTier: Record<string, number>;
  waste: QuotaWaste[];
  budgetHits: { day: string; requests: number }[];
  days: DayRow[];
  /** per request, in time order (not in --json: `moved` summarises it) */
  outcomes: ReplayOutcome[];
  /** the kept decision (options.keep), with the state it saw */
  kept?: { decision: Decision; now: number; state: StateSnapshot };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Failure rates per model as the traffic recorded them: failed attempts ÷ attempts (answers plus failures). */
export function recordedFailureRates(traffic: readonly TrafficRequest[]): Map<string, number> {
  const tries = new Map<string, { n: number; failed: number }>();
  const bump = (m: string, failed: boolean) => {
    const e = tries.get(m) ?? { n: 0, failed: 0 };
    e.n++;
    if (failed) e.failed++;
    tries.set(m, e);
  };
  for (const r of traffic) {
    for (const m of r.failed ?? []) bump(m, true);
    if (r.model) bump(r.model, false);
  }
  return new Map([...tries].map(([m, e]) => [m, e.failed / e.n]));
}

/**
 * Re-decide every request in time order under one policy with a simulated clock (each request's own time) and a
 * fresh simulated ledger: free quotas reserved and settled to the recorded usage (or the estimate, as the gateway keeps
 * it when an upstream reports none), reset in their own zones, expired at their `until` dates; rpm/tpm windows and
 * cool-downs; the budget per day or month. The random draw is the one the log recorded, else one seeded from the
 * request, so a replay is deterministic.
 */
export function runReplay(table: DecisionTable, config: string, traffic: readonly TrafficRequest[], opts: ReplayOptions = {}): ReplayRun {
  const ledger = new SimLedger();
  const live = new LiveState();
  const idx = modelIndex(table);
  const limited = modelsWithLimits(table);
  const rates = opts.failures === 'recorded' ? recordedFailureRates(traffic) : null;
  const outcomes: ReplayOutcome[] = [];
  let kept: ReplayRun['kept'];
  try {
    if (traffic.length && opts.startUsed) for (const [m, n] of Object.entries(opts.startUsed)) ledger.startUsed(table, m, n, traffic[0].t);
    traffic.forEach((r, i) => {
      const now = r.t;
      const day = new Date(now).toISOString().slice(0, 10);
      const key = `${r.at}\u0000${JSON.stringify(r.request)}`;
      const draw = r.draw ?? drawFor(key);
      const out: ReplayOutcome = { line: r.line, day, scenario: null, tier: null, model: null, refused: null, tokens: 0, costUsd: 0, savedUsd: 0, freeTokens: 0, budgetHit: false };
      outcomes.push(out);
      let route;
      try {
        route = replayRouteRequest(table, r);
      } catch (e) {
        out.refused = 'invalid_request';
        return;
      }
      const exclude: string[] = [];
      for (let attempt = 1; ; attempt++) {
        const state: StateSnapshot = { ...live.snapshot(limited, now), ...ledger.snapshot(table, now) };
        const pins = ledger.sessions.pinsOf(route.session, now);
        if (pins) state.sessions = pins;
        const d = decide(table, { ...route, exclude }, state, now, draw);
        if (i === opts.keep && attempt === 1) kept = { decision: d, now, state };
        if (attempt === 1) {
          out.scenario = d.scenario;
          out.budgetHit = d.trace.some((t) => t.step === 'budget');
        }
        if (!d.model) {
          out.refused = d.error?.type ?? (attempt > 1 ? 'all_failed' : 'no_eligible_model');
          return;
        }
        const reservation = ledger.reserve(table, d, now);
        const model = idx.byId.get(d.model)!;
        live.started(model.id, d.estimate, now, model.limits.rpm !== null || model.limits.tpm !== null);
        const p = rates?.get(model.id) ?? 0;
        if (p > 0 && drawFor(`${key}\u0000${attempt}\u0000${model.id}`) < p) {
          const failure: Failure = { class: 'server', status: 500, message: 'replayed failure (recorded rate)', retryAfterMs: null };
          ledger.release(reservation);
          live.failed(model.id, failure, table.retry, now);
          if (!(table.retry.on as string[]).includes('server') || attempt >= table.retry.attempts) {
            out.refused = 'all_failed';
            return;
          }
          exclude.push(model.id);
          continue;
        }
        live.succeeded(model.id);
        if (d.sticky) ledger.sessions.record(d.sticky, model.id, now);
        const prompt = r.usage?.prompt_tokens ?? d.tokens;
        const completion = r.usage?.completion_tokens ?? d.estimate - d.tokens;
        const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
        ledger.settle(reservation, usage);
        const money = costAndSaving(table, d, d.model, usage);
        ledger.addSpend(table, money.cost, now);
        Object.assign(out, { tier: d.tier, model: d.model, tokens: usage.total_tokens, costUsd: money.cost, savedUsd: money.saved, freeTokens: money.freeTokens });
        return;
      }
    });
    const first = traffic.length ? traffic[0].t : 0;
    const last = traffic.length ? traffic[traffic.length - 1].t : 0;
    return summarise(config, outcomes, quotaWaste(table, ledger.quotas, first, last), kept);
  } finally {
    ledger.close();
  }
}

function summarise(config: string, outcomes: ReplayOutcome[], waste: QuotaWaste[], kept: ReplayRun['kept']): ReplayRun {
  const byModel = new Map<string, ModelRow>();
  const byScenario: Record<string, number> = {};
  const byTier: Record<string, number> = {};
  const refusedBy: Record<string, number> = {};
  const days = new Map<string, DayRow>();
  let spent = 0;
  let saved = 0;
  let free = 0;
  let paid = 0;
  let answered = 0;
  for (const o of outcomes) {
    const day = days.get(o.day) ?? { day: o.day, requests: 0, spentUsd: 0, freeTokens: 0, paidTokens: 0, refused: 0, budgetHits: 0 };
    days.set(o.day, day);
    day.requests++;
    if (o.budgetHit) day.budgetHits++;
    if (o.scenario) byScenario[o.scenario] = (byScenario[o.scenario] ?? 0) + 1;
    if (o.refused) {
      refusedBy[o.refused] = (refusedBy[o.refused] ?? 0) + 1;
      day.refused++;
      continue;
    }
    answered++;
    byTier[o.tier!] = (byTier[o.tier!] ?? 0) + 1;
    const m = byModel.get(o.model!) ?? { model: o.model!, requests: 0, tokens: 0, costUsd: 0 };
    byModel.set(o.model!, m);
    m.requests++;
    m.tokens += o.tokens;
    m.costUsd += o.costUsd;
    spent += o.costUsd;
    saved += o.savedUsd;
    free += o.freeTokens;
    day.spentUsd += o.costUsd;
    day.freeTokens += o.freeTokens;
    if (o.tier === 'paid') {
      paid += o.tokens;
      day.paidTokens += o.tokens;
    }
  }
  const refused = outcomes.length - answered;
  const dayRows = [...days.values()].sort((a, b) => a.day.localeCompare(b.day)).map((d) => ({ ...d, spentUsd: round(d.spentUsd) }));
  return {
    config,
    requests: outcomes.length,
    answered,
    spentUsd: round(spent),
    allPaidUsd: round(spent + saved),
    savedUsd: round(saved),
    freeTokensUsed: free,
    freeTokensExpiredUnused: waste.reduce((s, w) => s + w.unused, 0),
    paidTokens: paid,
    refused,
    refusedBy,
    byModel: [...byModel.values()].sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model)).map((m) => ({ ...m, costUsd: round(m.costUsd) })),
    byScenario,
    byTier,
    waste,
    budgetHits: dayRows.filter((d) => d.budgetHits > 0).map((d) => ({ day: d.day, requests: d.budgetHits })),
    days: dayRows,
    outcomes,
    ...(kept ? { kept } : {}),
  };
}

export interface Move {
  from: string;
  to: string;
  count: number;
  example: { line: number; day: string };
}

/** Requests answered by another model (or refused) under policy B than under A: how many, and the most common moves. */
export function movedBetween(a: ReplayRun, b: ReplayRun, top = 10): { against: string; count: number; top: Move[] } {
  const moves = new Map<string, Move>();
  let count = 0;
  a.outcomes.forEach((oa, i) => {
    const ob = b.outcomes[i];
    const from = oa.model ?? `refused (${oa.refused})`;
    const to = ob.model ?? `refused (${ob.refused})`;
    if (from === to) return;
    count++;
    const k = `${from}\u0000${to}`;
    const m = moves.get(k) ?? { from, to, count: 0, example: { line: oa.line, day: oa.day } };
    m.count++;
    moves.set(k, m);
  });
  return { against: b.config, count, top: [...moves.values()].sort((x, y) => y.count - x.count || x.from.localeCompare(y.from)).slice(0, top) };
}
