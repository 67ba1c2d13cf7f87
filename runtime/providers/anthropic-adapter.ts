import { anthropicHistory } from '../protocols/anthropic-thinking-history.ts';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { withDetail, type ProviderAdapter, type UpstreamCall, type UpstreamResult, type UpstreamStream, type Usage } from './adapter.ts';
import { classifyHttp, type Failure } from './failure.ts';
import { sseEvents } from './sse.ts';
import { postOptions, postUpstream, readJsonAnswer, type Fetched } from './upstream-fetch.ts';
import type { AnthropicMessage, AnthropicUsage } from '../protocols/anthropic-types.ts';
import type { OpenAIChatChunk, OpenAIChatRequest, OpenAIUsage } from '../protocols/openai-types.ts';
import {
  AnthropicToOpenAIStream,
  anthropicUsageToOpenAI,
  fromAnthropicError,
  fromAnthropicResponse,
  isRecord,
  ProtocolTranslationError,
  statusForAnthropicErrorType,
  toAnthropicRequest,
  UpstreamStreamError,
} from '../protocols/openai-to-anthropic.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/** `${base}/v1/messages`, without doubling a `/v1` the base URL already ends with. */
export function anthropicMessagesUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/messages` : `${base}/v1/messages`;
}

/**
 * Request headers. The key always goes in `x-api-key` (what api.anthropic.com and compatible proxies accept): the
 * adapter cannot see which variable the key came from, so it cannot tell an ANTHROPIC_AUTH_TOKEN (Bearer) from an
 * ANTHROPIC_API_KEY. A proxy that insists on `authorization: Bearer …` can get it from a provider `header` line.
 * The provider's header lines may override `anthropic-version` (and add `anthropic-beta`); names are lower-cased so
 * an override never becomes a second value of the same header.
 */
function anthropicHeaders(call: UpstreamCall): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
  for (const [k, v] of Object.entries(call.headers)) headers[k.toLowerCase()] = v;
  if (call.apiKey) headers['x-api-key'] = call.apiKey;
  if (call.stream) headers.accept = 'text/event-stream';
  return headers;
}

function toUsage(u: OpenAIUsage | null | undefined): Usage | null {
  if (!u) return null;
  const out: Usage = { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens };
  return withDetail(out, { cached: u.prompt_tokens_details?.cached_tokens, reasoning: u.completion_tokens_details?.reasoning_tokens });
}

/** An Anthropic message's usage as gw's: cache reads and writes kept apart (they are priced apart), thinking tokens when reported. */
function fromAnthropicUsage(u: AnthropicUsage): Usage | null {
  const out = toUsage(anthropicUsageToOpenAI(u));
  return out && withDetail(out, { write: u.cache_creation_input_tokens, reasoning: u.output_tokens_details?.thinking_tokens });
}

/** Anthropic answers a low credit balance with a 400 invalid_request_error; it is a quota problem, not the client's. */
function refine(f: Failure): Failure {
  if (f.class === 'invalid_request' && /credit balance/i.test(f.message)) return { ...f, class: 'quota' };
  return f;
}

/** Classify an Anthropic `{type:'error', error:{type, message}}` by the HTTP status its error type stands for. */
function failureOfAnthropicError(status: number | null, type: string, message: string): Failure {
  const equiv = statusForAnthropicErrorType(type);
  return refine({ ...classifyHttp(equiv, JSON.stringify({ error: { type, message } }), null), status });
}

/** An upstream that speaks Anthropic Messages: OpenAI requests are translated on the way in, answers on the way out. */
export const anthropicAdapter: ProviderAdapter = {
  async chat(call: UpstreamCall): Promise<UpstreamResult> {
    let body: Record<string, unknown>;
    try {
      body = { ...toAnthropicRequest({ ...call.body, stream: call.stream } as unknown as OpenAIChatRequest, call.model.name, { thinking: call.model.capabilities.includes('reasoning') }) };
    } catch (e) {
      // Any throw here comes from the client's body (the translation is pure); it must not reach the upstream.
      const message = e instanceof ProtocolTranslationError ? e.message : `the request cannot be translated for this upstream (${(e as Error).message})`;
      return { ok: false, failure: { class: 'model_fit', status: 400, message, retryAfterMs: null } }; // another model (protocol) may take it
    }
    if (call.stream) body.stream = true;
    else delete body.stream;
    const res = await postUpstream(anthropicMessagesUrl(call.provider.baseUrl), body, anthropicHeaders(call), postOptions(call));
    if (!res.ok) return { ok: false, failure: refine(res.failure) };
    if (!call.stream) {
      const read = await readMessage(res);
      if (!read.ok) return read;
      const msg = read.message;
      const completion = fromAnthropicResponse(msg, typeof msg.model === 'string' && msg.model !== '' ? msg.model : call.model.name);
      return { ok: true, kind: 'json', status: res.status, text: JSON.stringify(completion), usage: toUsage(completion.usage) };
    }
    return { ok: true, kind: 'stream', status: res.status, stream: anthropicStream(res.body, call) };
  },
  messages: anthropicMessages,
};

/**
 * Pass-through for an Anthropic-shaped request (the `/v1/messages` front door): the client's body goes as is with the
 * model replaced, the client's `anthropic-beta` (passHeaders) goes along unless a provider `header` line sets it, and
 * the answer comes back untouched: the message JSON, or the SSE events frame by frame.
 */
async function anthropicMessages(call: UpstreamCall): Promise<UpstreamResult> {
  const body: Record<string, unknown> = { ...anthropicHistory(call.body).body, model: call.model.name };
  if (call.stream) body.stream = true;
  else delete body.stream;
  const headers = anthropicHeaders(call);
  for (const [k, v] of Object.entries(call.passHeaders ?? {})) if (!(k.toLowerCase() in headers)) headers[k.toLowerCase()] = v;
  const res = await postUpstream(anthropicMessagesUrl(call.provider.baseUrl), body, headers, postOptions(call));
  if (!res.ok) return { ok: false, failure: refine(res.failure) };
  if (call.stream) return { ok: true, kind: 'stream', status: res.status, stream: anthropicPassThrough(res.body) };
  const read = await readMessage(res);
  if (!read.ok) return read;
  const { text, message: parsed } = read;
  const usage = isRecord(parsed.usage) ? fromAnthropicUsage(parsed.usage as unknown as AnthropicUsage) : null;
  return { ok: true, kind: 'json', status: res.status, text, usage };
}

/** Read a JSON answer that must be an Anthropic message: a cut, invalid JSON or an error body is a classified failure. */
async function readMessage(res: Extract<Fetched, { ok: true }>): Promise<{ ok: true; text: string; message: AnthropicMessage } | { ok: false; failure: Failure }> {
  const read = await readJsonAnswer(res);
  if (!read.ok) return read;
  const { text, parsed } = read;
  if (!isRecord(parsed) || parsed.type === 'error' || !Array.isArray(parsed.content)) {
    if (isRecord(parsed) && (parsed.type === 'error' || parsed.error !== undefined)) {
      const info = fromAnthropicError(500, parsed);
      return { ok: false, failure: failureOfAnthropicError(res.status, info.type, info.message) };
    }
    return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream answered with something other than a message`, retryAfterMs: null } };
  }
  return { ok: true, text, message: parsed as unknown as AnthropicMessage };
}

