import type { OpenAIChatRequest, OpenAIMessage, OpenAITool, OpenAIToolChoice, OpenAIUserContentPart, ReasoningDetail } from './openai-types.ts';
import { detailOf, reasoningText } from './reasoning-items.ts';
import { isRecord, ProtocolTranslationError } from './openai-to-anthropic.ts';
import type { ResponsesContentPart, ResponsesInputItem, ResponsesRequest, ResponsesTool, ResponsesToolChoice } from './responses-types.ts';

/**
 * A Responses request → an OpenAI chat completions request, for the upstreams that speak chat only (and, through the
 * Anthropic adapter's own translation, Anthropic Messages upstreams):
 *
 * - `instructions` → the first system message; `developer` and `system` items → system messages;
 * - `message` items → messages (`input_text`/`output_text` → text, `input_image` → `image_url`, `input_file` → `file`);
 * - `function_call` items → the assistant message's `tool_calls` (consecutive calls share one message);
 * - `function_call_output` → `tool` messages (images in a tool's output follow the tool results as a user message);
 * - function tools as they are; a `namespace` tool's functions as `<namespace>__<name>`; a `custom` (free-form) tool as
 *   a function taking `{input: string}`; `reasoning` items go back as the next assistant message's
 *   `reasoning_content` to a model that takes it (`can reasoning`), and Anthropic's signed thinking (gw's
 *   `encrypted_content`, reasoning-items.ts) as its `reasoning_details` to an Anthropic upstream; otherwise dropped;
 * - `text.format` → `response_format`, `max_output_tokens` → `max_tokens`, `reasoning.effort` → `reasoning_effort`.
 *
 * Built-in tools (`web_search`, `file_search`, …) have no chat form: the router keeps requests with them on upstreams
 * that speak Responses natively, so here they are an error.
 */

/** Tool types a chat upstream can serve (after translation). Every other tool type runs only on a native upstream. */
const TRANSLATABLE_TOOLS = new Set(['function', 'namespace', 'custom']);

/** The built-in tool types of a request (the ones only a native Responses upstream can run), de-duplicated. */
export function builtinTools(tools: readonly unknown[] | null | undefined, toolChoice?: unknown): string[] {
  const out = new Set<string>();
  for (const t of tools ?? []) if (isRecord(t) && typeof t.type === 'string' && !TRANSLATABLE_TOOLS.has(t.type)) out.add(t.type);
  if (isRecord(toolChoice) && typeof toolChoice.type === 'string' && !['function', 'custom', 'allowed_tools'].includes(toolChoice.type)) out.add(toolChoice.type);
  return [...out];
}

/** What a chat tool name stands for on the Responses side. */
export interface ToolName {
  name: string;
  namespace?: string;
  /** a free-form `custom` tool: its call carries `input`, not `arguments` */
  custom: boolean;
}
export type ToolNames = Map<string, ToolName>;

const NAMESPACE_SEP = '__';

/** The chat names of a request's tools, and what each stands for. */
export function toolNamesOf(tools: readonly ResponsesTool[] | null | undefined): ToolNames {
  const names: ToolNames = new Map();
  for (const t of tools ?? []) {
    if (!isRecord(t)) continue;
    if (t.type === 'function' && typeof t.name === 'string') names.set(t.name, { name: t.name, custom: false });
    else if (t.type === 'custom' && typeof t.name === 'string') names.set(t.name, { name: t.name, custom: true });
    else if (t.type === 'namespace' && typeof t.name === 'string' && Array.isArray(t.tools))
      for (const f of t.tools) if (isRecord(f) && typeof f.name === 'string') names.set(`${t.name}${NAMESPACE_SEP}${f.name}`, { name: f.name, namespace: t.name, custom: f.type === 'custom' });
  }
  return names;
}

