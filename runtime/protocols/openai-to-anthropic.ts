/**
 * OpenAI Chat Completions client  ->  Anthropic Messages upstream.
 *
 * Pure translation: plain JSON in, plain JSON out, no I/O. The streaming
 * translator is a small state machine fed with already-split SSE events.
 *
 * Decisions (also listed in the module report):
 * - system/developer messages anywhere in the conversation are hoisted into
 *   the top-level `system` string, joined with a blank line.
 * - Invalid (or non-object) tool-call `arguments` in assistant history become
 *   `input: {}`. It is the model's own earlier output; failing the whole
 *   request over it helps nobody, and the matching tool_result still tells the
 *   model what happened. Wrapping the raw string under a made-up key would
 *   feed the model a call it never made.
 * - Content Anthropic cannot represent (input_audio, file_id references, non
 *   PDF/plain-text files, n > 1, unknown part types, unknown roles, non-function
 *   tools) throws ProtocolTranslationError (maps to HTTP 400
 *   invalid_request_error) rather than being silently dropped.
 * - Empty text parts are dropped and messages left empty are removed (the API
 *   rejects empty text blocks / empty content). Consecutive same-role messages
 *   are merged. Trailing whitespace is trimmed from a final assistant
 *   (prefill) message, which the API would otherwise reject.
 * - temperature is clamped to Anthropic's [0, 1]; whitespace-only stop
 *   sequences are dropped; response_format json_schema becomes
 *   output_config.format (json_object and logprobs are refused); seed,
 *   penalties, reasoning_effort and metadata are dropped.
 * - An Anthropic stream `error` event makes AnthropicToOpenAIStream.push throw
 *   UpstreamStreamError (with the Anthropic error type and an HTTP status).
 */

import type {
  AnthropicContentBlockStartEvent,
  AnthropicDocumentBlock,
  AnthropicErrorType,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicRequestContentBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicUsage,
} from './anthropic-types.ts';
import type {
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIChunkDelta,
  OpenAIFinishReason,
  OpenAIMessage,
  OpenAITextPart,
  OpenAIToolCall,
  OpenAIUsage,
  ReasoningDetail,
} from './openai-types.ts';
import { ANTHROPIC_REASONING_FORMAT } from './openai-types.ts';

export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

// ---------------------------------------------------------------------------
// Errors shared by both translation directions
// ---------------------------------------------------------------------------

/** The client request cannot be expressed in the upstream protocol. Surface as HTTP 400. */
export class ProtocolTranslationError extends Error {
  readonly status = 400;
  readonly type = 'invalid_request_error';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolTranslationError';
  }
}

/** An upstream reported an error in the middle of a stream. */
export class UpstreamStreamError extends Error {
  /** Upstream error type, e.g. 'overloaded_error' (Anthropic) or 'server_error' (OpenAI). */
  readonly type: string;
  /** Equivalent HTTP status for classification (e.g. overloaded_error -> 529). */
  readonly status: number;
  constructor(type: string, message: string, status: number) {
    super(message);
    this.name = 'UpstreamStreamError';
    this.type = type;
    this.status = status;
  }
}

/** `{type, message}` extracted from an upstream error response; input for error classification. */
export interface UpstreamErrorInfo {
  type: string;
  message: string;
}

