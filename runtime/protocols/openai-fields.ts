import type { FieldFate } from './anthropic-fields.ts';

/**
 * What becomes of each top-level field of an OpenAI chat completions request when the chosen model speaks Anthropic
 * Messages (the README's table "OpenAI fields on an Anthropic upstream" is this table; anthropic-fields.ts is the
 * other direction). OpenAI upstreams get every field unchanged.
 *
 * - `translated`: carried over by toAnthropicRequest (messages, max_tokens, tools, stop, …);
 * - `mapped`: carried over as Anthropic's nearest field (temperature clamped to [0, 1], `user` → metadata.user_id,
 *   `parallel_tool_calls: false` → tool_choice.disable_parallel_tool_use, response_format json_schema →
 *   output_config.format, `stream_options` is gw's own usage chunk);
 * - `dropped`: nothing in Anthropic's protocol means it. Dropped fields are listed in the log line and the
 *   `x-gw-dropped` header of the answer;
 * - `refused`: cannot be done without it when asked for (`n > 1`, `logprobs`, json_object): a model-fit failure, then
 *   a 400 naming the field (toAnthropicRequest throws).
 * Fields not in the table are dropped too (and listed).
 */
export const OPENAI_FIELDS_ON_ANTHROPIC: Readonly<Record<string, FieldFate>> = {
  model: 'translated',
  messages: 'translated',
  max_tokens: 'translated',
  max_completion_tokens: 'translated',
  stream: 'translated',
  top_p: 'translated',
  stop: 'translated',
  tools: 'translated',
  tool_choice: 'translated',
  temperature: 'mapped',
  user: 'mapped',
  parallel_tool_calls: 'mapped',
  response_format: 'mapped',
  stream_options: 'mapped',
  n: 'refused',
  logprobs: 'refused',
  top_logprobs: 'refused',
  seed: 'dropped',
  presence_penalty: 'dropped',
  frequency_penalty: 'dropped',
  logit_bias: 'dropped',
  reasoning_effort: 'dropped',
  metadata: 'dropped',
  service_tier: 'dropped',
  store: 'dropped',
  prompt_cache_key: 'dropped',
  safety_identifier: 'dropped',
  verbosity: 'dropped',
  modalities: 'dropped',
  audio: 'dropped',
  prediction: 'dropped',
  web_search_options: 'dropped',
};

/**
 * Top-level fields of `body` an Anthropic upstream will not see (sorted); null and absent values are nothing lost.
 * `reasoning`: the model thinks (`can reasoning`), so `reasoning_effort` becomes its extended thinking
 * (openai-to-anthropic.ts) instead of being dropped.
 */
export function droppedOnAnthropic(body: Record<string, unknown>, reasoning = false): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (v === null || v === undefined) continue;
    if (k === 'reasoning_effort' && reasoning) continue;
    const fate = OPENAI_FIELDS_ON_ANTHROPIC[k];
    if (fate === undefined || fate === 'dropped') out.push(k);
  }
  return out.sort();
}
