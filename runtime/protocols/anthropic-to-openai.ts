/**
 * Anthropic Messages client (`/v1/messages` front door)  ->  OpenAI Chat
 * Completions upstream.
 *
 * Pure translation: plain JSON in, plain JSON out, no I/O.
 *
 * Decisions:
 * - `system` (string or text blocks) becomes one leading system message; text
 *   blocks are joined with a blank line (as toAnthropicRequest joins several
 *   system messages). cache_control markers are dropped.
 * - A user turn holding tool_result blocks becomes one `tool` message per
 *   result (in order), followed by a user message with the turn's other
 *   content. Tool-result text is joined with '\n'; images inside a tool_result
 *   (OpenAI tool messages cannot carry images) move into that following user
 *   message. `is_error` has no OpenAI equivalent and is dropped.
 * - thinking / redacted_thinking blocks are dropped; top_k and thinking config
 *   are dropped.
 * - `max_tokens` is sent as `max_tokens` (the field every OpenAI-compatible
 *   upstream understands).
 * - Unrepresentable input (tool_use in a user turn, URL documents, server
 *   tools, unknown block types) throws ProtocolTranslationError (HTTP 400).
 * - Invalid tool-call `arguments` from the upstream become `input: {}`.
 * - Streaming: arguments that arrive for a tool call whose block was already
 *   closed (interleaved parallel tool calls, not produced by OpenAI itself)
 *   cannot be expressed in Anthropic's event grammar and are dropped.
 */

import { randomUUID } from 'node:crypto';
import type {
  AnthropicErrorBody,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicResponseContentBlock,
  AnthropicSSEEvent,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from './anthropic-types.ts';
import type {
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIFinishReason,
  OpenAIMessage,
  OpenAITool,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIToolChoice,
  OpenAIUsage,
  OpenAIUserContentPart,
} from './openai-types.ts';
import {
  ProtocolTranslationError,
  UpstreamStreamError,
  type UpstreamErrorInfo,
  anthropicErrorTypeForStatus,
  isRecord,
  parseToolArguments,
} from './openai-to-anthropic.ts';
import { mappedForOpenAI } from './anthropic-fields.ts';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** HTTP status an OpenAI-style error type/code usually comes with (500 when unknown). */
export function statusForOpenAIErrorType(type: string): number {
  switch (type) {
    case 'invalid_request_error':
    case 'context_length_exceeded':
      return 400;
    case 'authentication_error':
    case 'invalid_api_key':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
    case 'model_not_found':
      return 404;
    case 'rate_limit_error':
    case 'rate_limit_exceeded':
    case 'insufficient_quota':
    case 'tokens':
    case 'requests':
      return 429;
    case 'overloaded_error':
    case 'service_unavailable':
      return 503;
    default:
      return 500;
  }
}

function openAIErrorTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'server_error';
}

/**
 * Extract `{type, message}` from an OpenAI(-compatible) error response:
 * `{error: {message, type, code}}`, `{error: "text"}`, `{message}`, raw text,
 * or nothing. `type` is the upstream's `error.type`, else `error.code`, else
 * derived from the HTTP status.
 */
export function fromOpenAIError(status: number, body: unknown): UpstreamErrorInfo {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const fallbackType = openAIErrorTypeForStatus(status);
  const fallbackMessage =
    typeof body === 'string' && body.trim() !== '' && parsed === undefined
      ? body.trim().slice(0, 1000)
      : `upstream returned HTTP ${status}`;
  if (Array.isArray(parsed) && parsed.length > 0) parsed = parsed[0]; // some providers wrap errors in an array
  if (isRecord(parsed)) {
    if (typeof parsed.error === 'string') return { type: fallbackType, message: parsed.error || fallbackMessage };
    const err = isRecord(parsed.error) ? parsed.error : parsed;
    const type =
      typeof err.type === 'string' && err.type !== ''
        ? err.type
        : typeof err.code === 'string' && err.code !== ''
          ? err.code
          : fallbackType;
    const message = typeof err.message === 'string' && err.message !== '' ? err.message : fallbackMessage;
    return { type, message };
  }
  return { type: fallbackType, message: fallbackMessage };
}

