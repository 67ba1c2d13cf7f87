import type { DecisionTable, Model, Scenario } from '../types/decision-table.ts';
import type { PiiType } from '../pii/types.ts';
import { evaluate } from './conditions.ts';
import type { QuotaView } from './quota-view.ts';
import { Judge } from './eligibility.ts';
import { modelIndex, resolveModel } from './resolve-model.ts';
import { requestParts } from './request-text.ts';
import { estimatePromptTokens } from './tokens.ts';
import { thousands } from './format.ts';
import type { Candidate, CandidateSource, Decision, RouteRequest, StateSnapshot, Tier, TraceLine } from './types.ts';

/** What a free quota is charged up front for the answer when the client sets no max_tokens. */
export const DEFAULT_ANSWER_TOKENS = 1024;

interface Entry {
  model: string;
  source: CandidateSource;
  at: string | null;
}

/**
 * The router: a pure function of (table, request, state snapshot, clock, random draw). `gw explain` and `gw serve`
 * both call it, so a dry run and a real request cannot disagree.
 */
export function decide(table: DecisionTable, req: RouteRequest, state: StateSnapshot, now: number, draw: number): Decision {
  const trace: TraceLine[] = [];
  const parts = requestParts(req);
  const tokens = estimatePromptTokens(parts, req.messages.length, req.tools);
  const answer = req.maxTokens && req.maxTokens > 0 ? req.maxTokens : DEFAULT_ANSWER_TOKENS;
  const estimate = tokens + answer;
  const needContext = tokens + (req.maxTokens && req.maxTokens > 0 ? req.maxTokens : 0);
  const idx = modelIndex(table);
  const providers = idx.providers;
  const exclude = new Set(req.exclude ?? []);
  trace.push({
    step: 'request',
    at: null,
    message: `${req.messages.length} message${req.messages.length === 1 ? '' : 's'}, ~${thousands(tokens)} prompt tokens (o200k), ${thousands(estimate)} reserved with the answer${parts.images ? `, ${parts.images} image(s)` : ''}${parts.hasTools ? ', tools' : ''}; model "${req.model || 'auto'}"`,
  });
  if (exclude.size) trace.push({ step: 'request', at: null, message: `excluded after failing earlier: ${[...exclude].join(', ')}` });

  const common: Common = { tokens, estimate, draw, trace };

  // 1. PII
  const detected = [...new Set((req.pii?.findings ?? []).map((f) => f.type))] as PiiType[];
  const classifierHit = req.pii?.classifier?.verdict === 'pii';
  const piiHit = table.pii !== null && (detected.length > 0 || classifierHit);
  let piiAction: Decision['pii']['action'] = 'none';
  if (table.pii) {
    if (req.pii?.classifier) trace.push({ step: 'pii', at: table.pii.classify?.at ?? table.pii.at, message: `classifier said ${req.pii.classifier.verdict} in ${req.pii.classifier.ms} ms` });
    if (piiHit) {
      piiAction = table.pii.action.kind;
      const types = detected.length ? detected.join(', ') : 'personal data (classifier)';
      trace.push({ step: 'pii', at: table.pii.action.at, message: `found ${types} → ${piiAction}${table.pii.action.model ? ` ${table.pii.action.model}` : ''}` });
    } else trace.push({ step: 'pii', at: table.pii.at, message: `no personal data found (${table.pii.detect.join(', ') || 'no detectors'})` });
  }
  if (table.pii && !piiHit && req.pii?.classifier?.verdict === 'error' && table.pii.onError === 'block') {
    piiAction = 'block';
    trace.push({ step: 'pii', at: table.pii.at, message: 'the classifier failed and on_error is block: refused' });
    return decision(common, {
      pii: { detected, action: piiAction },
      error: { type: 'pii_blocked', message: 'the personal-data classifier did not answer and the policy fails closed (on_error block)' },
    });
  }
  if (piiAction === 'redact' && detected.length === 0) {
    // a classifier-only hit has no spans to mask: refused rather than sent with the data it cannot locate
    trace.push({ step: 'pii', at: table.pii?.action.at ?? null, message: 'only the classifier found personal data: without offsets it cannot be redacted → refused' });
    return decision(common, {
      pii: { detected, action: 'block' },
      error: { type: 'pii_blocked', message: 'the personal-data classifier flagged the request but no detector located the data, so it cannot be redacted; the policy (redact) refuses it' },
    });
  }
  const pii = { detected, action: piiAction };
  if (piiAction === 'block') {
    return decision(common, { pii, error: { type: 'pii_blocked', message: `the request contains personal data (${detected.join(', ') || 'classifier'}) and the policy blocks it` } });
  }

  // 2. Budget
  const budget = table.budget;
  const budgetSpent = budget !== null && (state.spentUsd ?? 0) >= budget.usd;
  if (budget && budgetSpent) {
    trace.push({ step: 'budget', at: budget.at, message: `budget $${budget.usd} per ${budget.per} is spent ($${(state.spentUsd ?? 0).toFixed(2)}) → ${budget.then}` });
    if (budget.then === 'block') return decision(common, { pii, error: { type: 'budget_exceeded', message: `the ${budget.per}ly budget of $${budget.usd} is spent` } });
  }

  // 3. Scenario: first match in file order (the requested model name is what `model ~` sees)
  const text = parts.texts.join('\n');
  const condInput = { tokens, text, model: req.requestedModel ?? req.model, images: parts.images, hasTools: parts.hasTools, headers: req.headers ?? {} };
  let scenario: Scenario = table.scenarios[table.scenarios.length - 1];
  for (const s of table.scenarios) {
    if (!s.when) {
      trace.push({ step: 'scenario', at: s.at, message: `${s.name}: the default scenario` });
      scenario = s;
      break;
    }
    const why: string[] = [];
    const ok = evaluate(s.when, condInput, why);
    trace.push({ step: 'scenario', at: s.at, message: `${s.name}: ${ok ? 'matched' : 'no'} (${why.join('; ')})` });
    if (ok) {
      scenario = s;
      break;
    }
  }

  // 4. Candidate list
  const resolution = resolveModel(table, req.model);
  if (resolution.kind === 'unknown' || resolution.kind === 'ambiguous') {
    const message =
      resolution.kind === 'unknown'
        ? `unknown model "${req.model}"; known models: ${resolution.known.join(', ')}`
        : `model name "${req.model}" is ambiguous: ${resolution.matches.join(', ')}; name it as provider/model`;
    trace.push({ step: 'choice', at: null, message });
    return decision(common, { scenario: scenario.name, pii, error: { type: 'model_not_found', message, known: resolution.kind === 'unknown' ? resolution.known : resolution.matches } });
  }
  const globalChain = table.fallback;
  const entries: Entry[] = [];
  let willingness: number | null = null;
  let tier: Tier | null = null;
  const judge = new Judge({ byId: idx.byId, providers, state, now, exclude, needContext, estimate, budgetSpent, budget });

  if (piiAction === 'route' && table.pii?.action.model) {
    addEntry(entries, table.pii.action.model, 'pii', table.pii.action.at);
    // Nothing else is tried unless it is local too.
    for (const m of table.models) if (providers.get(m.provider)?.local) addEntry(entries, m.id, 'pii', table.pii.action.at);
  } else if (resolution.kind === 'model') {
    addEntry(entries, resolution.model.id, 'explicit', resolution.model.at);
    trace.push({ step: 'tier', at: resolution.model.at, message: `explicit model ${resolution.model.id}` });
    if (globalChain) for (const id of globalChain.models) addEntry(entries, id, 'fallback', globalChain.at);
  } else {
    willingness = scenario.willingness;
    let why = `willingness ${Math.round(scenario.willingness * 100)}%`;
    if (req.priority === 'quality') {
      willingness = 0;
      why = 'priority "quality" sets willingness to 0%';
    } else if (req.preferFreeTier) {
      willingness = 1;
      why = 'prefer_free_tier sets willingness to 100%';
    }
    if (budgetSpent && budget?.then === 'free_only') {
      willingness = 1;
      why += '; budget spent: free only';
    }
    const rankedFree = rankFree(scenario, judge, idx.byId);
    const wantFree = draw < willingness;
    const freeOrder = rankedFree.map((id) => ({ model: id, source: 'free' as const, at: scenario.lines.free ?? scenario.at }));
    const anyFreeEligible = freeOrder.some((e) => judge.verdict(e.model, 'free').eligible);
    tier = wantFree && anyFreeEligible ? 'free' : 'paid';
    trace.push({
      step: 'tier',
      at: scenario.lines.willingness ?? scenario.at,
      message: `draw ${draw.toFixed(3)} ${wantFree ? '<' : '≥'} ${willingness.toFixed(2)} (${why}) → ${wantFree ? (anyFreeEligible ? 'free' : 'free wanted, but no free model is eligible → paid') : 'paid'}; free ranked by ${scenario.rank}`,
    });
    const paidOrder = scenario.paid.map((id) => ({ model: id, source: 'paid' as const, at: scenario.lines.paid ?? scenario.at }));
    const first = tier === 'free' ? [...freeOrder, ...paidOrder] : [...paidOrder, ...freeOrder];
    for (const e of first) addEntry(entries, e.model, e.source, e.at);
    if (scenario.fallback) for (const id of scenario.fallback.models) addEntry(entries, id, 'fallback', scenario.fallback.at);
    if (globalChain) for (const id of globalChain.models) addEntry(entries, id, 'fallback', globalChain.at);
  }

  const candidates: Candidate[] = entries.map((e) => {
    const r = judge.verdict(e.model, e.source);
    const c: Candidate = { model: e.model, source: e.source, eligible: r.eligible, reason: r.reason, at: e.at };
    if (r.q) {
      c.remaining = r.q.remaining;
      c.expiresAt = r.q.expiresAt;
    }
    trace.push({ step: 'candidate', at: e.at, message: `${r.eligible ? '✓' : '✗'} ${e.model} [${e.source}] ${r.reason}` });
    return c;
  });
  const eligible = candidates.filter((c) => c.eligible);
  const chosen = eligible[0];
  if (!chosen) {
    trace.push({ step: 'choice', at: null, message: 'no eligible model' });
    return decision(common, {
      scenario: scenario.name,
      tier,
      candidates,
      pii,
      willingness,
      error: { type: 'no_eligible_model', message: `no model can take this request (scenario ${scenario.name}): ${candidates.map((c) => `${c.model}: ${c.reason}`).join('; ') || 'no candidates'}` },
    });
  }
  const chosenModel = idx.byId.get(chosen.model)!;
  const finalTier: Tier = providers.get(chosenModel.provider)?.local ? 'local' : chosen.reason.startsWith('free,') ? 'free' : 'paid';
  const next = eligible.slice(1).map((c) => c.model);
  trace.push({ step: 'choice', at: chosen.at, message: `→ ${chosen.model} (${finalTier})` });
  if (next.length) trace.push({ step: 'next', at: null, message: `on failure: ${next.join(' → ')}` });
  return decision(common, { scenario: scenario.name, tier: finalTier, model: chosen.model, candidates, next, pii, willingness });
}

