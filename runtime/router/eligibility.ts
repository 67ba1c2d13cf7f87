import type { DecisionTable, Model, Provider } from '../types/decision-table.ts';
import { describeQuota, quotaView, type QuotaView } from './quota-view.ts';
import { formatTokens } from './format.ts';
import type { CandidateSource, StateSnapshot } from './types.ts';

export interface Verdict {
  eligible: boolean;
  reason: string;
  q: QuotaView | null;
}

export interface JudgeInput {
  byId: Map<string, Model>;
  providers: Map<string, Provider>;
  state: StateSnapshot;
  now: number;
  exclude: ReadonlySet<string>;
  /** prompt tokens plus max_tokens: what must fit in the context window */
  needContext: number;
  /** what a free quota is charged up front */
  estimate: number;
  budgetSpent: boolean;
  budget: DecisionTable['budget'];
}

/**
 * Eligibility of one candidate: provider enabled, not excluded by earlier attempts, not cooling down, context fits,
 * under its rpm/tpm, and — when it is used as a free model — quota left ≥ the estimate. Memoised per decision.
 * (A class rather than closures: the router runs on every request and its helpers should not be re-created each time.)
 */
export class Judge {
  private input: JudgeInput;
  private views = new Map<string, QuotaView | null>();
  private verdicts = new Map<string, Verdict>();

  constructor(input: JudgeInput) {
    this.input = input;
  }

  view(m: Model): QuotaView | null {
    let v = this.views.get(m.id);
    if (v === undefined) {
      v = quotaView(m, this.input.state, this.input.now);
      this.views.set(m.id, v);
    }
    return v;
  }

  /** The free-quota view of a model by id (null: no free quota, or not declared). */
  viewOf(id: string): QuotaView | null {
    const m = this.input.byId.get(id);
    return m ? this.view(m) : null;
  }

  verdict(id: string, source: CandidateSource): Verdict {
    const key = `${source}:${id}`;
    let v = this.verdicts.get(key);
    if (!v) {
      v = this.judge(id, source);
      this.verdicts.set(key, v);
    }
    return v;
  }

  private judge(id: string, source: CandidateSource): Verdict {
    const { byId, providers, state, now, exclude, needContext, estimate, budgetSpent, budget } = this.input;
    const m = byId.get(id);
    if (!m) return { eligible: false, reason: 'not declared', q: null };
    const p = providers.get(m.provider);
    const q = this.view(m);
    const usesQuota = q !== null && (source === 'free' || (m.price === null && source !== 'pii'));
    if (!p?.enabled) return { eligible: false, reason: `provider ${m.provider} disabled (${p?.disabledReason ?? 'unknown'})`, q };
    if (exclude.has(id)) return { eligible: false, reason: 'failed earlier in this request', q };
    const cool = state.cooldown?.[id];
    if (cool !== undefined && cool > now) return { eligible: false, reason: `cooling down after failures (${Math.ceil((cool - now) / 1000)}s left)`, q };
    if (m.context !== null && needContext > m.context)
      return { eligible: false, reason: `context ${formatTokens(m.context)} < ${formatTokens(needContext)} needed`, q };
    const rate = state.rate?.[id];
    if (m.limits.rpm !== null && (rate?.requests ?? 0) >= m.limits.rpm) return { eligible: false, reason: `rpm limit ${m.limits.rpm} reached`, q };
    if (m.limits.tpm !== null && (rate?.tokens ?? 0) + estimate > m.limits.tpm)
      return { eligible: false, reason: `tpm limit ${formatTokens(m.limits.tpm)} would be exceeded`, q };
    if (usesQuota) {
      if (q!.expired) return { eligible: false, reason: 'free quota expired', q };
      const quotaText = describeQuota(q!, now);
      if (q!.exhausted) return { eligible: false, reason: `free quota exhausted (provider said so), ${quotaText.replace(/^.*?, /, '')}`, q };
      if (q!.remaining < estimate) return { eligible: false, reason: `free, ${formatTokens(q!.remaining)} left < ${formatTokens(estimate)} needed`, q };
      return { eligible: true, reason: `free, ${quotaText}`, q };
    }
    if (budgetSpent && budget?.then === 'free_only' && m.price !== null && !p.local) return { eligible: false, reason: 'paid, but the budget is spent', q };
    if (p.local) return { eligible: true, reason: 'local', q };
    if (m.price) return { eligible: true, reason: `paid, $${m.price.input} / $${m.price.output} per 1M tokens`, q };
    return { eligible: true, reason: q ? `free quota used up, no price listed` : 'no price listed', q };
  }
}