/** A client-facing Anthropic error body for an HTTP status. */
export function toAnthropicErrorBody(status: number, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorTypeForStatus(status), message } };
}

/** A client-facing Anthropic SSE `error` event (for failures after the stream began). */
export function anthropicErrorEvent(status: number, message: string): AnthropicSSEEvent {
  return { event: 'error', data: { type: 'error', error: { type: anthropicErrorTypeForStatus(status), message } } };
}

// ---------------------------------------------------------------------------
// Shared mappings
// ---------------------------------------------------------------------------

/** OpenAI finish_reason -> Anthropic stop_reason. */
export function openAIFinishReasonToAnthropic(reason: OpenAIFinishReason | string | null | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** OpenAI usage -> Anthropic usage (cached prompt tokens become cache_read_input_tokens). */
export function openAIUsageToAnthropic(u: OpenAIUsage): AnthropicUsage {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const usage: AnthropicUsage = {
    input_tokens: Math.max(0, (u.prompt_tokens ?? 0) - cached),
    output_tokens: u.completion_tokens ?? 0,
  };
  if (cached > 0) usage.cache_read_input_tokens = cached;
  return usage;
}

function newToolUseId(): string {
  return `toolu_${randomUUID().replace(/-/g, '')}`;
}

// ---------------------------------------------------------------------------
// Request: Anthropic -> OpenAI
// ---------------------------------------------------------------------------

function imagePart(source: unknown): OpenAIUserContentPart {
  if (isRecord(source) && source.type === 'base64' && typeof source.data === 'string') {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : 'image/png';
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'url' && typeof source.url === 'string') {
    return { type: 'image_url', image_url: { url: source.url } };
  }
  throw new ProtocolTranslationError('image block: unsupported source');
}

function documentPart(block: Record<string, unknown>): OpenAIUserContentPart {
  const source = block.source;
  const title = typeof block.title === 'string' && block.title !== '' ? block.title : undefined;
  if (isRecord(source) && source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    return { type: 'file', file: { filename: title ?? 'document.pdf', file_data: `data:application/pdf;base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'text' && typeof source.data === 'string') {
    return { type: 'text', text: title ? `${title}\n\n${source.data}` : source.data };
  }
  throw new ProtocolTranslationError('document block: only base64 PDF and plain-text sources are supported by this upstream');
}

function userContent(parts: OpenAIUserContentPart[]): string | OpenAIUserContentPart[] {
  const only = parts[0];
  return parts.length === 1 && only.type === 'text' ? only.text : parts;
}

function translateUserTurn(content: unknown, out: OpenAIMessage[]): void {
  if (typeof content === 'string') {
    out.push({ role: 'user', content });
    return;
  }
  if (!Array.isArray(content)) throw new ProtocolTranslationError('user message: content must be a string or an array of blocks');
  const parts: OpenAIUserContentPart[] = [];
  const toolImages: OpenAIUserContentPart[] = [];
  for (const block of content as unknown[]) {
    if (!isRecord(block)) throw new ProtocolTranslationError('user message: content blocks must be objects');
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') throw new ProtocolTranslationError('text block: missing text');
        if (block.text !== '') parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push(imagePart(block.source));
        break;
      case 'document':
        parts.push(documentPart(block));
        break;
      case 'tool_result': {
        if (typeof block.tool_use_id !== 'string') throw new ProtocolTranslationError('tool_result block: missing tool_use_id');
        let text = '';
        if (typeof block.content === 'string') text = block.content;
        else if (Array.isArray(block.content)) {
          const texts: string[] = [];
          for (const c of block.content as unknown[]) {
            if (isRecord(c) && c.type === 'text' && typeof c.text === 'string') texts.push(c.text);
            else if (isRecord(c) && c.type === 'image') toolImages.push(imagePart(c.source));
            else if (isRecord(c) && c.type === 'document') toolImages.push(documentPart(c));
            else throw new ProtocolTranslationError(`tool_result block: unsupported content type '${String(isRecord(c) ? c.type : c)}'`);
          }
          text = texts.join('\n');
        }
        out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw new ProtocolTranslationError(`user message: unsupported content block type '${String(block.type)}'`);
    }
  }
  const all = [...toolImages, ...parts];
  if (all.length > 0) out.push({ role: 'user', content: userContent(all) });
}

function translateAssistantTurn(content: unknown, out: OpenAIMessage[]): void {
  if (typeof content === 'string') {
    out.push({ role: 'assistant', content });
    return;
  }
  if (!Array.isArray(content)) throw new ProtocolTranslationError('assistant message: content must be a string or an array of blocks');
  let text = '';
  let sawText = false;
  let reasoning = '';
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of content as unknown[]) {
    if (!isRecord(block)) throw new ProtocolTranslationError('assistant message: content blocks must be objects');
    // earlier thinking goes back as reasoning_content (DeepSeek's thinking mode wants it with tool calls); redacted is opaque
    if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') throw new ProtocolTranslationError('text block: missing text');
        text += block.text;
        sawText = true;
        break;
      case 'tool_use':
        if (typeof block.id !== 'string' || typeof block.name !== 'string') {
          throw new ProtocolTranslationError('tool_use block: missing id or name');
        }
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(isRecord(block.input) ? block.input : {}) },
        });
        break;
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw new ProtocolTranslationError(`assistant message: unsupported content block type '${String(block.type)}'`);
    }
  }
  const extra = reasoning !== '' ? { reasoning_content: reasoning } : {};
  if (toolCalls.length > 0) out.push({ role: 'assistant', content: sawText && text !== '' ? text : null, tool_calls: toolCalls, ...extra } as OpenAIMessage);
  else if (sawText) out.push({ role: 'assistant', content: text, ...extra } as OpenAIMessage);
}

/** A system prompt or system message (string or text blocks, joined by a blank line), cache_control dropped. */
function systemText(sys: unknown): string {
  if (typeof sys === 'string') return sys;
  if (!Array.isArray(sys)) throw new ProtocolTranslationError('system must be a string or an array of text blocks');
  const texts = (sys as unknown[]).map((b) => {
    if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') throw new ProtocolTranslationError('system: only text blocks are supported');
    return b.text;
  });
  return texts.filter((t) => t !== '').join('\n\n');
}

function toOpenAITool(tool: unknown): OpenAITool {
  if (!isRecord(tool) || (tool.type !== undefined && tool.type !== 'custom') || typeof tool.name !== 'string' || !isRecord(tool.input_schema)) {
    const name = isRecord(tool) ? String(tool.type ?? tool.name) : String(tool);
    throw new ProtocolTranslationError(`tool '${name}' is not supported by this upstream (only custom tools with input_schema)`);
  }
  const out: OpenAITool = { type: 'function', function: { name: tool.name, parameters: tool.input_schema } };
  if (typeof tool.description === 'string' && tool.description !== '') out.function.description = tool.description;
  return out;
}

function toOpenAIToolChoice(choice: unknown): OpenAIToolChoice {
  if (isRecord(choice)) {
    if (choice.type === 'auto') return 'auto';
    if (choice.type === 'any') return 'required';
    if (choice.type === 'none') return 'none';
    if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  }
  throw new ProtocolTranslationError('unsupported tool_choice');
}

/**
 * Translate an Anthropic Messages request into an OpenAI Chat Completions
 * request for `upstreamModel`. Throws ProtocolTranslationError for content the
 * OpenAI format cannot express.
 */
export function toOpenAIRequest(req: AnthropicMessagesRequest, upstreamModel: string, opts: { reasoning?: boolean } = {}): OpenAIChatRequest {
  if (!Array.isArray(req.messages)) throw new ProtocolTranslationError('messages must be an array');
  const messages: OpenAIMessage[] = [];

  if (req.system != null) {
    const text = systemText(req.system);
    if (text !== '') messages.push({ role: 'system', content: text });
  }

  for (const msg of req.messages) {
    if (msg.role === 'user') translateUserTurn(msg.content, messages);
    else if (msg.role === 'assistant') translateAssistantTurn(msg.content, messages);
    else if (msg.role === 'system') {
      // a mid-conversation system message stays where it is: a system message at that position
      const text = systemText(msg.content);
      if (text !== '') messages.push({ role: 'system', content: text });
    } else throw new ProtocolTranslationError(`unsupported message role '${String((msg as { role?: unknown }).role)}'`);
  }

  const out: OpenAIChatRequest = { model: upstreamModel, messages };
  if (typeof req.max_tokens === 'number') out.max_tokens = req.max_tokens;
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = [...req.stop_sequences];
  if (req.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    out.tools = req.tools.map(toOpenAITool);
    if (req.tool_choice !== undefined) {
      out.tool_choice = toOpenAIToolChoice(req.tool_choice);
      if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true) {
        out.parallel_tool_calls = false;
      }
    }
  }
  const userId = req.metadata?.user_id;
  if (typeof userId === 'string' && userId !== '') out.user = userId;
  // output_config → response_format / reasoning_effort; the rest per the table in anthropic-fields.ts
  Object.assign(out, mappedForOpenAI(req as unknown as Record<string, unknown>, opts.reasoning === true));
  return out;
}

// ---------------------------------------------------------------------------
// Response: OpenAI -> Anthropic
// ---------------------------------------------------------------------------

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return (content as unknown[])
      .map((p) => (isRecord(p) && p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
      .join('');
  }
  return '';
}

/**
 * Translate a non-streaming OpenAI chat completion (first choice) into an
 * Anthropic message. A refusal becomes a text block with stop_reason
 * 'refusal'; tool calls become tool_use blocks (finish_reason 'stop' with tool
 * calls, as some providers send, still yields 'tool_use').
 */
export function fromOpenAIResponse(res: OpenAIChatCompletion, requestedModel: string): AnthropicMessage {
  const choice = Array.isArray(res.choices) ? res.choices[0] : undefined;
  const msg = choice?.message;
  const content: AnthropicResponseContentBlock[] = [];
  // DeepSeek, Qwen3, Kimi, GLM: the reasoning comes as reasoning_content → a thinking block (unsigned: not Anthropic's)
  const reasoning = (msg as { reasoning_content?: unknown } | undefined)?.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = contentText(msg?.content);
  if (text !== '') content.push({ type: 'text', text });
  const refusal = typeof msg?.refusal === 'string' && msg.refusal !== '' ? msg.refusal : null;
  if (refusal !== null) content.push({ type: 'text', text: refusal });
  for (const tc of msg?.tool_calls ?? []) {
    if (!isRecord(tc) || !isRecord(tc.function)) continue;
    content.push({
      type: 'tool_use',
      id: typeof tc.id === 'string' && tc.id !== '' ? tc.id : newToolUseId(),
      name: String(tc.function.name ?? ''),
      input: parseToolArguments(tc.function.arguments),
    });
  }
  let stopReason = openAIFinishReasonToAnthropic(choice?.finish_reason);
  if (refusal !== null && stopReason === 'end_turn') stopReason = 'refusal';
  if (stopReason === 'end_turn' && content.some((b) => b.type === 'tool_use')) stopReason = 'tool_use';
  return {
    id: res.id,
    type: 'message',
    role: 'assistant',
    content,
    model: requestedModel,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: res.usage ? openAIUsageToAnthropic(res.usage) : { input_tokens: 0, output_tokens: 0 },
  };
}

// ---------------------------------------------------------------------------
// Stream: OpenAI chunks -> Anthropic SSE events
// ---------------------------------------------------------------------------

interface StreamToolState {
  id: string;
  name: string;
  /** Arguments received before the block could be opened (name unknown yet). */
  pendingArgs: string;
  /** Anthropic content-block index once opened, else -1. */
  blockIndex: number;
}

/**
 * Stateful translator from OpenAI `chat.completion.chunk`s to the exact
 * Anthropic event sequence:
 *
 *   message_start, ping,
 *   (content_block_start, content_block_delta*, content_block_stop)*,
 *   message_delta, message_stop
 *
 * Call `push` for every chunk and **always** call `finish()` when the upstream
 * stream ends (`[DONE]` or EOF): message_delta needs the usage chunk, which
 * OpenAI sends after the finish_reason chunk, so message_delta/message_stop are
 * emitted as soon as both finish_reason and usage are known, or by finish().
 * finish() is idempotent. A chunk carrying `error` throws UpstreamStreamError.
 * Only choice index 0 is translated.
 */
export class OpenAIToAnthropicStream {
  private readonly id: string;
  private readonly model: string;
  private started = false;
  private done = false;
  private nextBlockIndex = 0;
  private openBlock: { index: number; kind: 'text' | 'tool' | 'thinking'; toolKey?: number } | null = null;
  private readonly tools = new Map<number, StreamToolState>();
  private lastToolKey = -1;
  private sawToolUse = false;
  private sawRefusal = false;
  private finishReason: OpenAIFinishReason | null = null;
  private sawUsage = false;
  private readonly anthropicUsage: AnthropicUsage;

  /** `inputTokens`: a pre-counted prompt size for message_start (0 when unknown). */
  constructor(id: string, model: string, inputTokens = 0) {
    this.id = id;
    this.model = model;
    this.anthropicUsage = { input_tokens: inputTokens, output_tokens: 0 };
  }

  /** Usage so far in Anthropic form (upstream's numbers once its usage chunk arrived). */
  usage(): AnthropicUsage {
    return { ...this.anthropicUsage };
  }

  /** Whether message_stop has been emitted. */
  isDone(): boolean {
    return this.done;
  }

  push(chunk: OpenAIChatChunk): AnthropicSSEEvent[] {
    const raw: unknown = chunk;
    if (isRecord(raw) && raw.error !== undefined && raw.error !== null) {
      const info = fromOpenAIError(500, raw);
      throw new UpstreamStreamError(info.type, info.message, statusForOpenAIErrorType(info.type));
    }
    const out: AnthropicSSEEvent[] = [];
    if (this.done) return out;
    this.ensureStarted(out);

    if (isRecord(chunk.usage)) this.recordUsage(chunk.usage);

    const choice = Array.isArray(chunk.choices) ? (chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0]) : undefined;
    if (choice) {
      const delta = isRecord(choice.delta) ? choice.delta : {};
      const reasoning = (delta as { reasoning_content?: unknown }).reasoning_content;
      if (typeof reasoning === 'string' && reasoning !== '') this.thinking(reasoning, out);
      if (typeof delta.content === 'string' && delta.content !== '') this.text(delta.content, out);
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        this.sawRefusal = true;
        this.text(delta.refusal, out);
      }
      if (Array.isArray(delta.tool_calls)) for (const tc of delta.tool_calls) this.toolCall(tc, out);
      if (choice.finish_reason != null) {
        this.finishReason = choice.finish_reason;
        this.closeAll(out);
      }
    }

    // message_delta needs usage: OpenAI sends it with or after the finish_reason chunk.
    if (this.finishReason !== null && isRecord(chunk.usage)) this.end(out);
    return out;
  }

  /** Close any open block and emit message_delta + message_stop if not done yet. */
  finish(): AnthropicSSEEvent[] {
    const out: AnthropicSSEEvent[] = [];
    if (this.done) return out;
    this.ensureStarted(out);
    this.closeAll(out);
    this.end(out);
    return out;
  }

  private ensureStarted(out: AnthropicSSEEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push(
      ev({
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          content: [],
          model: this.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: this.anthropicUsage.input_tokens, output_tokens: 0 },
        },
      }),
    );
    out.push(ev({ type: 'ping' }));
  }

  private thinking(text: string, out: AnthropicSSEEvent[]): void {
    if (this.openBlock?.kind !== 'thinking') {
      this.closeOpen(out);
      const index = this.nextBlockIndex++;
      this.openBlock = { index, kind: 'thinking' };
      out.push(ev({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    }
    out.push(ev({ type: 'content_block_delta', index: this.openBlock!.index, delta: { type: 'thinking_delta', thinking: text } }));
  }

  private text(text: string, out: AnthropicSSEEvent[]): void {
    if (this.openBlock?.kind !== 'text') {
      this.closeOpen(out);
      const index = this.nextBlockIndex++;
      this.openBlock = { index, kind: 'text' };
      out.push(ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    }
    out.push(ev({ type: 'content_block_delta', index: this.openBlock!.index, delta: { type: 'text_delta', text } }));
  }

  private toolCall(tc: OpenAIToolCallDelta, out: AnthropicSSEEvent[]): void {
    if (!isRecord(tc)) return;
    let key: number;
    if (typeof tc.index === 'number') key = tc.index;
    else if (typeof tc.id === 'string' && tc.id !== '') {
      // Providers that omit `index`: identify calls by id.
      const known = [...this.tools.entries()].find(([, s]) => s.id === tc.id);
      key = known ? known[0] : this.tools.size === 0 ? 0 : Math.max(...this.tools.keys()) + 1;
    } else key = this.lastToolKey >= 0 ? this.lastToolKey : 0;
    this.lastToolKey = key;

    let st = this.tools.get(key);
    if (!st) {
      st = { id: '', name: '', pendingArgs: '', blockIndex: -1 };
      this.tools.set(key, st);
    }
    if (typeof tc.id === 'string' && tc.id !== '' && st.id === '') st.id = tc.id;
    const fn = isRecord(tc.function) ? tc.function : {};
    if (st.blockIndex < 0 && typeof fn.name === 'string' && fn.name !== '') st.name = fn.name;
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';

    if (st.blockIndex < 0) {
      st.pendingArgs += args;
      if (st.name !== '') this.openTool(key, st, out);
      return;
    }
    if (args !== '' && this.openBlock?.kind === 'tool' && this.openBlock.toolKey === key) {
      out.push(ev({ type: 'content_block_delta', index: st.blockIndex, delta: { type: 'input_json_delta', partial_json: args } }));
    }
    // else: fragment for an already-closed block; not expressible, dropped (see module comment).
  }

  private openTool(key: number, st: StreamToolState, out: AnthropicSSEEvent[]): void {
    this.closeOpen(out);
    if (st.id === '') st.id = newToolUseId();
    st.blockIndex = this.nextBlockIndex++;
    this.openBlock = { index: st.blockIndex, kind: 'tool', toolKey: key };
    this.sawToolUse = true;
    out.push(ev({ type: 'content_block_start', index: st.blockIndex, content_block: { type: 'tool_use', id: st.id, name: st.name, input: {} } }));
    if (st.pendingArgs !== '') {
      out.push(ev({ type: 'content_block_delta', index: st.blockIndex, delta: { type: 'input_json_delta', partial_json: st.pendingArgs } }));
      st.pendingArgs = '';
    }
  }

  private closeOpen(out: AnthropicSSEEvent[]): void {
    if (!this.openBlock) return;
    out.push(ev({ type: 'content_block_stop', index: this.openBlock.index }));
    this.openBlock = null;
  }

  /** Close the open block and flush tool calls whose name never arrived. */
  private closeAll(out: AnthropicSSEEvent[]): void {
    for (const [key, st] of this.tools) {
      if (st.blockIndex < 0 && (st.id !== '' || st.pendingArgs !== '')) this.openTool(key, st, out);
    }
    this.closeOpen(out);
  }

  private recordUsage(u: Record<string, unknown>): void {
    this.sawUsage = true;
    const mapped = openAIUsageToAnthropic(u as unknown as OpenAIUsage);
    this.anthropicUsage.input_tokens = mapped.input_tokens;
    this.anthropicUsage.output_tokens = mapped.output_tokens;
    if (mapped.cache_read_input_tokens != null) this.anthropicUsage.cache_read_input_tokens = mapped.cache_read_input_tokens;
  }

  private stopReason(): AnthropicStopReason {
    let reason = openAIFinishReasonToAnthropic(this.finishReason);
    if (reason === 'end_turn' && this.sawToolUse) reason = 'tool_use';
    if (reason === 'end_turn' && this.sawRefusal) reason = 'refusal';
    return reason;
  }

  private end(out: AnthropicSSEEvent[]): void {
    if (this.done) return;
    this.done = true;
    const usage: Extract<AnthropicStreamEvent, { type: 'message_delta' }>['usage'] = {
      output_tokens: this.anthropicUsage.output_tokens,
    };
    if (this.sawUsage) {
      usage.input_tokens = this.anthropicUsage.input_tokens;
      if (this.anthropicUsage.cache_read_input_tokens != null) usage.cache_read_input_tokens = this.anthropicUsage.cache_read_input_tokens;
    }
    out.push(ev({ type: 'message_delta', delta: { stop_reason: this.stopReason(), stop_sequence: null }, usage }));
    out.push(ev({ type: 'message_stop' }));
  }
}

function ev(data: AnthropicStreamEvent): AnthropicSSEEvent {
  return { event: data.type, data };
}
