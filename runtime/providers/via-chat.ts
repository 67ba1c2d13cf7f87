import type { ProviderAdapter, UpstreamCall, UpstreamResult, UpstreamStream } from './adapter.ts';
import type { FailureClass } from './failure.ts';
import { reframeChatChunks, type ChunkTranslation } from './reframe-chat-stream.ts';
import type { OpenAIChatChunk, OpenAIChatCompletion } from '../protocols/openai-types.ts';
import { isRecord, ProtocolTranslationError } from '../protocols/openai-to-anthropic.ts';

/**
 * A front door's request through an upstream that speaks chat completions (the Messages and Responses front doors
 * over a chat adapter): the body translated to chat, the adapter's answer translated back — JSON as one object, a
 * stream event by event (reframeChatChunks). What the two front doors differ in is the translation itself.
 */
export interface ViaChat {
  /** the chat body (the translation is pure: a throw comes from the client's body, which must not reach the upstream) */
  request(): Record<string, unknown>;
  /** the failure class of a body that cannot be translated (model_fit: another model, of another protocol, may take it) */
  untranslatable: FailureClass;
  /** the chat.completion answer in the front door's protocol */
  json(completion: OpenAIChatCompletion, model: string): unknown;
  stream(inner: UpstreamStream): UpstreamStream;
}

const failed = (status: number, message: string): UpstreamResult => ({ ok: false, failure: { class: 'server', status, message: `${status} ${message}`, retryAfterMs: null } });

export async function callViaChat(adapter: ProviderAdapter, call: UpstreamCall, v: ViaChat): Promise<UpstreamResult> {
  let body: Record<string, unknown>;
  try {
    body = v.request();
  } catch (e) {
    const message = e instanceof ProtocolTranslationError ? e.message : `the request cannot be translated for this upstream (${(e as Error).message})`;
    return { ok: false, failure: { class: v.untranslatable, status: 400, message, retryAfterMs: null } };
  }
  // the usage chunk is needed for the translated stream's closing usage
  const result = await adapter.chat({ ...call, body, clientWantsUsage: true });
  if (!result.ok) return result;
  if (result.kind === 'stream') return { ...result, stream: v.stream(result.stream) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.text);
  } catch {
    return failed(result.status, 'the upstream answered with invalid JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.choices)) return failed(result.status, 'the upstream answered with something other than a chat completion');
  const completion = parsed as unknown as OpenAIChatCompletion;
  const model = typeof completion.model === 'string' && completion.model !== '' ? completion.model : call.model.name;
  return { ...result, text: JSON.stringify(v.json(completion, model)) };
}

/** A stream translator, made on the first chunk (which names the answer's id and model) or at the end. */
export interface StreamTranslator<T, E> extends Omit<ChunkTranslation<E>, 'push' | 'finish'> {
  make(chunk: OpenAIChatChunk | null): T;
  push(t: T, chunk: OpenAIChatChunk): E[];
  finish(t: T): E[];
}

/** The adapter's chat stream re-framed by a translator; `translator()` opens it when no chunk did (a failure event). */
export function translatedChatStream<T, E>(inner: UpstreamStream, s: StreamTranslator<T, E>): { stream: UpstreamStream; translator(): T; made(): T | null } {
  let t: T | null = null;
  const open = (chunk: OpenAIChatChunk | null) => (t ??= s.make(chunk));
  const it = reframeChatChunks<E>(inner, { push: (chunk) => s.push(open(chunk), chunk), finish: () => s.finish(open(null)), frame: s.frame, opening: s.opening });
  const stream: UpstreamStream = {
    frames: it,
    usage: () => inner.usage(),
    cancel: () => {
      void it.return(undefined);
      inner.cancel();
    },
  };
  return { stream, translator: () => open(null), made: () => t };
}

/** The answer's model as the first chunk names it, else the upstream model gw asked for. */
export function chunkModel(chunk: OpenAIChatChunk | null, fallback: string): string {
  return typeof chunk?.model === 'string' && chunk.model !== '' ? chunk.model : fallback;
}
