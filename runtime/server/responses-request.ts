import type { ChatMessage, RouteRequest } from '../router/types.ts';
import { chatMessagesOf, builtinTools } from '../protocols/responses-to-chat.ts';
import { newId } from '../protocols/chat-to-responses.ts';
import type { ResponsesInputItem } from '../protocols/responses-types.ts';
import { sessionKeyOf } from '../router/session-key.ts';
import { badRequest } from './errors.ts';

/** Fields gw reads itself and never forwards upstream. */
const GW_FIELDS = ['prefer_free_tier', 'priority'];

export interface ResponsesRequestParsed {
  model: string;
  stream: boolean;
  /** keep the response for GET /v1/responses/{id} and previous_response_id (default true, as OpenAI's) */
  store: boolean;
  previousId: string | null;
  /** the request's own input as items (a string input is one user message), each with an id */
  items: Record<string, unknown>[];
  tools: unknown[] | null;
  builtinTools: string[];
  maxTokens: number | null;
  preferFreeTier: boolean;
  priority: string | null;
  /** what goes upstream: the client's body without gw's own fields (previous_response_id is expanded by the route) */
  upstreamBody: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const TOOL_CHOICES = new Set(['auto', 'none', 'required']);
const FORMATS = new Set(['text', 'json_object', 'json_schema']);

const ID_PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', custom_tool_call: 'ctc', custom_tool_call_output: 'ctco', reasoning: 'rs' };

/** Items as stored and listed by /input_items: a string input becomes a user message; every item gets an id. */
export function normaliseItems(input: unknown): Record<string, unknown>[] {
  if (typeof input === 'string') return [{ type: 'message', id: newId('msg'), role: 'user', content: [{ type: 'input_text', text: input }] }];
  if (!Array.isArray(input)) return [];
  return input.map((it: Record<string, unknown>) => {
    const type = typeof it.type === 'string' ? it.type : 'message';
    const out: Record<string, unknown> = { ...it, type };
    if (type === 'message' && typeof it.content === 'string') out.content = [{ type: it.role === 'assistant' ? 'output_text' : 'input_text', text: it.content, ...(it.role === 'assistant' ? { annotations: [] } : {}) }];
    if (typeof out.id !== 'string') out.id = newId(ID_PREFIX[type] ?? 'item');
    return out;
  });
}

/** Check a Responses body: 400 with the offending `param` for anything missing or ill-typed. */
export function parseResponsesRequest(body: Record<string, unknown>): ResponsesRequestParsed {
  const model = body.model;
  if (model === undefined) throw badRequest('you must provide a model: "auto" routes by policy', 'missing_required_parameter', 'model');
  if (typeof model !== 'string') throw badRequest('model must be a string', 'invalid_type', 'model');
  const prev = body.previous_response_id ?? null;
  if (prev !== null && (typeof prev !== 'string' || prev === '')) throw badRequest('previous_response_id must be a response id', 'invalid_type', 'previous_response_id');
  const input = body.input;
  if (input === undefined && prev === null) throw badRequest('you must provide input', 'missing_required_parameter', 'input');
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) throw badRequest('input must be a string or an array of items', 'invalid_type', 'input');
  if (Array.isArray(input))
    input.forEach((it, i) => {
      if (!isObject(it)) throw badRequest(`input[${i}] must be an object`, 'invalid_type', `input[${i}]`);
      if (it.type !== undefined && typeof it.type !== 'string') throw badRequest(`input[${i}].type must be a string`, 'invalid_type', `input[${i}].type`);
      const type = it.type ?? 'message';
      if (type === 'message') {
        if (!['user', 'assistant', 'system', 'developer'].includes(it.role as string))
          throw badRequest(`input[${i}].role must be one of user, assistant, system, developer`, 'invalid_value', `input[${i}].role`);
        if (typeof it.content !== 'string' && !Array.isArray(it.content)) throw badRequest(`input[${i}].content must be a string or an array of parts`, 'invalid_type', `input[${i}].content`);
        if (Array.isArray(it.content))
          it.content.forEach((p, j) => {
            if (!isObject(p) || typeof p.type !== 'string') throw badRequest(`input[${i}].content[${j}] must be an object with a type`, 'invalid_type', `input[${i}].content[${j}]`);
          });
      } else if (type === 'function_call' || type === 'function_call_output' || type === 'custom_tool_call' || type === 'custom_tool_call_output') {
        if (typeof it.call_id !== 'string') throw badRequest(`input[${i}].call_id must be a string`, 'invalid_type', `input[${i}].call_id`);
        if (type === 'function_call' && (typeof it.name !== 'string' || typeof it.arguments !== 'string'))
          throw badRequest(`input[${i}]: a function_call needs name and arguments (a JSON string)`, 'invalid_type', `input[${i}]`);
        if (type.endsWith('_output') && typeof it.output !== 'string' && !Array.isArray(it.output))
          throw badRequest(`input[${i}].output must be a string or an array of parts`, 'invalid_type', `input[${i}].output`);
      }
    });
  const instructions = body.instructions ?? null;
  if (instructions !== null && typeof instructions !== 'string') throw badRequest('instructions must be a string', 'invalid_type', 'instructions');
  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw badRequest('stream must be a boolean', 'invalid_type', 'stream');
  const store = body.store ?? true;
  if (typeof store !== 'boolean') throw badRequest('store must be a boolean', 'invalid_type', 'store');
  const tools = body.tools ?? null;
  if (tools !== null && !Array.isArray(tools)) throw badRequest('tools must be an array', 'invalid_type', 'tools');
  (tools ?? []).forEach((t, i) => {
    if (!isObject(t) || typeof t.type !== 'string') throw badRequest(`tools[${i}] must be an object with a type`, 'invalid_type', `tools[${i}]`);
    if ((t.type === 'function' || t.type === 'custom' || t.type === 'namespace') && typeof t.name !== 'string') throw badRequest(`tools[${i}].name must be a string`, 'missing_required_parameter', `tools[${i}].name`);
  });
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null && !(typeof choice === 'string' && TOOL_CHOICES.has(choice)) && !(isObject(choice) && typeof choice.type === 'string'))
    throw badRequest('tool_choice must be "auto", "none", "required" or an object with a type', 'invalid_value', 'tool_choice');
  const max = body.max_output_tokens ?? null;
  if (max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) throw badRequest('max_output_tokens must be a positive integer', 'invalid_value', 'max_output_tokens');
  for (const k of ['temperature', 'top_p']) if (body[k] !== undefined && body[k] !== null && typeof body[k] !== 'number') throw badRequest(`${k} must be a number`, 'invalid_type', k);
  if (body.parallel_tool_calls !== undefined && body.parallel_tool_calls !== null && typeof body.parallel_tool_calls !== 'boolean')
    throw badRequest('parallel_tool_calls must be a boolean', 'invalid_type', 'parallel_tool_calls');
  for (const k of ['reasoning', 'text', 'metadata']) if (body[k] !== undefined && body[k] !== null && !isObject(body[k])) throw badRequest(`${k} must be an object`, 'invalid_type', k);
  const format = isObject(body.text) ? body.text.format : undefined;
  if (format !== undefined && format !== null) {
    if (!isObject(format) || !FORMATS.has(format.type as string)) throw badRequest('text.format.type must be text, json_object or json_schema', 'invalid_value', 'text.format.type');
    if (format.type === 'json_schema' && (typeof format.name !== 'string' || !isObject(format.schema)))
      throw badRequest('a json_schema text.format needs a name and a schema object', 'missing_required_parameter', 'text.format');
  }
  if (body.include !== undefined && body.include !== null && !Array.isArray(body.include)) throw badRequest('include must be an array', 'invalid_type', 'include');
  const prefer = body.prefer_free_tier ?? false;
  if (typeof prefer !== 'boolean') throw badRequest('prefer_free_tier must be a boolean', 'invalid_type', 'prefer_free_tier');
  const priority = body.priority ?? null;
  if (priority !== null && typeof priority !== 'string') throw badRequest('priority must be a string such as "quality"', 'invalid_type', 'priority');
  const upstreamBody: Record<string, unknown> = { ...body };
  for (const k of GW_FIELDS) delete upstreamBody[k];
  return {
    model,
    stream,
    store,
    previousId: prev as string | null,
    items: input === undefined ? [] : normaliseItems(input),
    tools,
    builtinTools: builtinTools(tools, choice),
    maxTokens: max as number | null,
    preferFreeTier: prefer,
    priority,
    upstreamBody,
  };
}

