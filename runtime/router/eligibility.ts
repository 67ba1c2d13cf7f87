import { nextReset, untilToEpoch, type QuotaPeriod } from '../quota/period.ts';
import { quotaTail, viewOf } from './quota-view.ts';
import { formatTokens, thousands } from './format.ts';
import { missingCapability, NO_EMBEDDINGS_API, type RequestCapabilities } from './capabilities.ts';
import type { ModelPlan } from './plan.ts';
import type { CandidateSource, QuotaView, StateSnapshot, Verdict } from './types.ts';

export interface JudgeInput {
  state: StateSnapshot;
  now: number;
  exclude: ReadonlySet<string>;
  /** prompt tokens plus max_tokens: what must fit in the context window */
  needContext: number;
  /** what a free quota is charged up front */
  estimate: number;
  /** prompt tokens, and the client's max_tokens (null: none): a model's max_output lowers what it needs */
  tokens: number;
  maxTokens: number | null;
  /** gateway clamp_max_tokens: a model whose max_output is below max_tokens gets it lowered (else it is not eligible) */
  clamp: boolean;
  /** what the request needs of a model: image parts → vision, tools → tools; embeddings → embed (see capabilities.ts) */
  capabilities: RequestCapabilities;
  /** paid models are out: the policy's budget (then free_only) or the client's is spent */
  freeOnly: boolean;
  /** the client key's allowed models (null: any), and the client's name for the reason */
  allowed: { name: string; models: readonly string[] } | null;
  /** the request's built-in Responses tools (empty: none): only native Responses providers may take it */
  builtinTools: readonly string[];
}

/** An allow-list entry names a model id, a bare model name, or a provider. */
export function allowedModel(entries: readonly string[], id: string): boolean {
  const slash = id.indexOf('/');
  for (const e of entries) if (e === id || e === id.slice(slash + 1) || e === id.slice(0, slash)) return true;
  return false;
}

const NOT_DECLARED: Verdict = Object.freeze({ eligible: false, reason: 'not declared', q: null, free: false });

/** Stamps of decisions: a model's memo (see ModelPlan) belongs to the decision whose stamp it holds. */
let stamps = 0;

/**
 * Eligibility of one candidate: provider enabled, not excluded by earlier attempts, not cooling down, context fits,
 * under its rpm/tpm, and — when it is used as a free model — quota left ≥ the estimate. Memoised per decision on the
 * table's model plans, under this judge's stamp: no map or key string per request.
 */
export class Judge {
  readonly stamp: number;
  private readonly input: JudgeInput;

  constructor(input: JudgeInput) {
    this.stamp = ++stamps;
    this.input = input;
  }

  /** What the model must hold in its context and is charged up front, after its max_output. */
  needs(mp: ModelPlan): { needContext: number; estimate: number } {
    return needsOf(this.input, mp.model.maxOutput);
  }

  /** The model's free quota now (null: it has none). */
  view(mp: ModelPlan): QuotaView | null {
    if (mp.viewStamp !== this.stamp) {
      mp.view = quotaViewOf(mp, this.input.state, this.input.now);
      mp.viewStamp = this.stamp;
    }
    return mp.view;
  }

  /** The verdict on a model used as `source` (null: not declared). */
  verdict(mp: ModelPlan | null, source: CandidateSource): Verdict {
    if (mp === null) return NOT_DECLARED;
    const q = this.view(mp);
    const usesQuota = q !== null && (source === 'free' || (mp.model.price === null && source !== 'pii'));
    if (usesQuota) {
      if (mp.quotaStamp !== this.stamp) {
        mp.quotaVerdict = this.judge(mp, q, true);
        mp.quotaStamp = this.stamp;
      }
      return mp.quotaVerdict!;
    }
    if (mp.plainStamp !== this.stamp) {
      mp.plainVerdict = this.judge(mp, q, false);
      mp.plainStamp = this.stamp;
    }
    return mp.plainVerdict!;
  }

