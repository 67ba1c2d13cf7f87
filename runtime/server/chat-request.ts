import type { ChatMessage, RouteRequest } from '../router/types.ts';
import { badRequest } from './errors.ts';
import { sessionKeyOf } from '../router/session-key.ts';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
/** Fields gw reads itself and never forwards upstream. */
const GW_FIELDS = ['prefer_free_tier', 'priority'];

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools: unknown[] | null;
  stream: boolean;
  clientWantsUsage: boolean;
  maxTokens: number | null;
  preferFreeTier: boolean;
  priority: string | null;
  /** what goes upstream: the client's body without gw's own fields */
  upstreamBody: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Check an OpenAI chat completions body: 400 with the offending `param` for anything missing or ill-typed. */
export function parseChatRequest(body: Record<string, unknown>): ChatRequest {
  const model = body.model;
  if (model === undefined) throw badRequest('you must provide a model: "auto" routes by policy', 'missing_required_parameter', 'model');
  if (typeof model !== 'string') throw badRequest('model must be a string', 'invalid_type', 'model');
  const messages = body.messages;
  if (messages === undefined) throw badRequest('you must provide messages', 'missing_required_parameter', 'messages');
  if (!Array.isArray(messages)) throw badRequest('messages must be an array', 'invalid_type', 'messages');
  if (messages.length === 0) throw badRequest('messages must not be empty', 'invalid_value', 'messages');
  messages.forEach((m, i) => {
    if (!isObject(m)) throw badRequest(`messages[${i}] must be an object`, 'invalid_type', `messages[${i}]`);
    if (typeof m.role !== 'string' || !ROLES.has(m.role))
      throw badRequest(`messages[${i}].role must be one of ${[...ROLES].join(', ')}`, 'invalid_value', `messages[${i}].role`);
    const c = m.content;
    if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c))
      throw badRequest(`messages[${i}].content must be a string or an array of parts`, 'invalid_type', `messages[${i}].content`);
    if (Array.isArray(c))
      c.forEach((p, j) => {
        if (!isObject(p) || typeof p.type !== 'string')
          throw badRequest(`messages[${i}].content[${j}] must be an object with a type`, 'invalid_type', `messages[${i}].content[${j}]`);
      });
  });
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw badRequest('stream must be a boolean', 'invalid_type', 'stream');
  const tools = body.tools ?? null;
  if (tools !== null && !Array.isArray(tools)) throw badRequest('tools must be an array', 'invalid_type', 'tools');
  const maxRaw = body.max_completion_tokens ?? body.max_tokens ?? null;
  if (maxRaw !== null && (typeof maxRaw !== 'number' || !Number.isInteger(maxRaw) || maxRaw < 1))
    throw badRequest('max_tokens must be a positive integer', 'invalid_value', body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens');
  for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'])
    if (body[k] !== undefined && body[k] !== null && typeof body[k] !== 'number') throw badRequest(`${k} must be a number`, 'invalid_type', k);
  const prefer = body.prefer_free_tier ?? false;
  if (typeof prefer !== 'boolean') throw badRequest('prefer_free_tier must be a boolean', 'invalid_type', 'prefer_free_tier');
  const priority = body.priority ?? null;
  if (priority !== null && typeof priority !== 'string') throw badRequest('priority must be a string such as "quality"', 'invalid_type', 'priority');
  const so = body.stream_options;
  if (so !== undefined && so !== null && !isObject(so)) throw badRequest('stream_options must be an object', 'invalid_type', 'stream_options');
  const upstreamBody: Record<string, unknown> = { ...body };
  for (const k of GW_FIELDS) delete upstreamBody[k];
  return {
    model,
    messages: messages as ChatMessage[],
    tools,
    stream,
    clientWantsUsage: stream && isObject(so) && so.include_usage === true,
    maxTokens: maxRaw as number | null,
    preferFreeTier: prefer,
    priority,
    upstreamBody,
  };
}

/** What the router sees of a chat completions request (the route and `gw replay` build it the same way). */
export function chatRouteRequest(chat: ChatRequest, headers: Readonly<Record<string, string | undefined>>, pii: RouteRequest['pii']): RouteRequest {
  return {
    model: chat.model,
    messages: chat.messages,
    tools: chat.tools,
    headers,
    preferFreeTier: chat.preferFreeTier,
    priority: chat.priority,
    maxTokens: chat.maxTokens,
    session: sessionKeyOf(headers, chat.upstreamBody, chat.messages),
    pii,
  };
}
