/**
 * Minimal but accurate types for the Anthropic Messages wire format
 * (`POST /v1/messages`). Only the fields gw reads or writes are modelled;
 * everything here is plain JSON.
 */

// ---------------------------------------------------------------------------
// Content blocks
// ---------------------------------------------------------------------------

export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl | null;
  /** Present on responses when citations are enabled; not modelled further. */
  citations?: unknown[] | null;
}

export interface AnthropicBase64ImageSource {
  type: 'base64';
  /** image/jpeg, image/png, image/gif or image/webp. */
  media_type: string;
  data: string;
}

export interface AnthropicUrlImageSource {
  type: 'url';
  url: string;
}

export type AnthropicImageSource = AnthropicBase64ImageSource | AnthropicUrlImageSource;

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicImageSource;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicBase64PdfSource {
  type: 'base64';
  media_type: 'application/pdf';
  data: string;
}

export interface AnthropicPlainTextSource {
  type: 'text';
  media_type: 'text/plain';
  data: string;
}

export interface AnthropicUrlPdfSource {
  type: 'url';
  url: string;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: AnthropicBase64PdfSource | AnthropicPlainTextSource | AnthropicUrlPdfSource;
  title?: string | null;
  context?: string | null;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  /** Always a JSON object. */
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
  is_error?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** Blocks a client may send in `messages[].content`. */
export type AnthropicRequestContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

/** Blocks the API returns in `content`. */
export type AnthropicResponseContentBlock =
  | AnthropicTextBlock
  | AnthropicToolUseBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

// ---------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------

export interface AnthropicMessageParam {
  /** "system": a mid-conversation system message (text only), as Claude Code sends */
  role: 'user' | 'assistant' | 'system';
  content: string | AnthropicRequestContentBlock[];
}

export interface AnthropicInputSchema {
  type: 'object';
  properties?: Record<string, unknown> | null;
  required?: string[] | null;
  [key: string]: unknown;
}

export interface AnthropicTool {
  /** Omitted or 'custom' for client tools; server tools (web search, ...) are not modelled. */
  type?: 'custom';
  name: string;
  description?: string;
  input_schema: AnthropicInputSchema;
  cache_control?: AnthropicCacheControl | null;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export type AnthropicThinkingConfig = { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };

export interface AnthropicMessagesRequest {
  model: string;
  messages: AnthropicMessageParam[];
  /** Required by the API. */
  max_tokens: number;
  system?: string | AnthropicTextBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string | null };
  thinking?: AnthropicThinkingConfig;
}

// ---------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  service_tier?: string | null;
  /** with the thinking-token-count beta: the output tokens spent thinking */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  content: AnthropicResponseContentBlock[];
  model: string;
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ---------------------------------------------------------------------------
// Streaming (SSE: `event: <type>` + `data: <json with the same type>`)
// ---------------------------------------------------------------------------

export interface AnthropicMessageStartEvent {
  type: 'message_start';
  /** content is empty, stop_reason null, usage partial. */
  message: AnthropicMessage;
}

export interface AnthropicContentBlockStartEvent {
  type: 'content_block_start';
  index: number;
  content_block: AnthropicResponseContentBlock;
}

export interface AnthropicTextDelta {
  type: 'text_delta';
  text: string;
}

export interface AnthropicInputJsonDelta {
  type: 'input_json_delta';
  partial_json: string;
}

export interface AnthropicThinkingDelta {
  type: 'thinking_delta';
  thinking: string;
}

export interface AnthropicSignatureDelta {
  type: 'signature_delta';
  signature: string;
}

export interface AnthropicCitationsDelta {
  type: 'citations_delta';
  citation: unknown;
}

export type AnthropicContentDelta =
  | AnthropicTextDelta
  | AnthropicInputJsonDelta
  | AnthropicThinkingDelta
  | AnthropicSignatureDelta
  | AnthropicCitationsDelta;

export interface AnthropicContentBlockDeltaEvent {
  type: 'content_block_delta';
  index: number;
  delta: AnthropicContentDelta;
}

export interface AnthropicContentBlockStopEvent {
  type: 'content_block_stop';
  index: number;
}

/** Usage on `message_delta` is cumulative; `output_tokens` is always present. */
export interface AnthropicMessageDeltaUsage {
  output_tokens: number;
  input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface AnthropicMessageDeltaEvent {
  type: 'message_delta';
  delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
  usage: AnthropicMessageDeltaUsage;
}

export interface AnthropicMessageStopEvent {
  type: 'message_stop';
}

export interface AnthropicPingEvent {
  type: 'ping';
}

export interface AnthropicErrorEvent {
  type: 'error';
  error: AnthropicErrorDetail;
}

export type AnthropicStreamEvent =
  | AnthropicMessageStartEvent
  | AnthropicContentBlockStartEvent
  | AnthropicContentBlockDeltaEvent
  | AnthropicContentBlockStopEvent
  | AnthropicMessageDeltaEvent
  | AnthropicMessageStopEvent
  | AnthropicPingEvent
  | AnthropicErrorEvent;

export type AnthropicStreamEventType = AnthropicStreamEvent['type'];

/** One SSE event: `event` is the SSE event name, `data` the JSON payload (same `type`). */
export interface AnthropicSSEEvent {
  event: AnthropicStreamEventType;
  data: AnthropicStreamEvent;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

export interface AnthropicErrorDetail {
  /** One of AnthropicErrorType in practice; kept open for forward compatibility. */
  type: AnthropicErrorType | (string & {});
  message: string;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: AnthropicErrorDetail;
  request_id?: string;
}
