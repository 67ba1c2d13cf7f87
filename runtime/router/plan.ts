import type { Chain, DecisionTable, Model, Provider, Scenario } from '../types/decision-table.ts';
import { planOf, type CondPlan } from './conditions.ts';
import { formatTokens } from './format.ts';
import { modelIndex } from './resolve-model.ts';
import type { QuotaView, Verdict } from './types.ts';

/**
 * What `decide` needs of a table that does not depend on the request: each model with its provider and the fixed
 * parts of its eligibility reasons, each scenario with its compiled condition, its free list in a static rank order
 * where the rank allows one, and the fixed trace texts. Built once per table (tables are immutable: a reload makes a
 * new one), so a request only formats what depends on it.
 */
export interface TablePlan {
  models: Map<string, ModelPlan>;
  scenarios: ScenarioPlan[];
  /** `pii { route … }`: the models on a local provider, in file order (ids may repeat) */
  local: ModelPlan[];
  /** the trace line of a request with no personal data found, when the policy has a `pii` block */
  piiClean: string | null;
  fallback: ChainPlan | null;
}

export interface ChainPlan {
  ids: string[];
  /** the declared model of each id, or null */
  models: (ModelPlan | null)[];
  at: string;
}

export interface ScenarioPlan {
  scenario: Scenario;
  when: CondPlan | null;
  /** the declared free models with their position in the `free` line */
  free: ModelPlan[];
  listed: number[];
  /** the free models in rank order when it does not depend on the clock (every rank but `expiry`) */
  ranked: ModelPlan[] | null;
  /** rank expiry: the last order computed, valid for `now` in [expiryFrom, expiryUntil) */
  expiryOrder: ModelPlan[] | null;
  expiryFrom: number;
  expiryUntil: number;
  paid: ChainPlan;
  fallback: ChainPlan | null;
  freeAt: string;
  willingnessAt: string;
  /** trace texts */
  isDefault: string;
  matched: string;
  notMatched: string;
  willingness: string;
  willingnessFixed: string;
  rankedBy: string;
}


/** A declared model, with its fixed reason texts and the memo of the decision in progress (see Judge). */
export class ModelPlan {
  readonly model: Model;
  readonly id: string;
  readonly provider: Provider | undefined;
  readonly enabled: boolean;
  readonly local: boolean;
  readonly disabled: string;
  readonly rpmLimit: string | null;
  readonly tpmLimit: string | null;
  /** `context 8k < ` */
  readonly contextShort: string | null;
  /** the verdict of a model that is not charged to a free quota and may be used (paid, or unpriced) */
  readonly priced: string;

  /** the until date as epoch ms (null: none), computed on first use */
  untilAt: number | null | undefined = undefined;
  /** nextReset memo: `resetAt` is the next reset for any now in [resetFrom, resetAt) */
  resetFrom = Number.NaN;
  resetAt: number | null = null;
  /** "resets in 8h" memo, for a span of `tailSecs` whole seconds */
  tailSecs = -1;
  tailEnds: QuotaView['ends'] = 'never';
  tail = '';
  /** "free, 300k left, resets in 8h" memo */
  okRemaining = -1;
  okTail = '';
  okReason = '';

  /** a free model its provider lists (`free any listed`), not declared by the policy */
  listedFree = false;
  /** the not-served reason, for the sync at `notServedAt` */
  notServedAt = -1;
  notServed = '';

  /** per-decision memo: valid while the stamp is the Judge's */
  viewStamp = 0;
  view: QuotaView | null = null;
  quotaStamp = 0;
  quotaVerdict: Verdict | null = null;
  plainStamp = 0;
  plainVerdict: Verdict | null = null;
  entryStamp = 0;