const ANTHROPIC_STATUS_BY_TYPE: Record<AnthropicErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The Anthropic error type the API uses for an HTTP status. */
export function anthropicErrorTypeForStatus(status: number): AnthropicErrorType {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

/** The HTTP status the Anthropic API uses for an error type (500 when unknown). */
export function statusForAnthropicErrorType(type: string): number {
  return (ANTHROPIC_STATUS_BY_TYPE as Record<string, number>)[type] ?? 500;
}

/**
 * Extract `{type, message}` from an Anthropic error response. `body` may be the
 * parsed JSON (`{type:'error', error:{type, message}}`), the raw text, or
 * anything else; missing pieces are derived from the HTTP status.
 */
export function fromAnthropicError(status: number, body: unknown): UpstreamErrorInfo {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const fallbackType = anthropicErrorTypeForStatus(status);
  const fallbackMessage =
    typeof body === 'string' && body.trim() !== '' && parsed === undefined
      ? body.trim().slice(0, 1000)
      : `upstream returned HTTP ${status}`;
  if (isRecord(parsed)) {
    const err = isRecord(parsed.error) ? parsed.error : parsed;
    const type = typeof err.type === 'string' && err.type !== 'error' ? err.type : fallbackType;
    const message = typeof err.message === 'string' && err.message !== '' ? err.message : fallbackMessage;
    return { type, message };
  }
  return { type: fallbackType, message: fallbackMessage };
}

// ---------------------------------------------------------------------------
// Small shared helpers
// ---------------------------------------------------------------------------

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse OpenAI tool-call `arguments` into an Anthropic `input` object.
 * Empty, invalid or non-object JSON yields `{}` (see module comment).
 */
export function parseToolArguments(args: string | null | undefined): Record<string, unknown> {
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

/** Anthropic stop_reason -> OpenAI finish_reason. */
export function anthropicStopReasonToOpenAI(reason: AnthropicStopReason | string | null | undefined): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn, null
      return 'stop';
  }
}

/**
 * Anthropic usage -> OpenAI usage. OpenAI's prompt_tokens includes cached
 * tokens, Anthropic's input_tokens excludes cache reads and writes, so both
 * cache counters are added back; cache reads are reported as cached_tokens.
 */
export function anthropicUsageToOpenAI(u: AnthropicUsage): OpenAIUsage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completion = u.output_tokens ?? 0;
  const usage: OpenAIUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) usage.prompt_tokens_details = { cached_tokens: cacheRead };
  return usage;
}

interface DataUrl {
  mediaType: string;
  /** base64 payload */
  data: string;
}

/** Parse a `data:` URL into media type + base64 data (percent-encoded payloads are re-encoded). */
export function parseDataUrl(url: string): DataUrl | null {
  const m = /^data:([^,]*?),(.*)$/s.exec(url);
  if (!m) return null;
  const params = m[1].split(';');
  const isBase64 = params.length > 1 && params[params.length - 1].toLowerCase() === 'base64';
  const mediaType = (params[0] ?? '').trim().toLowerCase();
  const payload = m[2];
  const data = isBase64 ? payload.replace(/\s+/g, '') : percentDecodeToBase64(payload);
  return { mediaType, data };
}

function percentDecodeToBase64(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i], 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('base64');
}

/** Guess an image media type from the first bytes of its base64 payload. */
function sniffImageMediaType(b64: string): string | null {
  if (b64.startsWith('/9j/')) return 'image/jpeg';
  if (b64.startsWith('iVBORw0KGgo')) return 'image/png';
  if (b64.startsWith('R0lGOD')) return 'image/gif';
  if (b64.startsWith('UklGR')) return 'image/webp';
  return null;
}

// ---------------------------------------------------------------------------
// Request: OpenAI -> Anthropic
// ---------------------------------------------------------------------------

function textOf(content: string | OpenAITextPart[] | null | undefined, what: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new ProtocolTranslationError(`${what}: content must be a string or an array of parts`);
  return content
    .map((p) => {
      if (!isRecord(p) || p.type !== 'text' || typeof p.text !== 'string') {
        throw new ProtocolTranslationError(`${what}: only text parts are supported here, got '${String(isRecord(p) ? p.type : p)}'`);
      }
      return p.text;
    })
    .join('');
}

function imageBlockFromUrl(url: string): AnthropicImageBlock {
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed || parsed.data === '') throw new ProtocolTranslationError('image_url: malformed data URL');
    let mediaType = parsed.mediaType;
    if (!mediaType.startsWith('image/')) mediaType = sniffImageMediaType(parsed.data) ?? (mediaType || 'image/png');
    if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: parsed.data } };
  }
  if (url.trim() === '') throw new ProtocolTranslationError('image_url: empty url');
  return { type: 'image', source: { type: 'url', url } };
}

