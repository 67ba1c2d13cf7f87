import type { Decision } from '../router/types.ts';

/** Anthropic's smallest thinking budget: a budget the lowered max_tokens cannot hold below this turns thinking off. */
const MIN_THINKING_BUDGET = 1024;

/**
 * The request body with max_tokens lowered to the chosen model's max_output (decision.clamp), in the body's own
 * protocol: `max_tokens` for Anthropic, `max_completion_tokens` and/or `max_tokens` for OpenAI chat. An Anthropic
 * `thinking.budget_tokens` must stay below max_tokens: it is lowered with it (or thinking turned off when no budget
 * of at least 1,024 fits). The body is copied, never changed in place (a retry may go to a model without a cap).
 */
export function clampBody(body: Record<string, unknown>, clamp: Decision['clamp'], format: 'openai' | 'anthropic' | 'responses'): Record<string, unknown> {
  if (!clamp) return body;
  const out: Record<string, unknown> = { ...body };
  if (format === 'responses') {
    out.max_output_tokens = clamp.to;
    return out;
  }
  if (format === 'anthropic') {
    out.max_tokens = clamp.to;
    const t = out.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
    if (t && t.type === 'enabled' && typeof t.budget_tokens === 'number' && t.budget_tokens >= clamp.to) {
      if (clamp.to - 1 >= MIN_THINKING_BUDGET) out.thinking = { ...t, budget_tokens: clamp.to - 1 };
      else delete out.thinking;
    }
    return out;
  }
  if (typeof out.max_completion_tokens === 'number') out.max_completion_tokens = clamp.to;
  if (typeof out.max_tokens === 'number' || typeof out.max_completion_tokens !== 'number') out.max_tokens = clamp.to;
  return out;
}
