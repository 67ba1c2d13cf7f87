import { withDetail, type ProviderAdapter, type UpstreamCall, type UpstreamResult, type UpstreamStream, type Usage } from './adapter.ts';
import { classifyHttp } from './failure.ts';
import { callViaChat, chunkModel, translatedChatStream } from './via-chat.ts';
import { sseBatches } from './sse.ts';
import { postOptions, postUpstream, readJsonAnswer } from './upstream-fetch.ts';
import { isRecord } from '../protocols/openai-to-anthropic.ts';
import { responsesToChat, toolNamesOf } from '../protocols/responses-to-chat.ts';
import { isGwReasoning } from '../protocols/reasoning-items.ts';
import { ChatToResponsesStream, chatCompletionToResponse, newId, sseFrame, type ResponseFrame } from '../protocols/chat-to-responses.ts';
import type { ResponseObject, ResponsesRequest, ResponsesStreamEvent } from '../protocols/responses-types.ts';

/**
 * One call with a Responses body (the `/v1/responses` front door), whatever the upstream speaks:
 * - a provider declared as speaking Responses (`protocol openai-responses`, the openai preset) gets the body as it came,
 *   only `model` changed, at `${base_url}/responses`; its answer and events pass through;
 * - any other upstream gets the body translated to chat completions (responses-to-chat.ts) for the adapter's `chat`
 *   (an Anthropic adapter translates that on to Messages), and the answer translated back (chat-to-responses.ts).
 */

/** A Responses stream: its frames are Responses SSE events. */
export interface ResponsesStream extends UpstreamStream {
  /** the final response object (from response.completed / incomplete / failed), once the stream ended */
  response(): ResponseObject | null;
  /** the `response.failed` event that ends a stream cut after its first event, numbered after the last one sent */
  failFrame(message: string): string;
}

export function isResponsesStream(s: UpstreamStream): s is ResponsesStream {
  return typeof (s as Partial<ResponsesStream>).failFrame === 'function';
}

export function callResponses(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  return call.provider.responses === true && call.provider.protocol === 'openai' ? nativeResponses(call) : responsesViaChat(adapter, call);
}

function usageFromResponses(u: unknown): Usage | null {
  if (!isRecord(u)) return null;
  const prompt = Number(u.input_tokens ?? 0);
  const completion = Number(u.output_tokens ?? 0);
  const inDetail = isRecord(u.input_tokens_details) ? u.input_tokens_details : {};
  const outDetail = isRecord(u.output_tokens_details) ? u.output_tokens_details : {};
  return withDetail({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(u.total_tokens ?? prompt + completion) }, { cached: inDetail.cached_tokens, reasoning: outDetail.reasoning_tokens });
}

const invalid = (status: number, message: string): UpstreamResult => ({ ok: false, failure: { class: 'server', status, message: `${status} ${message}`, retryAfterMs: null } });