  constructor(m: Model, p: Provider | undefined) {
    this.model = m;
    this.id = m.id;
    this.provider = p;
    this.enabled = p?.enabled === true;
    this.local = p?.local === true;
    this.disabled = `provider ${m.provider} disabled (${p?.disabledReason ?? 'unknown'})`;
    this.rpmLimit = m.limits.rpm !== null ? `rpm limit ${m.limits.rpm} reached` : null;
    this.tpmLimit = m.limits.tpm !== null ? `tpm limit ${formatTokens(m.limits.tpm)} would be exceeded` : null;
    this.contextShort = m.context !== null ? `context ${formatTokens(m.context)} < ` : null;
    this.priced = m.price ? `paid, $${m.price.input} / $${m.price.output} per 1M tokens` : m.free ? 'free quota used up, no price listed' : 'no price listed';
  }
}

const listedPlans = new WeakMap<readonly Model[], ModelPlan[]>();

/** Plans for the listed free models of a snapshot (`free any listed`), built once per list. */
export function listedPlansOf(table: DecisionTable, models: readonly Model[]): ModelPlan[] {
  let plans = listedPlans.get(models);
  if (!plans) {
    const providers = modelIndex(table).providers;
    plans = models.map((m) => {
      const mp = new ModelPlan(m, providers.get(m.provider));
      mp.listedFree = true;
      return mp;
    });
    listedPlans.set(models, plans);
  }
  return plans;
}

const plans = new WeakMap<DecisionTable, TablePlan>();

export function tablePlan(table: DecisionTable): TablePlan {
  let plan = plans.get(table);
  if (!plan) {
    plan = build(table);
    plans.set(table, plan);
  }
  return plan;
}

function build(table: DecisionTable): TablePlan {
  const idx = modelIndex(table);
  const models = new Map<string, ModelPlan>();
  for (const [id, m] of idx.byId) models.set(id, new ModelPlan(m, idx.providers.get(m.provider)));
  const chain = (c: Chain | null): ChainPlan | null => (c ? { ids: c.models, models: c.models.map((id) => models.get(id) ?? null), at: c.at } : null);
  const scenarios = table.scenarios.map((s): ScenarioPlan => {
    const free: ModelPlan[] = [];
    const listed: number[] = [];
    s.free.forEach((id, i) => {
      const mp = models.get(id);
      if (mp) {
        free.push(mp);
        listed.push(i);
      }
    });
    return {
      scenario: s,
      when: s.when ? planOf(s.when) : null,
      free,
      listed,
      ranked: s.rank === 'expiry' ? null : staticRank(s.rank, free, listed),
      expiryOrder: null,
      expiryFrom: Number.NaN,
      expiryUntil: Number.NaN,
      paid: chain({ models: s.paid, at: s.lines.paid ?? s.at })!,
      fallback: chain(s.fallback),
      freeAt: s.lines.free ?? s.at,
      willingnessAt: s.lines.willingness ?? s.at,
      isDefault: `${s.name}: the default scenario`,
      matched: `${s.name}: matched (`,
      notMatched: `${s.name}: no (`,
      willingness: `willingness ${Math.round(s.willingness * 100)}%`,
      willingnessFixed: s.willingness.toFixed(2),
      rankedBy: `; free ranked by ${s.rank}`,
    };
  });
  const local: ModelPlan[] = [];
  for (const m of table.models) if (idx.providers.get(m.provider)?.local) local.push(models.get(m.id)!);
  return {
    models,
    scenarios,
    local,
    piiClean: table.pii ? `no personal data found (${table.pii.detect.join(', ') || 'no detectors'})` : null,
    fallback: chain(table.fallback),
  };
}

/** Free models by a rank that depends only on the table; ties keep the listed order. */
function staticRank(rank: Exclude<Scenario['rank'], 'expiry'>, free: ModelPlan[], listed: number[]): ModelPlan[] {
  const keyed = free.map((mp, j) => ({ mp, i: listed[j], k: staticKey(rank, mp.model, listed[j]) }));
  return keyed.sort(byRank).map((x) => x.mp);
}

function staticKey(rank: Exclude<Scenario['rank'], 'expiry'>, m: Model, listed: number): number {
  switch (rank) {
    case 'speed':
      return -(m.speed ?? 0);
    case 'cost':
      return m.price ? m.price.input + m.price.output : 0;
    case 'capability':
      return listed;
  }
}

export function byRank(a: { k: number; i: number }, b: { k: number; i: number }): number {
  return a.k - b.k || a.i - b.i;
}
