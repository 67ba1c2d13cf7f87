import type { ChatMessage, ContentPart } from '../router/types.ts';
import { badRequest } from './errors.ts';

/** Fields gw reads itself and never forwards upstream (as on /v1/chat/completions). */
const GW_FIELDS = ['prefer_free_tier', 'priority'];

/**
 * A request header policies can test to route Claude's extended thinking (`header x-gw-thinking = "enabled"`): on
 * /v1/messages gw sets it from the body (`"enabled"` when `thinking.type` is anything but "disabled", absent otherwise)
 * and never takes it from the client.
 */
export const THINKING_HEADER = 'x-gw-thinking';

export interface MessagesRequest {
  model: string;
  stream: boolean;
  /** null only for count_tokens, which has no max_tokens */
  maxTokens: number | null;
  preferFreeTier: boolean;
  priority: string | null;
  /** the client asked for extended thinking */
  thinking: boolean;
  /** the conversation as the router sees it: OpenAI-shaped messages holding every text, image, tool call and tool result */
  routeMessages: ChatMessage[];
  tools: unknown[] | null;
  /** what goes upstream: the client's body without gw's own fields */
  upstreamBody: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Check an Anthropic Messages body (`/v1/messages`, or `/v1/messages/count_tokens` with `countOnly`): 400 naming the
 * offending field, Anthropic style (`messages.0.role: …`). Only what gw reads is checked; everything else is the
 * upstream's business (passed through, or refused by the translation for an OpenAI upstream).
 */
export function parseMessagesRequest(body: Record<string, unknown>, opts: { countOnly?: boolean } = {}): MessagesRequest {
  const model = body.model;
  if (model === undefined) throw badRequest('model: Field required', 'missing_required_parameter', 'model');
  if (typeof model !== 'string') throw badRequest('model: Input should be a valid string', 'invalid_type', 'model');
  const messages = body.messages;
  if (messages === undefined) throw badRequest('messages: Field required', 'missing_required_parameter', 'messages');
  if (!Array.isArray(messages)) throw badRequest('messages: Input should be a valid list', 'invalid_type', 'messages');
  if (messages.length === 0) throw badRequest('messages: at least one message is required', 'invalid_value', 'messages');
  messages.forEach((m, i) => {
    if (!isObject(m)) throw badRequest(`messages.${i}: Input should be a valid dictionary`, 'invalid_type', `messages.${i}`);
    // "system": Anthropic's mid-conversation system message (Claude Code sends one); its placement is the upstream's rule
    if (m.role === undefined) throw badRequest(`messages.${i}.role: Field required`, 'missing_required_parameter', `messages.${i}.role`);
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system')
      throw badRequest(`messages: Unexpected role ${JSON.stringify(String(m.role))}. Allowed roles are "user", "assistant" or "system".`, 'invalid_value', `messages.${i}.role`);
    const c = m.content;
    if (c === undefined) throw badRequest(`messages.${i}.content: Field required`, 'missing_required_parameter', `messages.${i}.content`);
    if (typeof c !== 'string' && !Array.isArray(c)) throw badRequest(`messages.${i}.content: Input should be a valid string or a valid list`, 'invalid_type', `messages.${i}.content`);
    if (Array.isArray(c))
      c.forEach((b, j) => {
        if (!isObject(b) || typeof b.type !== 'string') throw badRequest(`messages.${i}.content.${j}.type: Field required`, 'invalid_type', `messages.${i}.content.${j}`);
      });
  });
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== 'string') {
    if (!Array.isArray(system)) throw badRequest('system: Input should be a valid string or a valid list', 'invalid_type', 'system');
    system.forEach((b, j) => {
      if (!isObject(b) || b.type !== 'text') throw badRequest(`system.${j}.type: Input should be 'text'`, 'invalid_type', `system.${j}`);
      if (typeof b.text !== 'string') throw badRequest(`system.${j}.text: Field required`, 'invalid_type', `system.${j}`);
    });
  }
  let maxTokens: number | null = null;
  if (!opts.countOnly) {
    const mt = body.max_tokens;
    if (mt === undefined) throw badRequest('max_tokens: Field required', 'missing_required_parameter', 'max_tokens');
    if (typeof mt !== 'number' || !Number.isInteger(mt)) throw badRequest('max_tokens: Input should be a valid integer', 'invalid_type', 'max_tokens');
    if (mt < 1) throw badRequest('max_tokens: Input should be greater than or equal to 1', 'invalid_value', 'max_tokens');
    maxTokens = mt;
  }
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw badRequest('stream: Input should be a valid boolean', 'invalid_type', 'stream');
  const tools = body.tools ?? null;
  if (tools !== null && !Array.isArray(tools)) throw badRequest('tools: Input should be a valid list', 'invalid_type', 'tools');
  for (const k of ['temperature', 'top_p', 'top_k'])
    if (body[k] !== undefined && body[k] !== null && typeof body[k] !== 'number') throw badRequest(`${k}: Input should be a valid number`, 'invalid_type', k);
  const prefer = body.prefer_free_tier ?? false;
  if (typeof prefer !== 'boolean') throw badRequest('prefer_free_tier: Input should be a valid boolean', 'invalid_type', 'prefer_free_tier');
  const priority = body.priority ?? null;
  if (priority !== null && typeof priority !== 'string') throw badRequest('priority: must be a string such as "quality"', 'invalid_type', 'priority');
  const upstreamBody: Record<string, unknown> = { ...body };
  for (const k of GW_FIELDS) delete upstreamBody[k];
  const thinking = isObject(body.thinking) && typeof body.thinking.type === 'string' && body.thinking.type !== 'disabled';
  return {
    model,
    stream: opts.countOnly ? false : stream,
    maxTokens,
    preferFreeTier: prefer,
    priority,
    thinking,
    routeMessages: routeMessages(system, messages as Record<string, unknown>[]),
    tools,
    upstreamBody,
  };
}

