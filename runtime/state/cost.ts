import type { DecisionTable, Model } from '../types/decision-table.ts';
import type { Decision } from '../router/types.ts';
import type { Usage } from '../providers/adapter.ts';
import { modelIndex } from '../router/resolve-model.ts';

/**
 * USD for `usage` at a model's price (prices are per 1M tokens). Prompt tokens read from or written to the provider's
 * prompt cache are charged at `price … cache READ / WRITE` when the model has it, else at the input price.
 */
export function priceOf(model: Model | undefined, usage: Usage): number {
  const p = model?.price;
  if (!p) return 0;
  const read = usage.cached_tokens ?? 0;
  const write = usage.cache_write_tokens ?? 0;
  const plain = Math.max(0, usage.prompt_tokens - read - write);
  const input = plain * p.input + read * (p.cacheRead ?? p.input) + write * (p.cacheWrite ?? p.input);
  return (input + usage.completion_tokens * p.output) / 1e6;
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