/** An event stream that ended before any event: an upstream that answered 200 and then nothing (a server failure). */
function noData(): Error {
  return Object.assign(new Error('the upstream stream ended before any data'), {
    upstreamError: true,
    failure: { class: 'server', status: 200, message: '200 the upstream stream ended before any data', retryAfterMs: null } satisfies Failure,
  });
}

/** The SSE frame for one event, as the upstream sent it (multi-line data kept multi-line). */
function sseFrame(event: string | undefined, data: string): string {
  return `${event ? `event: ${event}\n` : ''}${data
    .split('\n')
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`;
}

/**
 * Anthropic SSE events passed through to an Anthropic client.
 *
 * - `message_start` and `ping` are held back until the next event, so an `error` event right after `message_start`
 *   (Anthropic's usual overloaded_error) still counts as "nothing sent yet" and the gateway can retry elsewhere.
 * - An `error` event throws (with `upstreamError: true`, the classified `failure` and the Anthropic `errorType`); so
 *   does a body that ends before `message_stop`.
 * - Usage is read from `message_start` and `message_delta` (cumulative).
 */
function anthropicPassThrough(body: Readable): UpstreamStream {
  let usage: AnthropicUsage | null = null;
  let cancelled = false;
  const events = sseEvents(body);
  const merge = (u: unknown) => {
    if (!isRecord(u)) return;
    const cur: AnthropicUsage = usage ?? { input_tokens: 0, output_tokens: 0 };
    for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      if (typeof u[k] === 'number') cur[k] = u[k] as number;
    }
    if (isRecord(u.output_tokens_details)) cur.output_tokens_details = u.output_tokens_details as AnthropicUsage['output_tokens_details'];
    usage = cur;
  };
  async function* frames(): AsyncGenerator<string> {
    let stopped = false;
    let seen = false;
    try {
      let held = '';
      let released = false;
      for await (const ev of events) {
        if (ev.data.trim() === '') continue;
        seen = true;
        let j: unknown = null;
        try {
          j = JSON.parse(ev.data);
        } catch {
          throw Object.assign(new Error(`malformed upstream stream event: ${ev.data.slice(0, 200)}`), { upstreamError: true });
        }
        const type = isRecord(j) && typeof j.type === 'string' ? j.type : (ev.event ?? '');
        if (type === 'error') {
          const err = isRecord(j) && isRecord(j.error) ? j.error : {};
          const errType = typeof err.type === 'string' ? err.type : 'api_error';
          const message = typeof err.message === 'string' ? err.message : 'upstream stream error';
          throw Object.assign(new Error(`${errType}: ${message}`.slice(0, 300)), { upstreamError: true, errorType: errType, failure: failureOfAnthropicError(null, errType, message) });
        }
        if (type === 'message_start' && isRecord(j) && isRecord(j.message)) merge(j.message.usage);
        else if (type === 'message_delta' && isRecord(j)) merge(j.usage);
        held += sseFrame(ev.event, ev.data);
        if (type !== 'message_start' && type !== 'ping') released = true;
        stopped = type === 'message_stop';
        if (released || stopped) {
          const out = held;
          held = '';
          yield out;
        }
        if (stopped) break;
      }
      if (!seen) throw noData();
      if (!stopped) throw new Error('the upstream stream ended before message_stop');
    } finally {
      // after message_stop the SSE reader lets a complete body go back to the pool; a cancelled one is cut
      if (cancelled) body.destroy();
    }
  }
  const it = frames();
  return {
    frames: it,
    usage: () => (usage ? fromAnthropicUsage(usage) : null),
    cancel: () => {
      cancelled = true;
      void it.return(undefined);
      body.destroy();
    },
  };
}

