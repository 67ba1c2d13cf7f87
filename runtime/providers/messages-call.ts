import { randomUUID } from 'node:crypto';
import type { ProviderAdapter, UpstreamCall, UpstreamResult, UpstreamStream } from './adapter.ts';
import { classifyHttp } from './failure.ts';
import { reframeChatChunks } from './reframe-chat-stream.ts';
import type { AnthropicMessagesRequest, AnthropicSSEEvent } from '../protocols/anthropic-types.ts';
import type { OpenAIChatChunk, OpenAIChatCompletion } from '../protocols/openai-types.ts';
import { fromOpenAIResponse, OpenAIToAnthropicStream, toOpenAIRequest } from '../protocols/anthropic-to-openai.ts';
import { isRecord, ProtocolTranslationError, UpstreamStreamError } from '../protocols/openai-to-anthropic.ts';

/**
 * One call with an Anthropic Messages body (the `/v1/messages` front door), whatever the upstream speaks: passed
 * through by the adapter's `messages` when it has one (Anthropic upstreams), else translated for its `chat`
 * (`toOpenAIRequest`) and the answer translated back (`fromOpenAIResponse`, `OpenAIToAnthropicStream`).
 */
export function callMessages(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  return adapter.messages ? adapter.messages(call) : messagesViaChat(adapter, call);
}

async function messagesViaChat(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  let body: Record<string, unknown>;
  try {
    body = { ...toOpenAIRequest(call.body as unknown as AnthropicMessagesRequest, call.model.name, { reasoning: call.model.capabilities.includes('reasoning') }) };
  } catch (e) {
    // The translation is pure: any throw comes from the client's body, which must not reach the upstream.
    const message = e instanceof ProtocolTranslationError ? e.message : `the request cannot be translated for this upstream (${(e as Error).message})`;
    return { ok: false, failure: { class: 'model_fit', status: 400, message, retryAfterMs: null } }; // another model (protocol) may take it
  }
  // the usage chunk is needed for message_delta's usage
  const result = await adapter.chat({ ...call, body, clientWantsUsage: true });
  if (!result.ok) return result;
  if (result.kind === 'stream') return { ...result, stream: translatedStream(result.stream, call) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.text);
  } catch {
    return { ok: false, failure: { class: 'server', status: result.status, message: `${result.status} the upstream answered with invalid JSON`, retryAfterMs: null } };
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.choices)) {
    return { ok: false, failure: { class: 'server', status: result.status, message: `${result.status} the upstream answered with something other than a chat completion`, retryAfterMs: null } };
  }
  const completion = parsed as unknown as OpenAIChatCompletion;
  const model = typeof completion.model === 'string' && completion.model !== '' ? completion.model : call.model.name;
  return { ...result, text: JSON.stringify(fromOpenAIResponse(completion, model)) };
}

function frameOf(e: AnthropicSSEEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * OpenAI frames from the adapter's stream → Anthropic events. As with Anthropic upstreams, `message_start` and
 * `ping` are held back until there is content (or the end), so a failure right after the upstream's role-only first
 * chunk is still retried on another model. Errors carry a `failure` for route-and-call's classification.
 */
function translatedStream(inner: UpstreamStream, call: UpstreamCall): UpstreamStream {
  let translator: OpenAIToAnthropicStream | null = null;
  const open = (chunk: OpenAIChatChunk | null) => {
    translator ??= new OpenAIToAnthropicStream(
      typeof chunk?.id === 'string' && chunk.id !== '' ? chunk.id : `msg_${randomUUID().replace(/-/g, '')}`,
      typeof chunk?.model === 'string' && chunk.model !== '' ? chunk.model : call.model.name,
      call.promptTokens ?? 0,
    );
    return translator;
  };
  const it = reframeChatChunks<AnthropicSSEEvent>(inner, {
    push: (chunk) => {
      try {
        return open(chunk).push(chunk);
      } catch (e) {
        if (e instanceof UpstreamStreamError) {
          throw Object.assign(new Error(`${e.type}: ${e.message}`.slice(0, 300)), {
            upstreamError: true,
            failure: classifyHttp(e.status, JSON.stringify({ error: { type: e.type, message: e.message } }), null),
          });
        }
        throw e;
      }
    },
    finish: () => open(null).finish(),
    frame: frameOf,
    opening: (e) => e.event === 'message_start' || e.event === 'ping',
  });
  return {
    frames: it,
    usage: () => inner.usage(),
    cancel: () => {
      void it.return(undefined);
      inner.cancel();
    },
  };
}