function chatName(name: string, namespace: unknown): string {
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}${NAMESPACE_SEP}${name}` : name;
}

const EMPTY_PARAMETERS = { type: 'object', properties: {} };

function functionTool(name: string, t: Record<string, unknown>): OpenAITool {
  const fn: OpenAITool['function'] = { name, parameters: isRecord(t.parameters) ? t.parameters : EMPTY_PARAMETERS };
  if (typeof t.description === 'string') fn.description = t.description;
  if (typeof t.strict === 'boolean') fn.strict = t.strict;
  return { type: 'function', function: fn };
}

function customTool(name: string, t: Record<string, unknown>): OpenAITool {
  const format = isRecord(t.format) && t.format.type === 'grammar' && typeof t.format.definition === 'string' ? `\nThe input must follow this ${String(t.format.syntax)} grammar:\n${t.format.definition}` : '';
  return {
    type: 'function',
    function: {
      name,
      description: `${typeof t.description === 'string' ? t.description : ''}${format}`,
      parameters: { type: 'object', properties: { input: { type: 'string', description: 'the raw input of the tool' } }, required: ['input'] },
    },
  };
}

function chatTools(tools: readonly ResponsesTool[]): OpenAITool[] {
  const out: OpenAITool[] = [];
  tools.forEach((t, i) => {
    if (!isRecord(t)) throw new ProtocolTranslationError(`tools[${i}] must be an object`);
    if (t.type === 'function') out.push(functionTool(String(t.name), t));
    else if (t.type === 'custom') out.push(customTool(String(t.name), t));
    else if (t.type === 'namespace' && Array.isArray(t.tools)) {
      for (const f of t.tools) if (isRecord(f)) out.push(f.type === 'custom' ? customTool(chatName(String(f.name), t.name), f) : functionTool(chatName(String(f.name), t.name), f));
    } else throw new ProtocolTranslationError(`tools[${i}]: the built-in tool "${String(t.type)}" runs only on an upstream that speaks the Responses API natively`);
  });
  return out;
}

function chatToolChoice(c: ResponsesToolChoice): OpenAIToolChoice | undefined {
  if (c === 'auto' || c === 'none' || c === 'required') return c;
  if (!isRecord(c)) return undefined;
  if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') return { type: 'function', function: { name: chatName(c.name, (c as { namespace?: unknown }).namespace) } };
  if (c.type === 'allowed_tools') return c.mode === 'required' ? 'required' : 'auto';
  throw new ProtocolTranslationError(`tool_choice "${String(c.type)}" runs only on an upstream that speaks the Responses API natively`);
}

function textOf(parts: readonly ResponsesContentPart[]): string | null {
  let text = '';
  for (const p of parts) {
    if (p.type === 'input_text' || p.type === 'output_text') text += (text ? '\n\n' : '') + p.text;
    else if (p.type === 'refusal') text += (text ? '\n\n' : '') + p.refusal;
    else return null;
  }
  return text;
}

function userPart(p: ResponsesContentPart, where: string): OpenAIUserContentPart {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: p.text };
    case 'refusal':
      return { type: 'text', text: p.refusal };
    case 'input_image': {
      if (typeof p.image_url !== 'string' || p.image_url === '')
        throw new ProtocolTranslationError(`${where}: an input_image needs an image_url (http(s) or data: URL) for this upstream; file_id images need an upstream that speaks Responses natively`);
      const detail = p.detail === 'low' || p.detail === 'high' || p.detail === 'auto' ? p.detail : undefined;
      return { type: 'image_url', image_url: detail ? { url: p.image_url, detail } : { url: p.image_url } };
    }
    case 'input_file': {
      const file: { file_data?: string; file_id?: string; filename?: string } = {};
      if (typeof p.file_data === 'string') file.file_data = p.file_data;
      if (typeof p.file_id === 'string') file.file_id = p.file_id;
      if (typeof p.filename === 'string') file.filename = p.filename;
      if (!file.file_data && !file.file_id) throw new ProtocolTranslationError(`${where}: an input_file needs file_data or file_id for this upstream (file_url needs a native Responses upstream)`);
      return { type: 'file', file };
    }
    default:
      throw new ProtocolTranslationError(`${where}: unknown content part type "${String((p as { type?: unknown }).type)}"`);
  }
}

function partsOf(content: unknown, where: string): ResponsesContentPart[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) throw new ProtocolTranslationError(`${where}.content must be a string or an array of parts`);
  return content as ResponsesContentPart[];
}

/** The conversation: `instructions` then the input items, as chat messages. */
/** What the upstream takes back of earlier reasoning (see the module comment); default: nothing. */
export interface ReasoningBack {
  /** reasoning_content on assistant messages (DeepSeek, Kimi, Qwen, GLM thinking models) */
  content?: boolean;
  /** Anthropic's signed thinking as reasoning_details */
  signed?: boolean;
}

export function chatMessagesOf(instructions: string | null | undefined, input: string | readonly ResponsesInputItem[] | undefined, back: ReasoningBack = {}): OpenAIMessage[] {
  const messages: OpenAIMessage[] = [];
  // reasoning items wait for the assistant message they belong to (the next message or function call)
  let reasoning: { text: string; details: ReasoningDetail[] } | null = null;
  const assistant = (m: OpenAIMessage): OpenAIMessage => {
    if (!reasoning) return m;
    const a = m as Extract<OpenAIMessage, { role: 'assistant' }>;
    if (back.content && reasoning.text) a.reasoning_content = reasoning.text;
    if (back.signed && reasoning.details.length) a.reasoning_details = reasoning.details;
    reasoning = null;
    return a;
  };
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
    return messages;
  }
  // images in tool outputs: a tool message holds text only, so they follow the run of tool results
  let pendingImages: OpenAIUserContentPart[] = [];
  const flush = () => {
    if (pendingImages.length) messages.push({ role: 'user', content: pendingImages });
    pendingImages = [];
  };
  const toolCallHolder = () => {
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant' && !reasoning) return last;
    const m = assistant({ role: 'assistant', content: null });
    messages.push(m);
    return m;
  };
  (input ?? []).forEach((item, i) => {
    const where = `input[${i}]`;
    if (!isRecord(item)) throw new ProtocolTranslationError(`${where} must be an object`);
    const type = item.type ?? 'message';
    if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const parts = typeof item.output === 'string' ? null : partsOf(item.output, where);
      let text = typeof item.output === 'string' ? item.output : '';
      if (parts) {
        const texts: string[] = [];
        for (const p of parts) {
          if (p.type === 'input_image') pendingImages.push(userPart(p, where));
          else if (p.type === 'input_file') pendingImages.push(userPart(p, where));
          else texts.push(p.type === 'refusal' ? p.refusal : (p as { text: string }).text);
        }
        text = texts.join('\n\n');
      }
      messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: text });
      return;
    }
    flush();
    if (type === 'message') {
      const role = item.role;
      const parts = partsOf(item.content, where);
      if (role === 'system' || role === 'developer') {
        const text = textOf(parts);
        if (text === null) throw new ProtocolTranslationError(`${where}: a ${role} message holds text only`);
        messages.push({ role: 'system', content: text });
      } else if (role === 'assistant') {
        const text = textOf(parts);
        if (text === null) throw new ProtocolTranslationError(`${where}: an assistant message holds text only`);
        messages.push(assistant({ role: 'assistant', content: text }));
      } else if (role === 'user') {
        reasoning = null;
        const text = textOf(parts);
        messages.push({ role: 'user', content: text ?? parts.map((p, j) => userPart(p, `${where}.content[${j}]`)) });
      } else throw new ProtocolTranslationError(`${where}.role must be user, assistant, system or developer`);
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      const holder = toolCallHolder() as Extract<OpenAIMessage, { role: 'assistant' }>;
      const name = chatName(String(item.name), item.namespace);
      const args = type === 'function_call' ? String(item.arguments ?? '') : JSON.stringify({ input: String(item.input ?? '') });
      (holder.tool_calls ??= []).push({ id: String(item.call_id), type: 'function', function: { name, arguments: args } });
    } else if (type === 'reasoning') {
      const text = reasoningText(item);
      const detail = detailOf(item, text);
      reasoning ??= { text: '', details: [] };
      if (text) reasoning.text = reasoning.text ? `${reasoning.text}\n\n${text}` : text;
      if (detail) reasoning.details.push(detail);
    } else if (type === 'item_reference') {
      throw new ProtocolTranslationError(`${where}: item_reference needs an upstream that speaks Responses natively; send the item itself or use previous_response_id`);
    } else throw new ProtocolTranslationError(`${where}: the item type "${String(type)}" has no chat completions form`);
  });
  flush();
  return messages;
}

/** Fields of a Responses request that have no chat form or are gw's own; they are not sent to a chat upstream. */
export function responsesToChat(req: ResponsesRequest, upstreamModel: string, back: ReasoningBack = {}): OpenAIChatRequest {
  const body: OpenAIChatRequest = { model: upstreamModel, messages: chatMessagesOf(req.instructions, req.input, back) };
  if (Array.isArray(req.tools) && req.tools.length) {
    body.tools = chatTools(req.tools);
    if (typeof req.parallel_tool_calls === 'boolean') body.parallel_tool_calls = req.parallel_tool_calls;
  }
  if (req.tool_choice !== undefined && body.tools) {
    const c = chatToolChoice(req.tool_choice);
    if (c !== undefined) body.tool_choice = c;
  }
  if (typeof req.max_output_tokens === 'number') body.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') body.temperature = req.temperature;
  if (typeof req.top_p === 'number') body.top_p = req.top_p;
  const effort = req.reasoning?.effort;
  if (effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high') body.reasoning_effort = effort;
  const format = req.text?.format;
  if (isRecord(format)) {
    if (format.type === 'json_object') body.response_format = { type: 'json_object' };
    else if (format.type === 'json_schema') {
      const js: NonNullable<NonNullable<OpenAIChatRequest['response_format']>['json_schema']> = { name: String(format.name ?? 'response') };
      if (isRecord(format.schema)) js.schema = format.schema;
      if (typeof format.description === 'string') js.description = format.description;
      if (typeof format.strict === 'boolean') js.strict = format.strict;
      body.response_format = { type: 'json_schema', json_schema: js };
    }
  }
  const user = typeof req.user === 'string' ? req.user : typeof req.safety_identifier === 'string' ? req.safety_identifier : undefined;
  if (user) body.user = user;
  return body;
}