  private judge(mp: ModelPlan, q: QuotaView | null, usesQuota: boolean): Verdict {
    const { state, now, exclude, freeOnly, allowed } = this.input;
    const m = mp.model;
    const { needContext, estimate } = this.needs(mp);
    const id = mp.id;
    if (!mp.enabled) return { eligible: false, reason: mp.disabled, q, free: false };
    const served = state.served?.[m.provider];
    if (served !== undefined && !served.names.has(m.name)) return { eligible: false, reason: notServedReason(mp, served.at), q, free: false };
    const balance = state.balance?.[m.provider];
    if (balance?.empty === true) return { eligible: false, reason: `${m.provider} reports its balance empty (${balance.summary}; read ${isoMinute(balance.at)})`, q, free: false };
    if (allowed && !allowedModel(allowed.models, id)) return { eligible: false, reason: `not allowed for client "${allowed.name}"`, q, free: false };
    const missing = missingCapability(m.capabilities, this.input.capabilities);
    if (missing !== null) return { eligible: false, reason: missing, q, free: false };
    if (this.input.capabilities.embeddings && mp.provider?.protocol === 'anthropic') return { eligible: false, reason: NO_EMBEDDINGS_API, q, free: false };
    if (needContext < 0) return { eligible: false, reason: `max_tokens ${thousands(this.input.maxTokens!)} > max_output ${formatTokens(m.maxOutput!)} (clamp_max_tokens off)`, q, free: false };
    if (this.input.builtinTools.length > 0 && mp.provider?.responses !== true)
      return { eligible: false, reason: `built-in tool ${this.input.builtinTools.join(', ')} runs only on a provider that speaks Responses natively (protocol openai-responses)`, q, free: false };
    if (exclude.size > 0 && exclude.has(id)) return { eligible: false, reason: 'failed earlier in this request', q, free: false };
    const aside = state.setAside?.[id];
    if (aside !== undefined && aside.until > now) return { eligible: false, reason: `${aside.reason} (${Math.ceil((aside.until - now) / 60_000)} min left)`, q, free: false };
    const cool = state.cooldown?.[id];
    if (cool !== undefined && cool > now) return { eligible: false, reason: `cooling down after failures (${Math.ceil((cool - now) / 1000)}s left)`, q, free: false };
    if (m.context !== null && needContext > m.context) return { eligible: false, reason: `${mp.contextShort}${formatTokens(needContext)} needed`, q, free: false };
    const rate = state.rate?.[id];
    if (m.limits.rpm !== null && (rate?.requests ?? 0) >= m.limits.rpm) return { eligible: false, reason: mp.rpmLimit!, q, free: false };
    if (m.limits.tpm !== null && (rate?.tokens ?? 0) + estimate > m.limits.tpm) return { eligible: false, reason: mp.tpmLimit!, q, free: false };
    if (mp.listedFree) return { eligible: true, reason: LISTED_FREE, q, free: true };
    if (usesQuota) {
      const v = q!;
      if (v.expired) return { eligible: false, reason: 'free quota expired', q, free: false };
      // the provider's own balance says the credit that pays for this free quota is gone (not for models it never charges)
      if (balance?.freeExhausted === true && !chargesNothing(m))
        return { eligible: false, reason: `free quota exhausted at the source: ${m.provider} reports ${balance.summary} (read ${isoMinute(balance.at)})`, q, free: false };
      if (v.exhausted) return { eligible: false, reason: `free quota exhausted (provider said so), ${tailOf(mp, v, now)}`, q, free: false };
      if (v.remaining < estimate) return { eligible: false, reason: `free, ${formatTokens(v.remaining)} left < ${formatTokens(estimate)} needed`, q, free: false };
      const tail = tailOf(mp, v, now);
      if (mp.okRemaining !== v.remaining || mp.okTail !== tail) {
        mp.okReason = `free, ${formatTokens(v.remaining)} left, ${tail}`;
        mp.okRemaining = v.remaining;
        mp.okTail = tail;
      }
      return { eligible: true, reason: mp.okReason, q, free: true };
    }
    if (freeOnly && m.price !== null && !mp.local) return { eligible: false, reason: 'paid, but the budget is spent', q, free: false };
    return { eligible: true, reason: mp.local ? 'local' : mp.priced, q, free: false };
  }
}

const LISTED_FREE = 'free: its provider lists it at no charge (free any listed)';

/** A model priced at nothing costs nothing: a provider's free credit does not pay for it. */
function chargesNothing(m: ModelPlan['model']): boolean {
  return m.price !== null && m.price.input === 0 && m.price.output === 0;
}

function isoMinute(t: number): string {
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "not in openai's model list at the last sync (…)": kept on the plan for the sync it describes. */
function notServedReason(mp: ModelPlan, at: number): string {
  if (mp.notServedAt !== at) {
    mp.notServedAt = at;
    mp.notServed = `not in ${mp.model.provider}'s model list at the last sync (${isoMinute(at)}): retired or renamed; run gw doctor`;
  }
  return mp.notServed;
}

/** What one model must hold and is charged: its max_output caps the answer (needContext -1: over it, and no clamp). */
function needsOf(input: JudgeInput, maxOutput: number | null): { needContext: number; estimate: number } {
  const { maxTokens } = input;
  if (maxOutput === null || maxTokens === null || maxTokens <= maxOutput) return input;
  if (!input.clamp) return { needContext: -1, estimate: input.estimate };
  return { needContext: input.tokens + maxOutput, estimate: input.tokens + maxOutput };
}

/** `quotaTail`, kept per model for the span's whole second (formatSpan reads no finer). */
function tailOf(mp: ModelPlan, q: QuotaView, now: number): string {
  if (q.ends === 'never') return 'never resets';
  const ms = q.expiresAt! - now;
  if (!(ms >= 0 && ms < Number.MAX_SAFE_INTEGER)) return quotaTail(q, now);
  const secs = Math.floor(ms / 1000);
  if (mp.tailSecs !== secs || mp.tailEnds !== q.ends) {
    mp.tail = quotaTail(q, now);
    mp.tailSecs = secs;
    mp.tailEnds = q.ends;
  }
  return mp.tail;
}

/** `quotaView` of a planned model, with its until date and its next reset remembered on the plan. */
function quotaViewOf(mp: ModelPlan, state: StateSnapshot, now: number): QuotaView | null {
  const free = mp.model.free;
  if (!free) return null;
  let untilAt = mp.untilAt;
  if (untilAt === undefined) untilAt = mp.untilAt = free.until !== null ? untilToEpoch(free.until, free.zone) : null;
  let resetAt: number | null;
  // a reset is the end of a window: the same for any time from when it was computed until it passes
  if (now >= mp.resetFrom && mp.resetAt !== null && now < mp.resetAt) resetAt = mp.resetAt;
  else {
    resetAt = nextReset(free.period as QuotaPeriod, now);
    mp.resetFrom = resetAt === null ? Number.NaN : now;
    mp.resetAt = resetAt;
  }
  return viewOf(free, state.quota?.[mp.id], untilAt, resetAt, now);
}
