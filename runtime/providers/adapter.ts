import type { Model, Provider } from '../types/decision-table.ts';
import type { Failure } from './failure.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
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
}

/** SSE frames ready for an OpenAI client (`data: {…}\n\n`), ending with `data: [DONE]\n\n`. */
export interface UpstreamStream {
  frames: AsyncIterator<string>;
  /** usage reported by the upstream so far (known at the end of the stream) */
  usage(): Usage | null;
  /** stop reading and release the connection */
  cancel(): void;
}

export type UpstreamResult =
  | { ok: true; kind: 'json'; status: number; /** the OpenAI chat.completion JSON text for the client */ text: string; usage: Usage | null }
  | { ok: true; kind: 'stream'; status: number; stream: UpstreamStream }
  | { ok: false; failure: Failure };

export interface ProviderAdapter {
  chat(call: UpstreamCall): Promise<UpstreamResult>;
}