/** Free candidates in the scenario's rank order; ties keep the listed order. */
function rankFree(s: Scenario, judge: Judge, byId: Map<string, Model>): string[] {
  const keyed: { id: string; i: number; k: number }[] = [];
  for (let i = 0; i < s.free.length; i++) {
    const m = byId.get(s.free[i]);
    if (m) keyed.push({ id: m.id, i, k: rankKey(s.rank, m, i, judge) });
  }
  return keyed.sort(byRank).map((x) => x.id);
}

function byRank(a: { k: number; i: number }, b: { k: number; i: number }): number {
  return a.k - b.k || a.i - b.i;
}

function rankKey(rank: Scenario['rank'], m: Model, listed: number, judge: Judge): number {
  switch (rank) {
    case 'expiry':
      return judge.view(m)?.expiresAt ?? Number.POSITIVE_INFINITY;
    case 'speed':
      return -(m.speed ?? 0);
    case 'cost':
      return m.price ? m.price.input + m.price.output : 0;
    case 'capability':
      return listed;
  }
}

interface Common {
  tokens: number;
  estimate: number;
  draw: number;
  trace: TraceLine[];
}

function decision(c: Common, over: Partial<Decision>): Decision {
  return {
    scenario: null,
    tier: null,
    model: null,
    candidates: [],
    next: [],
    pii: { detected: [], action: 'none' },
    tokens: c.tokens,
    estimate: c.estimate,
    draw: c.draw,
    willingness: null,
    trace: c.trace,
    ...over,
  };
}

function addEntry(entries: Entry[], model: string, source: CandidateSource, at: string | null): void {
  for (const e of entries) if (e.model === model) return;
  entries.push({ model, source, at });
}