/**
 * The request as OpenAI-shaped messages for the router (conditions, token estimate) and the PII scan. Unlike
 * `toOpenAIRequest` this never throws: blocks an OpenAI upstream cannot take (server tools and their results, URL
 * documents, …) still route, to an Anthropic upstream. Text goes in as text parts (system, text blocks, tool results,
 * plain-text documents), tool_use inputs as tool-call arguments, images as image parts; thinking is left out.
 */
export function routeMessages(system: unknown, messages: readonly Record<string, unknown>[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (typeof system === 'string') {
    if (system !== '') out.push({ role: 'system', content: system });
  } else if (Array.isArray(system)) {
    const parts: ContentPart[] = [];
    for (const b of system) if (isObject(b) && typeof b.text === 'string' && b.text !== '') parts.push({ type: 'text', text: b.text });
    if (parts.length) out.push({ role: 'system', content: parts });
  }
  for (const m of messages) {
    const role = String(m.role);
    if (typeof m.content === 'string') {
      out.push({ role, content: m.content });
      continue;
    }
    const parts: ContentPart[] = [];
    const toolCalls: NonNullable<ChatMessage['tool_calls']> = [];
    for (const b of (m.content as unknown[]) ?? []) collect(b, parts, toolCalls);
    const msg: ChatMessage = { role, content: parts };
    if (toolCalls.length) msg.tool_calls = toolCalls;
    out.push(msg);
  }
  return out;
}

function collect(b: unknown, parts: ContentPart[], toolCalls: NonNullable<ChatMessage['tool_calls']>): void {
  if (!isObject(b)) return;
  switch (b.type) {
    case 'text':
      if (typeof b.text === 'string' && b.text !== '') parts.push({ type: 'text', text: b.text });
      return;
    case 'image':
      parts.push({ type: 'image' });
      return;
    case 'document':
      if (isObject(b.source) && b.source.type === 'text' && typeof b.source.data === 'string') parts.push({ type: 'text', text: b.source.data });
      return;
    case 'tool_use':
    case 'server_tool_use':
      toolCalls.push({ function: { name: typeof b.name === 'string' ? b.name : '', arguments: JSON.stringify(b.input ?? {}) } });
      return;
    default:
      // tool_result, and server tools' results (web_search_tool_result, …): their text and images count
      if (typeof b.type === 'string' && b.type.endsWith('tool_result')) {
        if (typeof b.content === 'string') {
          if (b.content !== '') parts.push({ type: 'text', text: b.content });
        } else if (Array.isArray(b.content)) for (const c of b.content) collect(c, parts, toolCalls);
      }
  }
}
