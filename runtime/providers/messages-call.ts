import { randomUUID } from 'node:crypto';
import type { ProviderAdapter, UpstreamCall, UpstreamResult, UpstreamStream } from './adapter.ts';
import { classifyHttp } from './failure.ts';
import { callViaChat, chunkModel, translatedChatStream } from './via-chat.ts';
import type { AnthropicMessagesRequest, AnthropicSSEEvent } from '../protocols/anthropic-types.ts';
import { fromOpenAIResponse, OpenAIToAnthropicStream, toOpenAIRequest } from '../protocols/anthropic-to-openai.ts';
import { UpstreamStreamError } from '../protocols/openai-to-anthropic.ts';

/**
 * One call with an Anthropic Messages body (the `/v1/messages` front door), whatever the upstream speaks: passed
 * through by the adapter's `messages` when it has one (Anthropic upstreams), else translated for its `chat`
 * (`toOpenAIRequest`) and the answer translated back (`fromOpenAIResponse`, `OpenAIToAnthropicStream`).
 */
export function callMessages(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  return adapter.messages ? adapter.messages(call) : messagesViaChat(adapter, call);
}

function messagesViaChat(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  return callViaChat(adapter, call, {
    request: () => ({ ...toOpenAIRequest(call.body as unknown as AnthropicMessagesRequest, call.model.name, { reasoning: call.model.capabilities.includes('reasoning') }) }),
    untranslatable: 'model_fit', // another model (protocol) may take it
    json: (completion, model) => fromOpenAIResponse(completion, model),
    stream: (inner) => translatedStream(inner, call),
  });
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
  return translatedChatStream<OpenAIToAnthropicStream, AnthropicSSEEvent>(inner, {
    make: (chunk) =>
      new OpenAIToAnthropicStream(typeof chunk?.id === 'string' && chunk.id !== '' ? chunk.id : `msg_${randomUUID().replace(/-/g, '')}`, chunkModel(chunk, call.model.name), call.promptTokens ?? 0),
    push: (t, chunk) => {
      try {
        return t.push(chunk);
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
    finish: (t) => t.finish(),
    frame: frameOf,
    opening: (e) => e.event === 'message_start' || e.event === 'ping',
  }).stream;
}