/** The message id and model of a `message_start` event's data, if it is one. */
function startInfo(data: string): { id: string | null; model: string | null } {
  try {
    const j: unknown = JSON.parse(data);
    if (isRecord(j) && j.type === 'message_start' && isRecord(j.message)) {
      const { id, model } = j.message;
      return { id: typeof id === 'string' && id !== '' ? id : null, model: typeof model === 'string' && model !== '' ? model : null };
    }
  } catch {
    /* the translator reports malformed data */
  }
  return { id: null, model: null };
}

/**
 * Translate an Anthropic SSE stream into OpenAI chunk frames as events arrive.
 *
 * - The role-only first chunk (from `message_start`) is held back until the next chunk exists, so an `error` event
 *   right after `message_start` (Anthropic's usual overloaded_error) still counts as "nothing sent yet" and the
 *   gateway can retry on another model.
 * - An `error` event throws (with `upstreamError: true` and the classified `failure`); so does a body that ends
 *   before `message_stop` (a cut the transport did not report as an error).
 * - The usage chunk reaches the client only when it asked for it; `usage()` always has the running total.
 */
function anthropicStream(body: Readable, call: UpstreamCall): UpstreamStream {
  let translator: AnthropicToOpenAIStream | null = null;
  let cancelled = false;
  const events = sseEvents(body);
  async function* frames(): AsyncGenerator<string> {
    let stopped = false;
    let seen = false;
    try {
      const held: string[] = [];
      let produced = 0;
      for await (const ev of events) {
        if (ev.data.trim() === '') continue;
        seen = true;
        if (!translator) {
          const info = startInfo(ev.data);
          translator = new AnthropicToOpenAIStream(info.id ?? `chatcmpl-${randomUUID()}`, info.model ?? call.model.name, call.clientWantsUsage);
        }
        let chunks: OpenAIChatChunk[];
        try {
          chunks = translator.push({ event: ev.event ?? '', data: ev.data });
        } catch (e) {
          if (e instanceof UpstreamStreamError) {
            throw Object.assign(new Error(`${e.type}: ${e.message}`.slice(0, 300)), {
              upstreamError: true,
              failure: failureOfAnthropicError(null, e.type, e.message),
            });
          }
          throw e;
        }
        for (const c of chunks) {
          produced++;
          held.push(`data: ${JSON.stringify(c)}\n\n`);
        }
        stopped = isStop(ev.event, ev.data);
        if (produced >= 2 || stopped) while (held.length) yield held.shift()!;
        if (stopped) break;
      }
      if (!seen) throw noData();
      if (!stopped) throw new Error('the upstream stream ended before message_stop');
      yield 'data: [DONE]\n\n';
    } finally {
      // after message_stop the SSE reader lets a complete body go back to the pool; a cancelled one is cut
      if (cancelled) body.destroy();
    }
  }
  const it = frames();
  return {
    frames: it,
    usage: () => toUsage(translator?.usage()),
    cancel: () => {
      cancelled = true;
      void it.return(undefined);
      body.destroy();
    },
  };
}

/** The event is `message_stop` (by its data's `type`, else by its SSE event name, like the translator). */
function isStop(event: string | undefined, data: string): boolean {
  if (!data.includes('message_stop') && event !== 'message_stop') return false;
  try {
    const j: unknown = JSON.parse(data);
    const type = isRecord(j) && typeof j.type === 'string' ? j.type : event;
    return type === 'message_stop';
  } catch {
    return false;
  }
}