function documentBlockFromFile(file: { file_data?: string; file_id?: string; filename?: string }): AnthropicDocumentBlock {
  if (typeof file.file_data !== 'string' || file.file_data === '') {
    throw new ProtocolTranslationError('file parts referencing file_id are not supported by this upstream; send file_data');
  }
  const title = file.filename ? { title: file.filename } : {};
  const parsed = file.file_data.startsWith('data:')
    ? parseDataUrl(file.file_data)
    : { mediaType: 'application/pdf', data: file.file_data.replace(/\s+/g, '') };
  if (!parsed) throw new ProtocolTranslationError('file: malformed data URL');
  if (parsed.mediaType === 'application/pdf') {
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data }, ...title };
  }
  if (parsed.mediaType === 'text/plain') {
    const text = Buffer.from(parsed.data, 'base64').toString('utf8');
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title };
  }
  throw new ProtocolTranslationError(`file: media type '${parsed.mediaType}' is not supported by this upstream`);
}

function userBlocks(content: unknown): AnthropicRequestContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (content == null) return [];
  if (!Array.isArray(content)) throw new ProtocolTranslationError('user message: content must be a string or an array of parts');
  const out: AnthropicRequestContentBlock[] = [];
  for (const part of content as unknown[]) {
    if (!isRecord(part)) throw new ProtocolTranslationError('user message: content parts must be objects');
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') throw new ProtocolTranslationError('text part: missing text');
        if (part.text !== '') out.push({ type: 'text', text: part.text });
        break;
      case 'image_url': {
        const iu = part.image_url;
        const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
        if (url === undefined) throw new ProtocolTranslationError('image_url part: missing image_url.url');
        out.push(imageBlockFromUrl(url));
        break;
      }
      case 'file':
        if (!isRecord(part.file)) throw new ProtocolTranslationError('file part: missing file');
        out.push(documentBlockFromFile(part.file as { file_data?: string; file_id?: string; filename?: string }));
        break;
      case 'input_audio':
        throw new ProtocolTranslationError('input_audio content is not supported by this upstream');
      default:
        throw new ProtocolTranslationError(`unsupported content part type '${String(part.type)}'`);
    }
  }
  return out;
}

function assistantBlocks(msg: Extract<OpenAIMessage, { role: 'assistant' }>): AnthropicRequestContentBlock[] {
  const out: AnthropicRequestContentBlock[] = [];
  // Anthropic's own signed thinking goes back first, as it came (unsigned reasoning from elsewhere is not sent)
  for (const d of Array.isArray(msg.reasoning_details) ? msg.reasoning_details : []) {
    if (!isRecord(d) || d.format !== ANTHROPIC_REASONING_FORMAT) continue;
    if (d.type === 'reasoning.text' && typeof d.text === 'string' && typeof d.signature === 'string' && d.signature !== '')
      out.push({ type: 'thinking', thinking: d.text, signature: d.signature } as unknown as AnthropicRequestContentBlock);
    else if (d.type === 'reasoning.encrypted' && typeof d.data === 'string') out.push({ type: 'redacted_thinking', data: d.data } as unknown as AnthropicRequestContentBlock);
  }
  const content: unknown = msg.content;
  if (typeof content === 'string') {
    if (content !== '') out.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (const part of content as unknown[]) {
      if (!isRecord(part)) throw new ProtocolTranslationError('assistant message: content parts must be objects');
      const text = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text !== 'string') throw new ProtocolTranslationError(`assistant message: unsupported content part type '${String(part.type)}'`);
      if (text !== '') out.push({ type: 'text', text });
    }
  } else if (content != null) {
    throw new ProtocolTranslationError('assistant message: content must be a string, an array of parts or null');
  }
  if (out.length === 0 && typeof msg.refusal === 'string' && msg.refusal !== '') out.push({ type: 'text', text: msg.refusal });
  if (msg.tool_calls != null && !Array.isArray(msg.tool_calls)) throw new ProtocolTranslationError('assistant message: tool_calls must be an array');
  for (const tc of msg.tool_calls ?? []) {
    if (!isRecord(tc) || (tc.type !== undefined && tc.type !== 'function') || !isRecord(tc.function)) {
      throw new ProtocolTranslationError('assistant message: only function tool calls are supported');
    }
    out.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseToolArguments(tc.function.arguments) });
  }
  return out;
}

