import type { DecisionTable } from '../types/decision-table.ts';
import type { PiiType } from '../pii/types.ts';
import { CondContext, holds } from './conditions.ts';
import { allowedModel, Judge } from './eligibility.ts';
import { byRank, listedPlansOf, tablePlan, type ChainPlan, type ModelPlan, type ScenarioPlan, type TablePlan } from './plan.ts';
import { resolveModel } from './resolve-model.ts';
import { requestParts } from './request-text.ts';
import { countText, countTexts, promptTokenCount, type TextCount } from './tokens.ts';
import { embedsOf } from './capabilities.ts';
import { formatTokens, thousands } from './format.ts';
import { stickyMessage, stickyVerdict } from './sticky.ts';
import { CHOICE, lazyTrace, NEXT, REQUEST, SCENARIO, TIER, type RequestEntry, type TraceEntry } from './trace.ts';
import type { Candidate, CandidateSource, Decision, DecisionError, RouteRequest, StateSnapshot, Tier, TraceLine } from './types.ts';
import type { Resolution } from './resolve-model.ts';

/** What a free quota is charged up front for the answer when the client sets no max_tokens. */
export const DEFAULT_ANSWER_TOKENS = 1024;

const NO_EXCLUDE: ReadonlySet<string> = new Set();
const NO_HEADERS: Readonly<Record<string, string | undefined>> = Object.freeze({});
const NO_TOOLS: readonly string[] = Object.freeze([]);

/**
 * The router: a pure function of (table, request, state snapshot, clock, random draw). `gw explain` and `gw serve`
 * both call it, so a dry run and a real request cannot disagree.
 *
 * It runs on every request (and again on every retry), so what does not depend on the request is prepared once per
 * table (see plan.ts), and the trace records the values its lines are made of: their text is rendered only when
 * something reads `decision.trace` (trace.ts).
 */
