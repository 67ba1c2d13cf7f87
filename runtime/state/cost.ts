import type { DecisionTable, Model } from '../types/decision-table.ts';
import type { Decision } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import { modelIndex } from '../router/resolve-model.ts';

/** USD for `usage` at a model's price (prices are per 1M tokens). */
export function priceOf(model: Model | undefined, usage: Usage): number {
  if (!model?.price) return 0;
  return (usage.prompt_tokens * model.price.input + usage.completion_tokens * model.price.output) / 1e6;
}

/**
 * What a request cost, and what it saved: a free or local answer saves what the scenario's first paid model would
 * have charged for the same tokens.
 */
export function costAndSaving(table: DecisionTable, decision: Decision | null, modelId: string | null, usage: Usage | null): { cost: number; saved: number; freeTokens: number } {
  if (!usage || !modelId || !decision) return { cost: 0, saved: 0, freeTokens: 0 };
  const models = modelIndex(table).byId;
  if (decision.tier === 'free' || decision.tier === 'local') {
    const paid = decision.candidates.find((c) => c.source === 'paid' && models.get(c.model)?.price);
    return { cost: 0, saved: paid ? priceOf(models.get(paid.model), usage) : 0, freeTokens: decision.tier === 'free' ? usage.total_tokens : 0 };
  }
  return { cost: priceOf(models.get(modelId), usage), saved: 0, freeTokens: 0 };
}