function toolResultBlock(msg: Extract<OpenAIMessage, { role: 'tool' }>): AnthropicToolResultBlock {
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: msg.tool_call_id };
  if (typeof msg.content === 'string') {
    if (msg.content !== '') block.content = msg.content;
  } else if (Array.isArray(msg.content)) {
    const parts: AnthropicTextBlock[] = [];
    for (const p of msg.content as unknown[]) {
      if (!isRecord(p) || p.type !== 'text' || typeof p.text !== 'string') {
        throw new ProtocolTranslationError('tool message: only text parts are supported');
      }
      if (p.text !== '') parts.push({ type: 'text', text: p.text });
    }
    if (parts.length > 0) block.content = parts;
  }
  return block;
}

function toAnthropicTool(tool: unknown): AnthropicTool {
  if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
    throw new ProtocolTranslationError('only function tools are supported by this upstream');
  }
  const fn = tool.function;
  const params = isRecord(fn.parameters) ? fn.parameters : {};
  const out: AnthropicTool = {
    name: fn.name as string,
    input_schema: { ...params, type: 'object' },
  };
  if (typeof fn.description === 'string' && fn.description !== '') out.description = fn.description;
  return out;
}

function toAnthropicToolChoice(
  choice: OpenAIChatRequest['tool_choice'],
  parallel: boolean | undefined,
): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...disable };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name, ...disable };
  }
  throw new ProtocolTranslationError('unsupported tool_choice');
}

/**
 * Translate an OpenAI Chat Completions request into an Anthropic Messages
 * request for `upstreamModel`. Throws ProtocolTranslationError for content the
 * Anthropic API cannot express.
 */
export function toAnthropicRequest(req: OpenAIChatRequest, upstreamModel: string, opts: { thinking?: boolean } = {}): AnthropicMessagesRequest {
  if (!Array.isArray(req.messages)) throw new ProtocolTranslationError('messages must be an array');
  if (typeof req.n === 'number' && req.n > 1) throw new ProtocolTranslationError('n > 1 is not supported by this upstream');
  const raw = req as unknown as Record<string, unknown>;
  if (raw.logprobs === true || (typeof raw.top_logprobs === 'number' && raw.top_logprobs > 0)) throw new ProtocolTranslationError('logprobs are not supported by this upstream (Anthropic)');
  const format = structuredOutput(req.response_format);

  const system: string[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicRequestContentBlock[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicRequestContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };

  for (const msg of req.messages as OpenAIMessage[]) {
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const text = textOf(msg.content, `${msg.role} message`);
        if (text !== '') system.push(text);
        break;
      }
      case 'user':
        push('user', userBlocks(msg.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(msg));
        break;
      case 'tool':
        push('user', [toolResultBlock(msg)]);
        break;
      default:
        throw new ProtocolTranslationError(`unsupported message role '${String((msg as { role?: unknown }).role)}'`);
    }
  }

  // A final assistant message is a prefill; the API rejects trailing whitespace there.
  const final = turns[turns.length - 1];
  if (final && final.role === 'assistant') {
    const lastBlock = final.blocks[final.blocks.length - 1];
    if (lastBlock && lastBlock.type === 'text') {
      const trimmed = lastBlock.text.trimEnd();
      if (trimmed === '') final.blocks.pop();
      else final.blocks[final.blocks.length - 1] = { ...lastBlock, text: trimmed };
      if (final.blocks.length === 0) turns.pop();
    }
  }

  const messages: AnthropicMessageParam[] = turns.map(({ role, blocks }) => {
    const only = blocks[0];
    if (blocks.length === 1 && only.type === 'text' && only.cache_control == null) return { role, content: only.text };
    return { role, content: blocks };
  });

  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const out: AnthropicMessagesRequest = { model: upstreamModel, messages, max_tokens: maxTokens };
  if (system.length > 0) out.system = system.join('\n\n');
  if (typeof req.temperature === 'number') out.temperature = Math.min(1, Math.max(0, req.temperature));
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (req.stop != null) {
    const stops = (Array.isArray(req.stop) ? req.stop : [req.stop]).filter((s) => typeof s === 'string' && s.trim() !== '');
    if (stops.length > 0) out.stop_sequences = stops;
  }
  if (req.stream === true) out.stream = true;
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    out.tools = req.tools.map(toAnthropicTool);
    const choice = toAnthropicToolChoice(req.tool_choice, req.parallel_tool_calls);
    if (choice) out.tool_choice = choice;
  }
  if (typeof req.user === 'string' && req.user !== '') out.metadata = { user_id: req.user };
  if (format) (out as unknown as Record<string, unknown>).output_config = { format };
  if (opts.thinking) withThinking(out, raw.reasoning_effort);
  return out;
}