async function nativeResponses(call: UpstreamCall): Promise<UpstreamResult> {
  const body: Record<string, unknown> = { ...call.body, model: call.model.name, stream: call.stream };
  if (!call.stream) delete body.stream;
  // gw rebuilt the conversation from its own store: the upstream does not know the id
  const previousId = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
  delete body.previous_response_id;
  // Anthropic's signed thinking (gw's encrypted_content) means nothing to OpenAI: left out
  if (Array.isArray(body.input) && body.input.some(isGwReasoning)) body.input = body.input.filter((it) => !isGwReasoning(it));
  const headers: Record<string, string> = { ...call.headers };
  if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
  if (call.stream) headers.accept = 'text/event-stream';
  const res = await postUpstream(`${call.provider.baseUrl}/responses`, body, headers, postOptions(call));
  if (!res.ok) return res;
  if (!call.stream) {
    const read = await readJsonAnswer(res);
    if (!read.ok) return read;
    const { text, parsed } = read;
    if (!isRecord(parsed) || parsed.object !== 'response') return invalid(res.status, 'the upstream answered with something other than a response object');
    const echoed = previousId === null ? text : JSON.stringify({ ...parsed, previous_response_id: previousId });
    return { ok: true, kind: 'json', status: res.status, text: echoed, usage: usageFromResponses(parsed.usage) };
  }
  let usage: Usage | null = null;
  let final: ResponseObject | null = null;
  let lastSeq = -1;
  const upstreamBody = res.body;
  async function* frames(): AsyncGenerator<string> {
    let terminal = false;
    for await (const batch of sseBatches(upstreamBody)) {
      let out = '';
      for (const ev of batch) {
        if (ev.data === '[DONE]') continue;
        let j: Record<string, unknown>;
        try {
          j = JSON.parse(ev.data) as Record<string, unknown>;
        } catch {
          throw Object.assign(new Error(`malformed upstream stream event: ${ev.data.slice(0, 200)}`), { upstreamError: true });
        }
        const type = typeof j.type === 'string' ? j.type : (ev.event ?? 'message');
        if (typeof j.sequence_number === 'number') lastSeq = j.sequence_number;
        if (type === 'error') {
          if (out) yield out;
          const message = typeof j.message === 'string' ? j.message : ev.data.slice(0, 300);
          throw Object.assign(new Error(message.slice(0, 300)), { upstreamError: true, failure: classifyHttp(500, JSON.stringify({ error: { message, code: j.code } }), null) });
        }
        if ((type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') && isRecord(j.response)) {
          final = j.response as unknown as ResponseObject;
          usage = usageFromResponses(final.usage) ?? usage;
          terminal = true;
        }
        // the response objects the events carry echo the id the client sent (the upstream never saw it)
        if (previousId !== null && isRecord(j.response)) {
          j.response.previous_response_id = previousId;
          out += `event: ${type}\ndata: ${JSON.stringify(j)}\n\n`;
        } else out += `event: ${type}\ndata: ${ev.data}\n\n`;
      }
      if (out) yield out;
    }
    if (!terminal) throw new Error('the upstream stream ended before response.completed');
  }
  const it = frames();
  const stream: ResponsesStream = {
      frames: it,
      usage: () => usage,
      cancel: () => {
        void it.return(undefined);
        upstreamBody.destroy();
      },
      response: () => final,
      failFrame: (message) =>
        sseFrame({ type: 'response.failed', sequence_number: lastSeq + 1, response: { ...(final ?? {}), status: 'failed', error: { code: 'server_error', message } } }),
  };
  return { ok: true, kind: 'stream', status: res.status, stream };
}

function frameOf(call: UpstreamCall, model: string): ResponseFrame {
  const req = call.body as unknown as ResponsesRequest;
  return { id: newId('resp'), createdAt: Math.floor(Date.now() / 1000), model, request: req, names: toolNamesOf(req.tools) };
}

function responsesViaChat(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  // earlier reasoning goes back where the model takes it: reasoning_content to a thinking model, signed thinking to Anthropic
  const anthropic = call.provider.protocol === 'anthropic';
  const back = { content: call.model.capabilities.includes('reasoning') && !anthropic, signed: anthropic };
  return callViaChat(adapter, call, {
    request: () => ({ ...responsesToChat(call.body as unknown as ResponsesRequest, call.model.name, back) }),
    untranslatable: 'invalid_request',
    json: (completion, model) => chatCompletionToResponse(completion, frameOf(call, model)),
    stream: (inner) => translatedStream(inner, call),
  });
}

/**
 * OpenAI frames from the adapter's stream → Responses events. `response.created` and `response.in_progress` are held
 * back until there is content (or the end), so a failure right after the upstream's role-only first chunk is still
 * retried on another model.
 */
function translatedStream(inner: UpstreamStream, call: UpstreamCall): ResponsesStream {
  const t = translatedChatStream<ChatToResponsesStream, ResponsesStreamEvent>(inner, {
    make: (chunk) => new ChatToResponsesStream(frameOf(call, chunkModel(chunk, call.model.name)), call.promptTokens ?? 0),
    push: (tr, chunk) => tr.push(chunk),
    finish: (tr) => tr.finish(),
    frame: sseFrame,
    opening: (e) => e.type === 'response.created' || e.type === 'response.in_progress',
  });
  return {
    ...t.stream,
    response: () => t.made()?.final ?? null,
    failFrame: (message) => t.translator().fail('server_error', message).map(sseFrame).join(''),
  };
}