export function decide(table: DecisionTable, req: RouteRequest, state: StateSnapshot, now: number, draw: number): Decision {
  const plan = tablePlan(table);
  const trace: TraceEntry[] = [];
  const parts = requestParts(req);
  const embed = req.embeddings === true ? embeddingTokens(req, parts.texts) : null;
  const counted = embed ?? promptTokenCount(req, parts);
  const tokens = counted.tokens;
  // an embeddings answer is vectors, not tokens; each input must fit the model's context on its own
  const answer = embed ? 0 : req.maxTokens && req.maxTokens > 0 ? req.maxTokens : DEFAULT_ANSWER_TOKENS;
  const estimate = tokens + answer;
  const needContext = embed ? embed.longest : tokens + (req.maxTokens && req.maxTokens > 0 ? req.maxTokens : 0);
  const exclude = req.exclude && req.exclude.length > 0 ? new Set(req.exclude) : NO_EXCLUDE;
  const count = req.messages.length;
  const tokensText = thousands(tokens);
  // the line is rendered when read (trace.ts); an embeddings request counts its inputs, token arrays included
  const entry: RequestEntry = [REQUEST, count + (req.tokenArrays?.length ?? 0), tokens, counted.exactChars, counted.totalChars, estimate, parts.images, parts.hasTools ? 1 : 0, req.model];
  if (embed) entry.push(1);
  trace.push(entry);
  if (exclude.size) trace.push({ step: 'request', at: null, message: `excluded after failing earlier: ${[...exclude].join(', ')}` });

  const common: Common = { tokens, estimate, draw, trace };

  // 1. PII
  const findings = req.pii?.findings;
  const detected = (findings && findings.length > 0 ? [...new Set(findings.map((f) => f.type))] : []) as PiiType[];
  const classifierHit = req.pii?.classifier?.verdict === 'pii';
  const unscanned = req.pii?.unscanned;
  const piiHit = table.pii !== null && (detected.length > 0 || classifierHit || unscanned !== undefined);
  let piiAction: Decision['pii']['action'] = 'none';
  if (table.pii) {
    if (req.pii?.classifier) trace.push({ step: 'pii', at: table.pii.classify?.at ?? table.pii.at, message: `classifier said ${req.pii.classifier.verdict} in ${req.pii.classifier.ms} ms` });
    if (unscanned)
      trace.push({ step: 'pii', at: table.pii.at, message: `the scan stopped after ${thousands(unscanned.scanned)} of ${thousands(unscanned.total)} chars (its time budget): treated as personal data` });
    if (piiHit) {
      piiAction = table.pii.action.kind;
      const types = detected.length ? detected.join(', ') : unscanned ? 'possibly personal data (not fully scanned)' : 'personal data (classifier)';
      trace.push({ step: 'pii', at: table.pii.action.at, message: `found ${types} → ${piiAction}${table.pii.action.model ? ` ${table.pii.action.model}` : ''}` });
    } else trace.push({ step: 'pii', at: table.pii.at, message: plan.piiClean! });
  }
  if (table.pii && !piiHit && req.pii?.classifier?.verdict === 'error' && table.pii.onError === 'block') {
    piiAction = 'block';
    trace.push({ step: 'pii', at: table.pii.at, message: 'the classifier failed and on_error is block: refused' });
    return decision(common, {
      pii: { detected, action: piiAction },
      error: { type: 'pii_blocked', message: 'the personal-data classifier did not answer and the policy fails closed (on_error block)' },
    });
  }
  if (piiAction === 'redact' && unscanned) {
    // what was not scanned cannot be redacted: refused rather than sent with values no detector looked for
    trace.push({ step: 'pii', at: table.pii?.action.at ?? null, message: 'the unscanned part cannot be redacted → refused' });
    return decision(common, {
      pii: { detected, action: 'block' },
      error: { type: 'pii_blocked', message: `the personal-data scan stopped after ${unscanned.scanned} of ${unscanned.total} characters (its time budget), so the request cannot be redacted; the policy (redact) refuses it` },
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
    return decision(common, { pii, error: { type: 'pii_blocked', message: `the request contains personal data (${detected.join(', ') || (unscanned ? 'not fully scanned' : 'classifier')}) and the policy blocks it` } });
  }

  // 2. Budget
  const budget = table.budget;
  const budgetSpent = budget !== null && (state.spentUsd ?? 0) >= budget.usd;
  if (budget && budgetSpent) {
    trace.push({ step: 'budget', at: budget.at, message: `budget $${budget.usd} per ${budget.per} is spent ($${(state.spentUsd ?? 0).toFixed(2)}) → ${budget.then}` });
    if (budget.then === 'block') return decision(common, { pii, error: { type: 'budget_exceeded', message: `the ${budget.per}ly budget of $${budget.usd} is spent` } });
  }

  const client = req.client ?? null;
  if (client?.freeOnly) trace.push({ step: 'budget', at: null, message: `client "${client.name}" has spent its budget → free and local models only` });
  const freeOnly = (budgetSpent && budget?.then === 'free_only') || client?.freeOnly === true;

  // 3. Scenario: first match in file order (the requested model name is what `model ~` sees)
  const cond = new CondContext(tokens, tokensText, parts.texts, null, req.requestedModel ?? req.model, parts.images, parts.hasTools, req.headers ?? NO_HEADERS);
  const scenarios = plan.scenarios;
  let sp: ScenarioPlan = scenarios[scenarios.length - 1];
  for (let i = 0; i < scenarios.length; i++) {
    const s = scenarios[i];
    if (s.when === null) {
      trace.push({ step: 'scenario', at: s.scenario.at, message: s.isDefault });
      sp = s;
      break;
    }
    cond.reset();
    const ok = holds(s.when, cond);
    trace.push([SCENARIO, s.scenario.at, ok ? s.matched : s.notMatched, cond.why]);
    if (ok) {
      sp = s;
      break;
    }
  }
  const scenario = sp.scenario;
  if (client?.scenarios && !client.scenarios.includes(scenario.name)) {
    const message = `client "${client.name}" may not use the scenario "${scenario.name}" (allowed: ${client.scenarios.join(', ')})`;
    trace.push({ step: 'choice', at: scenario.at, message });
    return decision(common, { scenario: scenario.name, pii, error: { type: 'forbidden', message } });
  }

  // 4. Candidate list, each judged as it joins (a model joins once, where it is first listed)
  const resolution = resolveModel(table, req.model);
  if (resolution.kind === 'unknown' || resolution.kind === 'ambiguous') {
    const message =
      resolution.kind === 'unknown'
        ? `unknown model "${req.model}"; known models: ${resolution.known.join(', ')}`
        : `model name "${req.model}" is ambiguous: ${resolution.matches.join(', ')}; name it as provider/model`;
    trace.push({ step: 'choice', at: null, message });
    return decision(common, { scenario: scenario.name, pii, error: { type: 'model_not_found', message, known: resolution.kind === 'unknown' ? resolution.known : resolution.matches } });
  }
  if (client?.models && resolution.kind === 'model' && !allowedModel(client.models, resolution.model.id)) {
    const message = `client "${client.name}" may not use the model ${resolution.model.id} (allowed: ${client.models.join(', ')})`;
    trace.push({ step: 'choice', at: null, message });
    return decision(common, { scenario: scenario.name, pii, error: { type: 'forbidden', message } });
  }
  const allowed = client?.models ? { name: client.name, models: client.models } : null;
  const maxTokens = req.maxTokens && req.maxTokens > 0 ? req.maxTokens : null;
  const judge = new Judge({
    state,
    now,
    exclude,
    needContext,
    estimate,
    tokens,
    maxTokens,
    clamp: table.gateway.clampMaxTokens,
    capabilities: { images: parts.images > 0, tools: parts.hasTools, embeddings: req.embeddings === true },
    freeOnly,
    allowed,
    builtinTools: req.builtinTools ?? NO_TOOLS,
  });
  const list = new Candidates(plan, judge, trace);
  let willingness: number | null = null;
  let tier: Tier | null = null;
  let scenarioRouted = false;

  if (req.embeddings === true) {
    // a vector of masked text is not the text's: under `redact` an embeddings request is routed local instead
    if (piiAction === 'redact') pii.action = 'route';
    // token ids have no text the detectors could read: under a `pii` block they are kept local as well
    const unchecked = table.pii !== null && piiAction === 'none' && (req.tokenArrays?.length ?? 0) > 0;
    const chosenName = embeddingCandidates(table, plan, list, sp, judge, now, resolution, piiAction !== 'none' ? 'found' : unchecked ? 'unchecked' : null, trace);
    if (typeof chosenName !== 'string') return decision(common, { scenario: scenario.name, pii, error: chosenName });
  } else if (piiAction === 'route' && table.pii?.action.model) {
    const at = table.pii.action.at;
    list.add(table.pii.action.model, 'pii', at);
    // Nothing else is tried unless it is local too.
    for (const mp of plan.local) list.addPlanned(mp, 'pii', at);
  } else if (resolution.kind === 'model') {
    const m = resolution.model;
    trace.push({ step: 'tier', at: m.at, message: `explicit model ${m.id}` });
    list.add(m.id, 'explicit', m.at);
    if (plan.fallback) list.addChain(plan.fallback, 'fallback');
  } else {
    scenarioRouted = true;
    willingness = scenario.willingness;
    let willingnessText = sp.willingnessFixed;
    let why = sp.willingness;
    if (req.priority === 'quality') {
      willingness = 0;
      willingnessText = '0.00';
      why = 'priority "quality" sets willingness to 0%';
    } else if (req.preferFreeTier) {
      willingness = 1;
      willingnessText = '1.00';
      why = 'prefer_free_tier sets willingness to 100%';
    }
    if (freeOnly) {
      willingness = 1;
      willingnessText = '1.00';
      why += '; budget spent: free only';
    }
    const declaredFree = rankFree(sp, judge, now);
    // `free any listed`: after the declared free models, the free ones the providers list (synced into the snapshot)
    const rankedFree = sp.scenario.freeListed && state.listed && state.listed.length > 0 ? [...declaredFree, ...listedPlansOf(table, state.listed)] : declaredFree;
    const wantFree = draw < willingness;
    let anyFreeEligible = false;
    for (let i = 0; i < rankedFree.length && !anyFreeEligible; i++) anyFreeEligible = judge.verdict(rankedFree[i], 'free').eligible;
    tier = wantFree && anyFreeEligible ? 'free' : 'paid';
    trace.push([TIER, sp.willingnessAt, wantFree ? 1 : 0, willingnessText, why, anyFreeEligible ? 1 : 0, sp.rankedBy]);
    if (tier === 'free') {
      for (let i = 0; i < rankedFree.length; i++) list.addPlanned(rankedFree[i], 'free', sp.freeAt);
      list.addChain(sp.paid, 'paid');
    } else {
      list.addChain(sp.paid, 'paid');
      for (let i = 0; i < rankedFree.length; i++) list.addPlanned(rankedFree[i], 'free', sp.freeAt);
    }
    if (sp.fallback) list.addChain(sp.fallback, 'fallback');
    if (plan.fallback) list.addChain(plan.fallback, 'fallback');
  }

  let sticky: Decision['sticky'] = null;
  if (scenarioRouted) {
    sticky = stickyVerdict(scenario, req, state, now, list.candidates);
    if (sticky) {
      if (sticky.state === 'kept') list.promote(sticky.pin!.model);
      trace.push({ step: 'sticky', at: sticky.at, message: stickyMessage(sticky, list.candidates) });
    }
  }
  const candidates = list.candidates;
  const chosen = list.first;
  if (chosen === null) {
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
  const finalTier: Tier = list.firstLocal ? 'local' : list.firstFree ? 'free' : 'paid';
  const next = list.next;
  trace.push(CHOICE);
  // the chosen model's max_output caps the answer: max_tokens goes upstream lowered, the reservation follows
  const chosenPlan = plan.models.get(chosen.model);
  const cap = chosenPlan?.model.maxOutput ?? null;
  let clamp: Decision['clamp'] = null;
  let chosenEstimate = estimate;
  if (chosenPlan && cap !== null && maxTokens !== null && maxTokens > cap) {
    clamp = { from: maxTokens, to: cap };
    chosenEstimate = judge.needs(chosenPlan).estimate;
    trace.push({ step: 'choice', at: chosenPlan.model.at, message: `max_tokens ${thousands(maxTokens)} > max_output ${formatTokens(cap)} of ${chosen.model} → lowered to ${thousands(cap)}` });
  }
  if (next.length) trace.push(NEXT);
  const d: Decision = {
    scenario: scenario.name,
    tier: finalTier,
    model: chosen.model,
    candidates,
    next,
    pii,
    tokens,
    estimate: chosenEstimate,
    draw,
    willingness,
    trace: [],
    clamp,
    sticky,
  };
  d.trace = lazyTrace(trace, d);
  return d;
}

/**
 * The candidate list of one decision: a model joins once (where it is first listed), is judged as it joins, and its
 * trace line follows. Models are de-duplicated by the judge's stamp on their plans, not by scanning the list.
 */
class Candidates {
  readonly candidates: Candidate[] = [];
  /** the eligible models after the first, in order */
  readonly next: string[] = [];
  first: Candidate | null = null;
  firstLocal = false;
  firstFree = false;
  private readonly plan: TablePlan;
  private readonly judge: Judge;
  private readonly trace: TraceEntry[];
  /** the tier flags of the eligible models after the first, for promote */
  private readonly flags = new Map<string, { local: boolean; free: boolean }>();
  /** ids not declared by the policy that joined already */
  private undeclared: string[] | null = null;

  constructor(plan: TablePlan, judge: Judge, trace: TraceEntry[]) {
    this.plan = plan;
    this.judge = judge;
    this.trace = trace;
  }

  add(id: string, source: CandidateSource, at: string | null): void {
    const mp = this.plan.models.get(id);
    if (mp) this.addPlanned(mp, source, at);
    else if (this.undeclared === null) this.addUndeclared((this.undeclared = []), id, source, at);
    else if (!this.undeclared.includes(id)) this.addUndeclared(this.undeclared, id, source, at);
  }

  addChain(chain: ChainPlan, source: CandidateSource): void {
    for (let i = 0; i < chain.ids.length; i++) {
      const mp = chain.models[i];
      if (mp) this.addPlanned(mp, source, chain.at);
      else this.add(chain.ids[i], source, chain.at);
    }
  }

  /** Make the eligible candidate `id` the one tried first (session affinity); the others keep their order after it. */
  promote(id: string): void {
    if (this.first === null || this.first.model === id) return;
    const i = this.next.indexOf(id);
    if (i === -1) return;
    const flags = this.flags.get(id)!;
    this.next.splice(i, 1);
    this.next.unshift(this.first.model);
    this.flags.set(this.first.model, { local: this.firstLocal, free: this.firstFree });
    this.first = this.candidates.find((c) => c.model === id)!;
    this.firstLocal = flags.local;
    this.firstFree = flags.free;
  }

  addPlanned(mp: ModelPlan, source: CandidateSource, at: string | null): void {
    const stamp = this.judge.stamp;
    if (mp.entryStamp === stamp) return;
    mp.entryStamp = stamp;
    const r = this.judge.verdict(mp, source);
    const c: Candidate = { model: mp.id, source, eligible: r.eligible, reason: r.reason, at };
    if (r.q) {
      c.remaining = r.q.remaining;
      c.expiresAt = r.q.expiresAt;
    }
    this.trace.push(this.candidates.push(c) - 1);
    if (!r.eligible) return;
    if (this.first === null) {
      this.first = c;
      this.firstLocal = mp.local;
      this.firstFree = r.free;
    } else {
      this.next.push(mp.id);
      this.flags.set(mp.id, { local: mp.local, free: r.free });
    }
  }

  private addUndeclared(seen: string[], id: string, source: CandidateSource, at: string | null): void {
    seen.push(id);
    const r = this.judge.verdict(null, source);
    this.trace.push(this.candidates.push({ model: id, source, eligible: r.eligible, reason: r.reason, at }) - 1);
  }
}

/**
 * An embeddings request's tokens: every input as it is (no chat overhead), token arrays counted as given; `longest`
 * is the largest single input (the longest text's count, or the longest token array), what a model's context must hold.
 */
function embeddingTokens(req: RouteRequest, texts: readonly string[]): TextCount & { longest: number } {
  const c = countTexts(texts);
  const arrays = req.tokenArrays ?? [];
  let ids = 0;
  let longest = 0;
  for (const n of arrays) {
    ids += n;
    if (n > longest) longest = n;
  }
  let longestText = '';
  for (const t of texts) if (t.length > longestText.length) longestText = t;
  const textLongest = texts.length <= 1 ? c.tokens : countText(longestText);
  return { ...c, tokens: c.tokens + ids, longest: Math.max(longest, textLongest) };
}

/**
 * The candidates of an embeddings request. Vectors of two models are not interchangeable, so a request goes to one
 * embedding model (by name) and falls back only to the same model at another provider:
 * - a named model: it, then the same name at the other providers that declare it;
 * - `auto`: the first `can embed` model the scenario lists (the global fallback is for chat), else the policy's one
 *   embedding model not on a local provider (or its one local one), free quotas first; several: the client must name
 *   one (`model_required`);
 * - personal data found, or token-id inputs under a `pii` block (the detectors cannot read them): local embedding
 *   models only (a vector of masked text is not the text's).
 * Returns the model name chosen, or the decision's error.
 */
function embeddingCandidates(
  table: DecisionTable,
  plan: TablePlan,
  list: Candidates,
  sp: ScenarioPlan,
  judge: Judge,
  now: number,
  resolution: Resolution,
  pii: 'found' | 'unchecked' | null,
  trace: TraceEntry[],
): string | DecisionError {
  if (pii) {
    const at = pii === 'found' ? (table.pii?.action.at ?? null) : (table.pii?.at ?? null);
    const why = pii === 'found' ? 'embeddings with personal data: local embedding models only (masking would change the vectors)' : 'token-id inputs cannot be checked for personal data: local embedding models only';
    trace.push({ step: 'tier', at, message: why });
    if (table.pii?.action.model) list.add(table.pii.action.model, 'pii', at);
    for (const mp of plan.local) list.addPlanned(mp, 'pii', at);
    return 'local';
  }
  let name: string;
  if (resolution.kind === 'model') {
    const m = resolution.model;
    trace.push({ step: 'tier', at: m.at, message: `explicit model ${m.id}; fallback only to ${m.name} at another provider (vectors of two models are not interchangeable)` });
    list.add(m.id, 'explicit', m.at);
    name = m.name;
  } else {
    const listed = [...rankFree(sp, judge, now), ...sp.paid.models, ...(sp.fallback?.models ?? [])].find(
      (mp) => mp !== null && embedsOf(mp.model.capabilities),
    );
    // a local embedding model is there for personal data when cloud ones exist: it is the default only when alone
    const embedding = table.models.filter((m) => embedsOf(m.capabilities));
    const cloud = embedding.filter((m) => plan.models.get(m.id)?.local !== true);
    const names = [...new Set((cloud.length ? cloud : embedding).map((m) => m.name))];
    if (listed) {
      name = listed.model.name;
      trace.push({ step: 'tier', at: sp.scenario.at, message: `embeddings: ${name}, the first \`can embed\` model scenario ${sp.scenario.name} lists` });
    } else if (names.length === 1) {
      name = names[0];
      trace.push({ step: 'tier', at: null, message: `embeddings: ${name}, the policy's one embedding model` });
    } else {
      const message =
        names.length === 0
          ? 'the policy declares no embedding model (`can embed`)'
          : `model "auto" cannot pick between the policy's embedding models (${names.join(', ')}): their vectors are not interchangeable, so name one`;
      trace.push({ step: 'choice', at: null, message });
      return names.length === 0 ? { type: 'no_eligible_model', message } : { type: 'model_required', message, known: names };
    }
  }
  // the same model at every provider that declares it, free quotas first, in file order
  const same = table.models.filter((m) => m.name === name && embedsOf(m.capabilities));
  for (const m of same) if (m.free) list.add(m.id, resolution.kind === 'model' ? 'fallback' : 'free', m.at);
  for (const m of same) list.add(m.id, resolution.kind === 'model' ? 'fallback' : 'paid', m.at);
  return name;
}

/** Free candidates in the scenario's rank order; ties keep the listed order. */
function rankFree(sp: ScenarioPlan, judge: Judge, now: number): ModelPlan[] {
  if (sp.ranked) return sp.ranked;
  // rank expiry: a quota's expiry (its next reset or its until date) only moves when a reset passes, so the order
  // holds from when it was computed until the earliest next reset among them
  if (sp.expiryOrder !== null && now >= sp.expiryFrom && now < sp.expiryUntil) return sp.expiryOrder;
  const keyed: { mp: ModelPlan; i: number; k: number }[] = [];
  let until = Number.POSITIVE_INFINITY;
  for (let j = 0; j < sp.free.length; j++) {
    const mp = sp.free[j];
    const q = judge.view(mp);
    keyed.push({ mp, i: sp.listed[j], k: q?.expiresAt ?? Number.POSITIVE_INFINITY });
    // the view just read the model's next reset into its plan
    if (q !== null && mp.resetAt !== null && mp.resetAt < until) until = mp.resetAt;
  }
  const order = keyed.sort(byRank).map((x) => x.mp);
  sp.expiryOrder = order;
  sp.expiryFrom = now;
  sp.expiryUntil = until;
  return order;
}

interface Common {
  tokens: number;
  estimate: number;
  draw: number;
  trace: TraceEntry[];
}

function decision(c: Common, over: Partial<Decision>): Decision {
  const d: Decision = {
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
    trace: [],
    ...over,
  };
  d.trace = lazyTrace(c.trace, d);
  return d;
}
