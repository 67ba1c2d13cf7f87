import type { Readable } from 'node:stream';
import { withDetail, type ProviderAdapter, type UpstreamCall, type UpstreamResult, type UpstreamStream, type Usage } from './adapter.ts';
import { classifyErrorBody, type Failure } from './failure.ts';
import { sseBatches } from './sse.ts';
import { postOptions, postUpstream, readJsonAnswer } from './upstream-fetch.ts';

/** An event whose data is an error object (`{"error": …}`, or Anthropic's `{"type": "error", …}`). */
const ERROR_EVENT = /^\s*\{\s*"(?:error"|type"\s*:\s*"error")/;

/** A chunk that only opens the assistant's turn (`delta: {role, content: ""}`), with nothing of the answer yet. */
function roleOnly(data: string): boolean {
  if (!data.includes('"role"')) return false;
  try {
    const c = JSON.parse(data) as { choices?: { delta?: Record<string, unknown>; finish_reason?: unknown }[] };
    if (!Array.isArray(c.choices) || c.choices.length !== 1) return false;
    const { delta, finish_reason } = c.choices[0]!;
    if (finish_reason || !delta) return false;
    return Object.entries(delta).every(([k, v]) => k === 'role' || v === null || v === '' || (Array.isArray(v) && v.length === 0));
  } catch {
    return false;
  }
}

/** Usage from an OpenAI chat.completion or chunk object, if present. */
export function usageOf(obj: { usage?: unknown } | null | undefined): Usage | null {
  const u = obj?.usage as
    | (Partial<Usage> & { prompt_tokens_details?: { cached_tokens?: unknown } | null; completion_tokens_details?: { reasoning_tokens?: unknown } | null; prompt_cache_hit_tokens?: unknown })
    | null
    | undefined;
  if (!u || typeof u !== 'object') return null;
  const prompt = Number(u.prompt_tokens ?? 0);
  const completion = Number(u.completion_tokens ?? 0);
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(u.total_tokens ?? prompt + completion) };
  // OpenAI (and most compatibles): prompt_tokens_details.cached_tokens; DeepSeek: prompt_cache_hit_tokens
  return withDetail(out, { cached: u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens, reasoning: u.completion_tokens_details?.reasoning_tokens });
}

/** An upstream that speaks OpenAI's chat completions (DashScope, Moonshot, SiliconFlow, DeepSeek, Groq, Ollama, vLLM, …). */
export const openaiAdapter: ProviderAdapter = {
  async chat(call: UpstreamCall): Promise<UpstreamResult> {
    const body: Record<string, unknown> = { ...call.body, model: call.model.name, stream: call.stream };
    if (call.stream) body.stream_options = { ...((call.body.stream_options as object) ?? {}), include_usage: true };
    else delete body.stream_options;
    const headers: Record<string, string> = { ...call.headers };
    if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
    if (call.stream) headers.accept = 'text/event-stream';
    const res = await postUpstream(`${call.provider.baseUrl}/chat/completions`, body, headers, postOptions(call));
    if (!res.ok) return res;
    if (!call.stream) {
      const read = await readJsonAnswer(res);
      if (!read.ok) return read;
      if (read.parsed === null || typeof read.parsed !== 'object')
        return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream answered with something other than a chat completion`, retryAfterMs: null } };
      const parsed = read.parsed as { usage?: unknown; choices?: unknown; error?: unknown };
      if (parsed.error && !parsed.choices) return { ok: false, failure: classifyErrorBody(res.status, read.text) };
      return { ok: true, kind: 'json', status: res.status, text: read.text, usage: usageOf(parsed) };
    }
    return { ok: true, kind: 'stream', status: res.status, stream: openaiStream(res.body, call.clientWantsUsage) };
  },
  async embeddings(call: UpstreamCall): Promise<UpstreamResult> {
    const headers: Record<string, string> = { ...call.headers };
    if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
    const res = await postUpstream(`${call.provider.baseUrl}/embeddings`, { ...call.body, model: call.model.name }, headers, { ...postOptions(call), stream: false });
    if (!res.ok) return res;
    const read = await readJsonAnswer(res);
    if (!read.ok) return read;
    const parsed = read.parsed as { data?: unknown; error?: unknown; usage?: unknown } | null;
    if (parsed === null || typeof parsed !== 'object') return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream answered with something other than embeddings`, retryAfterMs: null } };
    if (parsed.error && !parsed.data) return { ok: false, failure: classifyErrorBody(res.status, read.text) };
    return { ok: true, kind: 'json', status: res.status, text: read.text, usage: usageOf(parsed) };
  },
};

/**
 * Pass an OpenAI SSE stream through as it comes: the frames of one read of the upstream body go on as one string (one
 * write to the client), ending with `data: [DONE]`. The usage chunk (requested from the upstream so the gateway can
 * count tokens) reaches the client only when the client asked for it.
 */
function openaiStream(body: Readable, clientWantsUsage: boolean): UpstreamStream {
  let usage: Usage | null = null;
  const batches = sseBatches(body);
  let sawData = false;
  // an event stream that ends before any chunk is no answer (an upstream that answered 200 and then nothing)
  const empty = () =>
    Object.assign(new Error('the upstream stream ended before any data'), {
      upstreamError: true,
      failure: { class: 'server', status: 200, message: '200 the upstream stream ended before any data', retryAfterMs: null } satisfies Failure,
    });
  // The role-only first chunk is held back until a chunk with content (or the end) exists, so an error right after it
  // still counts as "nothing sent yet" and the gateway can retry on another model.
  let held = '';
  let released = false;
  async function* frames(): AsyncGenerator<string> {
    for await (const batch of batches) {
      let out = held;
      held = '';
      for (const ev of batch) {
        const data = ev.data;
        if (data === '[DONE]') {
          if (!sawData) throw empty();
          yield `${out}data: [DONE]\n\n`;
          return;
        }
        if (ERROR_EVENT.test(data)) {
          if (out && released) yield out; // what came before the error still reaches the client
          const failure = classifyErrorBody(200, data);
          throw Object.assign(new Error(failure.message.slice(0, 300)), { upstreamError: true, failure });
        }
        if (data.includes('"usage"')) {
          let chunk: { usage?: unknown; choices?: unknown[]; error?: unknown };
          try {
            chunk = JSON.parse(data);
          } catch {
            chunk = {};
          }
          const u = usageOf(chunk);
          if (u) usage = u;
          if (u && !clientWantsUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) continue;
        }
        if (data.trim() !== '') sawData = true;
        if (!released && !roleOnly(data)) released = true;
        out += `data: ${data}\n\n`;
      }
      if (!released) held = out;
      else if (out) yield out;
    }
    if (!sawData) throw empty();
    yield `${held}data: [DONE]\n\n`;
  }
  const it = frames();
  return {
    frames: it,
    usage: () => usage,
    cancel: () => {
      void it.return(undefined);
      body.destroy();
    },
  };
}
