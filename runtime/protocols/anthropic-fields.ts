/**
 * What becomes of each top-level field of an Anthropic Messages request when the chosen model speaks OpenAI chat
 * completions (the README's table "Anthropic fields on an OpenAI upstream" is this table). Anthropic upstreams get
 * every field unchanged.
 *
 * - `translated`: carried over by toOpenAIRequest (messages, system, max_tokens, tools, …);
 * - `mapped`: carried over where OpenAI has an equivalent (output_config.format → response_format, output_config.effort
 *   → reasoning_effort on a `can reasoning` model);
 * - `dropped`: nothing in OpenAI's protocol means it; sending it would get a 400 from strict upstreams. Dropped fields
 *   are listed in the log line and the `x-gw-dropped` header of the answer.
 * - `refused`: cannot be done without it (remote MCP servers): a 400 naming the field.
 * Fields not in the table are dropped too (and listed).
 */
import type { OpenAIChatRequest } from './openai-types.ts';
import { isRecord, ProtocolTranslationError } from './openai-to-anthropic.ts';

export type FieldFate = 'translated' | 'mapped' | 'dropped' | 'refused';

export const ANTHROPIC_FIELDS_ON_OPENAI: Readonly<Record<string, FieldFate>> = {
  model: 'translated',
  messages: 'translated',
  system: 'translated',
  max_tokens: 'translated',
  stream: 'translated',
  temperature: 'translated',
  top_p: 'translated',
  stop_sequences: 'translated',
  tools: 'translated',
  tool_choice: 'translated',
  metadata: 'translated',
  output_config: 'mapped',
  thinking: 'dropped',
  top_k: 'dropped',
  context_management: 'dropped',
  service_tier: 'dropped',
  container: 'dropped',
  inference_geo: 'dropped',
  cache_control: 'dropped',
  mcp_servers: 'refused',
};

/** Top-level fields of `body` an OpenAI upstream will not see (sorted), output_config's unmapped parts included. */
export function droppedOnOpenAI(body: Record<string, unknown>, reasoning: boolean): string[] {
  const out: string[] = [];
  for (const k of Object.keys(body)) {
    const fate = ANTHROPIC_FIELDS_ON_OPENAI[k];
    if (fate === undefined || fate === 'dropped') out.push(k);
  }
  const oc = body.output_config;
  if (isRecord(oc)) {
    for (const k of Object.keys(oc)) if (k !== 'format' && !(k === 'effort' && reasoning)) out.push(`output_config.${k}`);
  }
  return out.sort();
}

const EFFORT: Readonly<Record<string, string>> = { low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high' };

/**
 * The OpenAI fields mapped from `output_config` (structured output and effort), and the refusal of what cannot go.
 * `reasoning`: the model is declared `can reasoning` (only those take `reasoning_effort`).
 */
export function mappedForOpenAI(body: Record<string, unknown>, reasoning: boolean): Partial<OpenAIChatRequest> {
  if (body.mcp_servers !== undefined && body.mcp_servers !== null && !(Array.isArray(body.mcp_servers) && body.mcp_servers.length === 0)) {
    throw new ProtocolTranslationError('mcp_servers: remote MCP servers are run by Anthropic; this upstream speaks OpenAI and cannot use them');
  }
  const out: Record<string, unknown> = {};
  const oc = body.output_config;
  if (!isRecord(oc)) return out;
  const format = oc.format;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
    out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  }
  if (reasoning && typeof oc.effort === 'string' && EFFORT[oc.effort]) out.reasoning_effort = EFFORT[oc.effort];
  return out as Partial<OpenAIChatRequest>;
}