/** Thinking budgets for OpenAI's reasoning efforts (Anthropic's smallest is 1,024). */
const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 16384 };

/**
 * `reasoning_effort` on a model that thinks (`can reasoning`): extended thinking with the effort's budget, within the
 * client's max_tokens (OpenAI counts reasoning in it too; no budget of 1,024 fits: no thinking), and not with a
 * forced tool choice (Anthropic refuses the two together). Thinking takes no temperature or top_p.
 */
function withThinking(out: AnthropicMessagesRequest, effort: unknown): void {
  const want = typeof effort === 'string' ? THINKING_BUDGET[effort] : undefined;
  if (want === undefined) return;
  const budget = Math.min(want, out.max_tokens - 1);
  if (budget < 1024) return;
  // Anthropic takes no forced tool use with thinking on
  if (out.tool_choice?.type === 'any' || out.tool_choice?.type === 'tool') return;
  // with thinking on, a tool loop's last assistant turn must start with its (signed) thinking: without it, no thinking
  const last = [...out.messages].reverse().find((m) => m.role === 'assistant');
  const blocks = last && Array.isArray(last.content) ? (last.content as { type: string }[]) : [];
  if (blocks.some((b) => b.type === 'tool_use') && blocks[0]?.type !== 'thinking' && blocks[0]?.type !== 'redacted_thinking') return;
  (out as unknown as Record<string, unknown>).thinking = { type: 'enabled', budget_tokens: budget };
  delete out.temperature;
  delete out.top_p;
}

/**
 * response_format → Anthropic structured output (`output_config.format`): json_schema goes as its schema; json_object
 * has no Anthropic equivalent and is refused (another model may take it) rather than silently ignored.
 */
function structuredOutput(rf: unknown): { type: 'json_schema'; schema: Record<string, unknown> } | null {
  if (!isRecord(rf) || rf.type === undefined || rf.type === 'text') return null;
  if (rf.type === 'json_schema' && isRecord(rf.json_schema) && isRecord(rf.json_schema.schema)) return { type: 'json_schema', schema: rf.json_schema.schema };
  if (rf.type === 'json_object') throw new ProtocolTranslationError('response_format json_object has no equivalent on this upstream (Anthropic); send a json_schema');
  throw new ProtocolTranslationError(`response_format ${JSON.stringify(rf.type)} is not supported by this upstream`);
}

// ---------------------------------------------------------------------------
// Response: Anthropic -> OpenAI
// ---------------------------------------------------------------------------

/**
 * Translate a non-streaming Anthropic message into an OpenAI chat completion.
 * Text blocks are concatenated; thinking becomes `reasoning_content`; `id` is kept.
 */
