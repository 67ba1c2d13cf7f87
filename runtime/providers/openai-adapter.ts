import type { Readable } from 'node:stream';
import type { ProviderAdapter, UpstreamCall, UpstreamResult, UpstreamStream, Usage } from './adapter.ts';
import { classifyHttp } from './failure.ts';
import { sseBatches, readCapped } from './sse.ts';
import { MAX_UPSTREAM_BODY, postUpstream } from './upstream-fetch.ts';

/** Usage from an OpenAI chat.completion or chunk object, if present. */
export function usageOf(obj: { usage?: unknown } | null | undefined): Usage | null {
  const u = obj?.usage as (Partial<Usage> & { prompt_tokens_details?: { cached_tokens?: unknown } | null; prompt_cache_hit_tokens?: unknown }) | null | undefined;
  if (!u || typeof u !== 'object') return null;
  const prompt = Number(u.prompt_tokens ?? 0);
  const completion = Number(u.completion_tokens ?? 0);
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(u.total_tokens ?? prompt + completion) };
  // OpenAI (and most compatibles): prompt_tokens_details.cached_tokens; DeepSeek: prompt_cache_hit_tokens
  const cached = Number(u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? 0);
  if (Number.isFinite(cached) && cached > 0) out.cached_tokens = Math.min(cached, prompt);
  return out;
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
    const res = await postUpstream(`${call.provider.baseUrl}/chat/completions`, body, headers, call.provider.timeoutMs, call.signal);
    if (!res.ok) return res;
    if (!call.stream) {
      try {
        const text = await readCapped(res.body, MAX_UPSTREAM_BODY, res.headers.get('content-length'));
        let parsed: { usage?: unknown; choices?: unknown; error?: unknown };
        try {
          parsed = JSON.parse(text);
        } catch {
          return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream answered with invalid JSON`, retryAfterMs: null } };
        }
        if (parsed.error && !parsed.choices) return { ok: false, failure: classifyHttp(500, text, null) };
        return { ok: true, kind: 'json', status: res.status, text, usage: usageOf(parsed) };
      } catch (e) {
        return { ok: false, failure: { class: 'network', status: res.status, message: `connection cut while reading the answer (${(e as Error).message})`, retryAfterMs: null } };
      }
    }
    return { ok: true, kind: 'stream', status: res.status, stream: openaiStream(res.body, call.clientWantsUsage) };
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
  async function* frames(): AsyncGenerator<string> {
    for await (const batch of batches) {
      let out = '';
      for (const ev of batch) {
        const data = ev.data;
        if (data === '[DONE]') {
          yield `${out}data: [DONE]\n\n`;
          return;
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
        } else if (data.startsWith('{"error"')) {
          if (out) yield out; // what came before the error still reaches the client
          throw Object.assign(new Error(data.slice(0, 300)), { upstreamError: true });
        }
        out += `data: ${data}\n\n`;
      }
      if (out) yield out;
    }
    yield 'data: [DONE]\n\n';
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