function stringsOf(v: unknown, out: string[], depth = 0): void {
  if (depth > 8) return;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out, depth + 1);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) if (k !== 'role' && k !== 'status' && k !== 'image_url' && k !== 'file_data' && k !== 'id' && k !== 'call_id' && k !== 'type' && k !== 'encrypted_content') stringsOf(x, out, depth + 1);
}

/**
 * The conversation as the router sees it (scenario text, token count, images, personal data): the chat translation,
 * or — for items only a native upstream knows — every text the items hold.
 */
export function routeMessagesOf(instructions: unknown, input: string | readonly ResponsesInputItem[] | undefined): ChatMessage[] {
  try {
    return chatMessagesOf(typeof instructions === 'string' ? instructions : null, input) as ChatMessage[];
  } catch {
    const messages: ChatMessage[] = typeof instructions === 'string' && instructions ? [{ role: 'system', content: instructions }] : [];
    for (const it of typeof input === 'string' ? [{ role: 'user', content: input }] : (input ?? [])) {
      const texts: string[] = [];
      stringsOf(it, texts);
      messages.push({ role: (it as { role?: string }).role === 'assistant' ? 'assistant' : 'user', content: texts.join('\n') });
    }
    return messages;
  }
}

/** What the router sees of a Responses request (the route and `gw replay` build it the same way). */
export function responsesRouteRequest(
  r: ResponsesRequestParsed,
  messages: ChatMessage[],
  headers: Readonly<Record<string, string | undefined>>,
  pii: RouteRequest['pii'],
): RouteRequest {
  return {
    model: r.model,
    messages,
    tools: r.tools,
    headers,
    preferFreeTier: r.preferFreeTier,
    priority: r.priority,
    maxTokens: r.maxTokens,
    builtinTools: r.builtinTools,
    session: sessionKeyOf(headers, r.upstreamBody, messages),
    pii,
  };
}