export function fromAnthropicResponse(res: AnthropicMessage, requestedModel: string): OpenAIChatCompletion {
  let text = '';
  let sawText = false;
  let reasoning = '';
  const details: ReasoningDetail[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of res.content ?? []) {
    const b = block as { type: string; thinking?: unknown; signature?: unknown; data?: unknown };
    if (b.type === 'thinking' && typeof b.thinking === 'string') {
      reasoning += b.thinking;
      if (typeof b.signature === 'string' && b.signature !== '') details.push({ type: 'reasoning.text', text: b.thinking, signature: b.signature, format: ANTHROPIC_REASONING_FORMAT, index: details.length });
    } else if (b.type === 'redacted_thinking' && typeof b.data === 'string') details.push({ type: 'reasoning.encrypted', data: b.data, format: ANTHROPIC_REASONING_FORMAT, index: details.length });
    else if (block.type === 'text') {
      text += block.text;
      sawText = true;
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: sawText ? text : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // the thinking, as reasoning_content (what DeepSeek/Qwen-style clients read)
  if (reasoning !== '') message.reasoning_content = reasoning;
  // and signed, so a client can hand it back to Anthropic (Responses reasoning items carry it as encrypted_content)
  if (details.length) message.reasoning_details = details;
  return {
    id: res.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: requestedModel,
    choices: [{ index: 0, message, finish_reason: anthropicStopReasonToOpenAI(res.stop_reason), logprobs: null }],
    usage: anthropicUsageToOpenAI(res.usage ?? { input_tokens: 0, output_tokens: 0 }),
  };
}

// ---------------------------------------------------------------------------
// Stream: Anthropic SSE events -> OpenAI chunks
// ---------------------------------------------------------------------------

interface ToolBlockState {
  toolIndex: number;
  argsEmitted: boolean;
}

/**
 * Stateful translator from Anthropic SSE events to OpenAI
 * `chat.completion.chunk` objects. Feed every event to `push` in order.
 *
 * Output: a role chunk on message_start, content/tool-call deltas, one finish
 * chunk (on message_delta, or on message_stop if no message_delta came), and,
 * when `includeUsage`, a final `choices: []` usage chunk on message_stop (all
 * earlier chunks then carry `usage: null`, like OpenAI).
 *
 * An `error` event (or a `data` string that is not JSON) throws
 * UpstreamStreamError. thinking deltas become `reasoning_content` deltas; `ping`, signature/
 * citation deltas and unknown events produce nothing.
 */
export class AnthropicToOpenAIStream {
  private readonly id: string;
  private readonly model: string;
  private readonly includeUsage: boolean;
  private readonly created: number;
  private started = false;
  private finished = false;
  private usageSent = false;
  private stopReason: AnthropicStopReason | null = null;
  private anthropicUsage: AnthropicUsage | null = null;
  private nextToolIndex = 0;
  private readonly toolBlocks = new Map<number, ToolBlockState>();

  constructor(id: string, model: string, includeUsage: boolean, created: number = Math.floor(Date.now() / 1000)) {
    this.id = id;
    this.model = model;
    this.includeUsage = includeUsage;
    this.created = created;
  }

  /** Accumulated usage in OpenAI form, or null if the upstream reported none yet. */
  usage(): OpenAIUsage | null {
    return this.anthropicUsage ? anthropicUsageToOpenAI(this.anthropicUsage) : null;
  }

  /** The Anthropic stop_reason seen so far (null until message_delta). */
  stopReasonSeen(): AnthropicStopReason | null {
    return this.stopReason;
  }

  /**
   * Consume one SSE event. `data` may be the parsed JSON payload or its raw
   * string. Returns the OpenAI chunks to emit (possibly none).
   */
  push(event: { event: string; data: unknown }): OpenAIChatChunk[] {
    let data: unknown = event.data;
    if (typeof data === 'string') {
      const rawText = data;
      if (rawText.trim() === '') return [];
      try {
        data = JSON.parse(rawText);
      } catch {
        throw new UpstreamStreamError('api_error', `malformed upstream stream event: ${rawText.slice(0, 200)}`, 502);
      }
    }
    const ev = (isRecord(data) ? data : {}) as AnthropicStreamEvent | Record<string, unknown>;
    const type = typeof ev.type === 'string' ? ev.type : event.event;
    const out: OpenAIChatChunk[] = [];

    switch (type) {
      case 'message_start': {
        const e = ev as Extract<AnthropicStreamEvent, { type: 'message_start' }>;
        if (isRecord(e.message) && isRecord(e.message.usage)) this.mergeUsage(e.message.usage);
        this.ensureStarted(out);
        break;
      }
      case 'content_block_start': {
        this.ensureStarted(out);
        const e = ev as AnthropicContentBlockStartEvent;
        const block = e.content_block;
        if (!isRecord(block)) break;
        if ((block as { type: string }).type === 'redacted_thinking') {
          const data = (block as { data?: unknown }).data;
          if (typeof data === 'string') out.push(this.chunk({ reasoning_details: [{ type: 'reasoning.encrypted', data, format: ANTHROPIC_REASONING_FORMAT, index: e.index }] }));
        } else if (block.type === 'text') {
          if (typeof block.text === 'string' && block.text !== '') out.push(this.chunk({ content: block.text }));
        } else if (block.type === 'tool_use') {
          const state: ToolBlockState = { toolIndex: this.nextToolIndex++, argsEmitted: false };
          this.toolBlocks.set(e.index, state);
          out.push(
            this.chunk({
              tool_calls: [{ index: state.toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
            }),
          );
          if (isRecord(block.input) && Object.keys(block.input).length > 0) {
            state.argsEmitted = true;
            out.push(this.chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: JSON.stringify(block.input) } }] }));
          }
        }
        break;
      }
      case 'content_block_delta': {
        this.ensureStarted(out);
        const e = ev as Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>;
        const delta = e.delta;
        if (!isRecord(delta)) break;
        if (delta.type === 'text_delta') {
          if (typeof delta.text === 'string' && delta.text !== '') out.push(this.chunk({ content: delta.text }));
        } else if (delta.type === 'thinking_delta') {
          if (typeof delta.thinking === 'string' && delta.thinking !== '') out.push(this.chunk({ reasoning_content: delta.thinking }));
        } else if (delta.type === 'signature_delta') {
          if (typeof delta.signature === 'string' && delta.signature !== '')
            out.push(this.chunk({ reasoning_details: [{ type: 'reasoning.text', text: '', signature: delta.signature, format: ANTHROPIC_REASONING_FORMAT, index: e.index }] }));
        } else if (delta.type === 'input_json_delta') {
          const state = this.toolBlocks.get(e.index);
          if (state && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
            state.argsEmitted = true;
            out.push(this.chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: delta.partial_json } }] }));
          }
        }
        break;
      }
      case 'content_block_stop': {
        const e = ev as Extract<AnthropicStreamEvent, { type: 'content_block_stop' }>;
        const state = this.toolBlocks.get(e.index);
        if (state && !state.argsEmitted) {
          // A tool call without input: emit `{}` so clients can JSON.parse the arguments.
          state.argsEmitted = true;
          out.push(this.chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: '{}' } }] }));
        }
        break;
      }
      case 'message_delta': {
        this.ensureStarted(out);
        const e = ev as Extract<AnthropicStreamEvent, { type: 'message_delta' }>;
        if (isRecord(e.usage)) this.mergeUsage(e.usage);
        if (isRecord(e.delta) && typeof e.delta.stop_reason === 'string') this.stopReason = e.delta.stop_reason;
        if (!this.finished && isRecord(e.delta) && e.delta.stop_reason != null) this.emitFinish(out);
        break;
      }
      case 'message_stop': {
        this.ensureStarted(out);
        if (!this.finished) this.emitFinish(out);
        if (this.includeUsage && !this.usageSent) {
          this.usageSent = true;
          out.push({
            id: this.id,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.model,
            choices: [],
            usage: this.usage() ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          });
        }
        break;
      }
      case 'error': {
        const err = isRecord(ev) && isRecord(ev.error) ? ev.error : {};
        const errType = typeof err.type === 'string' ? err.type : 'api_error';
        const message = typeof err.message === 'string' ? err.message : 'upstream stream error';
        throw new UpstreamStreamError(errType, message, statusForAnthropicErrorType(errType));
      }
      default:
        // ping and unknown events
        break;
    }
    return out;
  }

  private ensureStarted(out: OpenAIChatChunk[]): void {
    if (this.started) return;
    this.started = true;
    out.push(this.chunk({ role: 'assistant', content: '' }));
  }

  private emitFinish(out: OpenAIChatChunk[]): void {
    this.finished = true;
    out.push(this.chunk({}, anthropicStopReasonToOpenAI(this.stopReason)));
  }

  private mergeUsage(u: Record<string, unknown>): void {
    const cur: AnthropicUsage = this.anthropicUsage ?? { input_tokens: 0, output_tokens: 0 };
    if (typeof u.input_tokens === 'number') cur.input_tokens = u.input_tokens;
    if (typeof u.output_tokens === 'number') cur.output_tokens = u.output_tokens;
    if (typeof u.cache_creation_input_tokens === 'number') cur.cache_creation_input_tokens = u.cache_creation_input_tokens;
    if (typeof u.cache_read_input_tokens === 'number') cur.cache_read_input_tokens = u.cache_read_input_tokens;
    this.anthropicUsage = cur;
  }

  private chunk(delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null = null): OpenAIChatChunk {
    const c: OpenAIChatChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (this.includeUsage) c.usage = null;
    return c;
  }
}
