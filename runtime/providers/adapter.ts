import type { Model, Provider } from '../types/decision-table.ts';
import type { Failure } from './failure.ts';
import type { Scrubber } from '../secrets/scrubber.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** of prompt_tokens, read from the provider's prompt cache (Anthropic cache_read_input_tokens, OpenAI cached_tokens, DeepSeek prompt_cache_hit_tokens) */
  cached_tokens?: number;
  /** of prompt_tokens, written to the prompt cache (Anthropic cache_creation_input_tokens) */
  cache_write_tokens?: number;
  /**
   * of completion_tokens, spent reasoning (OpenAI completion_tokens_details.reasoning_tokens, DeepSeek and most
   * compatibles the same; Responses output_tokens_details.reasoning_tokens; Anthropic output_tokens_details.thinking_tokens)
   */
  reasoning_tokens?: number;
}

/** Set the detail counts a provider reported (positive, finite, at most their total) on `u`. */
export function withDetail(u: Usage, detail: { cached?: unknown; write?: unknown; reasoning?: unknown }): Usage {
  const n = (v: unknown, max: number) => {
    const x = Number(v ?? 0);
    return Number.isFinite(x) && x > 0 ? Math.min(Math.round(x), max) : 0;
  };
  const cached = n(detail.cached, u.prompt_tokens);
  const write = n(detail.write, Math.max(0, u.prompt_tokens - cached));
  const reasoning = n(detail.reasoning, u.completion_tokens);
  if (cached) u.cached_tokens = cached;
  if (write) u.cache_write_tokens = write;
  if (reasoning) u.reasoning_tokens = reasoning;
  return u;
}

/** One call to one upstream model, with the client's OpenAI-shaped body. */
export interface UpstreamCall {
  provider: Provider;
  model: Model;
  /** the API key from the provider's own variables, or null (local providers) */
  apiKey: string | null;
  /** the client's chat request with gw's own fields removed; `model` is replaced by the adapter */
  body: Record<string, unknown>;
  stream: boolean;
  /** the client asked for the usage chunk (stream_options.include_usage) */
  clientWantsUsage: boolean;
  signal: AbortSignal;
  /** extra headers resolved from the provider's `header` lines */
  headers: Record<string, string>;
  /** client headers that go upstream only with a body in the upstream's own protocol (Anthropic pass-through: `anthropic-beta`) */
  passHeaders?: Record<string, string>;
  /** the policy's secrets: scrubbed from every byte of the answer before anything reads it */
  scrubber: Scrubber;
  /** the router's estimate of the prompt, for answers that must state it before the upstream does (a translated stream's message_start) */
  promptTokens?: number;
}

/**
 * SSE frames ready for the client: for `chat`, OpenAI frames (`data: {…}\n\n`) ending with `data: [DONE]\n\n`; for
 * `messages` (and Anthropic-shaped calls translated for an OpenAI upstream), Anthropic events (`event: …\ndata: …\n\n`)
 * ending with `message_stop`.
 */
export interface UpstreamStream {
  frames: AsyncIterator<string>;
  /** usage reported by the upstream so far (known at the end of the stream) */
  usage(): Usage | null;
  /** stop reading and release the connection */
  cancel(): void;
}

export type UpstreamResult =
  | { ok: true; kind: 'json'; status: number; /** the JSON text for the client: an OpenAI chat.completion (or an Anthropic message for `messages`) */ text: string; usage: Usage | null }
  | { ok: true; kind: 'stream'; status: number; stream: UpstreamStream }
  | { ok: false; failure: Failure };

export interface ProviderAdapter {
  /** `call.body` is an OpenAI chat request; the answer is OpenAI-shaped */
  chat(call: UpstreamCall): Promise<UpstreamResult>;
  /**
   * `call.body` is an Anthropic Messages request and the upstream speaks that protocol natively: the body goes as is
   * (model replaced), the answer comes back Anthropic-shaped. Adapters without it get Anthropic calls translated
   * through `chat` (runtime/providers/messages-call.ts).
   */
  messages?(call: UpstreamCall): Promise<UpstreamResult>;
  /**
   * `call.body` is an OpenAI embeddings request: POSTed to the provider's `/embeddings`, the answer (JSON) as the
   * upstream sent it. Adapters without it (Anthropic) serve no embeddings.
   */
  embeddings?(call: UpstreamCall): Promise<UpstreamResult>;
}
