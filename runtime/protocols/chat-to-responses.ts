import { randomBytes } from 'node:crypto';
import { anthropicDetails, encryptedOf, reasoningItems } from './reasoning-items.ts';
import type { OpenAIChatChunk, OpenAIChatCompletion, OpenAIUsage, ReasoningDetail } from './openai-types.ts';
import { isRecord } from './openai-to-anthropic.ts';
import type { ToolNames } from './responses-to-chat.ts';
import type { ResponseObject, ResponsesOutputItem, ResponsesOutputMessage, ResponsesRequest, ResponsesStreamEvent, ResponsesUsage } from './responses-types.ts';

/**
 * A chat completion → a Responses `response` object, JSON and stream. Output items in the order the Responses API
 * uses: the reasoning summary (from `reasoning_content` / `reasoning`, or an Anthropic upstream's thinking), the
 * message, then one `function_call` item per tool call (a `custom_tool_call` for a free-form tool, with the
 * namespace of a namespaced one). Usage maps prompt → input and completion → output tokens, with the cached and
 * reasoning token details.
 */

/** Random bytes for ids, drawn 4 KiB at a time (one randomBytes call per id was ≈ 6 µs; a stream makes several). */
let pool = Buffer.alloc(0);
let poolAt = 0;
export function newId(prefix: string): string {
  if (poolAt + 24 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 24;
  return `${prefix}_${pool.toString('hex', poolAt - 24, poolAt)}`;
}

/** The request's settings echoed in the response object, as the Responses API does. */
export interface ResponseFrame {
  id: string;
  createdAt: number;
  model: string;
  request: ResponsesRequest;
  names: ToolNames;
}

export function responsesUsage(u: OpenAIUsage | null | undefined, promptEstimate = 0): ResponsesUsage {
  const input = u ? Number(u.prompt_tokens ?? 0) : promptEstimate;
  const output = u ? Number(u.completion_tokens ?? 0) : 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: Number(u?.prompt_tokens_details?.cached_tokens ?? 0) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: Number(u?.completion_tokens_details?.reasoning_tokens ?? 0) },
    total_tokens: u && typeof u.total_tokens === 'number' ? u.total_tokens : input + output,
  };
}

/** The skeleton of a response object: every field the SDK types require, from the request. */
export function responseShell(f: ResponseFrame, status: ResponseObject['status']): ResponseObject {
  const r = f.request;
  const format = isRecord(r.text) && isRecord(r.text.format) ? r.text.format : { type: 'text' as const };
  return {
    id: f.id,
    object: 'response',
    created_at: f.createdAt,
    status,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: typeof r.instructions === 'string' ? r.instructions : null,
    max_output_tokens: typeof r.max_output_tokens === 'number' ? r.max_output_tokens : null,
    model: f.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls !== false,
    previous_response_id: typeof r.previous_response_id === 'string' ? r.previous_response_id : null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    store: r.store !== false,
    temperature: typeof r.temperature === 'number' ? r.temperature : null,
    text: { format: format as ResponseObject['text']['format'] },
    tool_choice: r.tool_choice ?? 'auto',
    tools: Array.isArray(r.tools) ? r.tools : [],
    top_p: typeof r.top_p === 'number' ? r.top_p : null,
    truncation: 'disabled',
    usage: null,
    user: typeof r.user === 'string' ? r.user : null,
    metadata: isRecord(r.metadata) ? (r.metadata as Record<string, string>) : {},
  };
}

function finishStatus(reason: string | null | undefined): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (reason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

function reasoningOf(m: Record<string, unknown>): string {
  const r = m.reasoning_content ?? m.reasoning;
  return typeof r === 'string' ? r : '';
}

function callItem(names: ToolNames, callId: string, chatName: string, args: string, status: 'in_progress' | 'completed'): ResponsesOutputItem {
  const n = names.get(chatName);
  const name = n?.name ?? chatName;
  const ns = n?.namespace ? { namespace: n.namespace } : {};
  if (n?.custom) {
    let input = args;
    try {
      const parsed = JSON.parse(args) as unknown;
      if (isRecord(parsed) && typeof parsed.input === 'string') input = parsed.input;
    } catch {
      // the model's raw text is the input
    }
    return { type: 'custom_tool_call', id: newId('ctc'), call_id: callId, name, input, status, ...ns };
  }
  return { type: 'function_call', id: newId('fc'), call_id: callId, name, arguments: args, status, ...ns };
}

/** A chat.completion answer as a response object. */
export function chatCompletionToResponse(c: OpenAIChatCompletion, f: ResponseFrame): ResponseObject {
  const choice = c.choices?.[0];
  const msg = (choice?.message ?? {}) as unknown as Record<string, unknown>;
  const output: ResponsesOutputItem[] = [];
  const reasoning = reasoningOf(msg);
  const signed = anthropicDetails(msg.reasoning_details);
  // Anthropic's thinking: one item per block, signed (encrypted_content) so it can go back; other reasoning: a summary
  if (signed.length) output.push(...(reasoningItems(signed, () => newId('rs')) as ResponsesOutputItem[]));
  else if (reasoning) output.push({ type: 'reasoning', id: newId('rs'), summary: [{ type: 'summary_text', text: reasoning }], status: 'completed' });
  const content = typeof msg.content === 'string' ? msg.content : '';
  const refusal = typeof msg.refusal === 'string' ? msg.refusal : '';
  if (content || refusal) {
    const parts: ResponsesOutputMessage['content'] = [];
    if (content) parts.push({ type: 'output_text', text: content, annotations: [], logprobs: [] });
    if (refusal) parts.push({ type: 'refusal', refusal });
    output.push({ type: 'message', id: newId('msg'), role: 'assistant', status: 'completed', content: parts });
  }
  for (const tc of (msg.tool_calls as { id?: string; function?: { name?: string; arguments?: string } }[] | undefined) ?? [])
    output.push(callItem(f.names, tc.id || newId('call'), tc.function?.name ?? '', tc.function?.arguments ?? '', 'completed'));
  const { status, incomplete_details } = finishStatus(choice?.finish_reason);
  return { ...responseShell(f, status), incomplete_details, completed_at: Math.floor(Date.now() / 1000), output, usage: responsesUsage(c.usage) };
}

interface OpenText {
  index: number;
  id: string;
  text: string;
}
interface OpenCall {
  index: number;
  item: ResponsesOutputItem & { type: 'function_call' | 'custom_tool_call' };
  chatName: string;
  args: string;
}

/**
 * Chat completion chunks → Responses stream events, with increasing `sequence_number`: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, its parts and deltas
 * (`response.reasoning_summary_part.added` / `response.reasoning_summary_text.delta`, `response.content_part.added` /
 * `response.output_text.delta`, `response.function_call_arguments.delta`), their `.done` events and
 * `response.output_item.done`; at the end `response.completed` (or `response.incomplete`) with the whole response
 * and its usage. A failure after the first event is `response.failed`.
 */
export class ChatToResponsesStream {
  private seq = 0;
  private readonly f: ResponseFrame;
  private readonly output: ResponsesOutputItem[] = [];
  private reasoning: OpenText | null = null;
  private message: OpenText | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private openCalls: OpenCall[] = [];
  private usage: OpenAIUsage | null = null;
  private finishReason: string | null = null;
  private started = false;
  private promptEstimate: number;
  /** the final response object, once the stream completed or failed */
  final: ResponseObject | null = null;

  constructor(f: ResponseFrame, promptEstimate = 0) {
    this.f = f;
    this.promptEstimate = promptEstimate;
  }

  private ev(type: string, data: Record<string, unknown>, out: ResponsesStreamEvent[]): void {
    out.push({ type, sequence_number: this.seq++, ...data });
  }

  /** response.created and response.in_progress (once) */
  start(out: ResponsesStreamEvent[] = []): ResponsesStreamEvent[] {
    if (this.started) return out;
    this.started = true;
    const shell = responseShell(this.f, 'in_progress');
    this.ev('response.created', { response: shell }, out);
    this.ev('response.in_progress', { response: shell }, out);
    return out;
  }

  push(chunk: OpenAIChatChunk): ResponsesStreamEvent[] {
    const out = this.start();
    if (isRecord(chunk.usage)) this.usage = chunk.usage as OpenAIUsage;
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const delta = (choice.delta ?? {}) as Record<string, unknown>;
      const r = reasoningOf(delta);
      if (r) this.reasoningDelta(r, out);
      for (const d of anthropicDetails(delta.reasoning_details)) this.signed(d, out);
      const text = (typeof delta.content === 'string' ? delta.content : '') + (typeof delta.refusal === 'string' ? delta.refusal : '');
      if (text) this.textDelta(text, out);
      for (const tc of (delta.tool_calls as OpenAIChatChunk['choices'][number]['delta']['tool_calls']) ?? []) this.toolDelta(tc, out);
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return out;
  }

  private reasoningDelta(delta: string, out: ResponsesStreamEvent[]): void {
    if (!this.reasoning) {
      this.closeMessage(out);
      const index = this.output.length;
      const item: ResponsesOutputItem = { type: 'reasoning', id: newId('rs'), summary: [], status: 'in_progress' };
      this.output.push(item);
      this.reasoning = { index, id: item.id, text: '' };
      this.ev('response.output_item.added', { output_index: index, item: { ...item, summary: [] } }, out);
      this.ev('response.reasoning_summary_part.added', { item_id: item.id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }, out);
    }
    this.reasoning.text += delta;
    this.ev('response.reasoning_summary_text.delta', { item_id: this.reasoning.id, output_index: this.reasoning.index, summary_index: 0, delta }, out);
  }

  /**
   * A thinking block's signature (its end: the open reasoning item is closed with it, so the next block is an item of
   * its own), or a redacted block (an item with no summary).
   */
  private signed(d: ReasoningDetail, out: ResponsesStreamEvent[]): void {
    if (d.type === 'reasoning.text' && this.reasoning) {
      this.closeReasoning(out, encryptedOf(d));
      return;
    }
    this.closeReasoning(out);
    this.closeMessage(out);
    const index = this.output.length;
    const item = { type: 'reasoning', id: newId('rs'), summary: [], encrypted_content: encryptedOf(d), status: 'completed' } as unknown as ResponsesOutputItem;
    this.output.push(item);
    this.ev('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } }, out);
    this.ev('response.output_item.done', { output_index: index, item }, out);
  }

  private closeReasoning(out: ResponsesStreamEvent[], encrypted?: string): void {
    const r = this.reasoning;
    if (!r) return;
    this.reasoning = null;
    const part = { type: 'summary_text' as const, text: r.text };
    this.ev('response.reasoning_summary_text.done', { item_id: r.id, output_index: r.index, summary_index: 0, text: r.text }, out);
    this.ev('response.reasoning_summary_part.done', { item_id: r.id, output_index: r.index, summary_index: 0, part }, out);
    const item = { type: 'reasoning', id: r.id, summary: [part], ...(encrypted ? { encrypted_content: encrypted } : {}), status: 'completed' } as ResponsesOutputItem;
    this.output[r.index] = item;
    this.ev('response.output_item.done', { output_index: r.index, item }, out);
  }

  private textDelta(delta: string, out: ResponsesStreamEvent[]): void {
    if (!this.message) {
      this.closeReasoning(out);
      this.closeCalls(out);
      const index = this.output.length;
      const item: ResponsesOutputMessage = { type: 'message', id: newId('msg'), role: 'assistant', status: 'in_progress', content: [] };
      this.output.push(item);
      this.message = { index, id: item.id, text: '' };
      this.ev('response.output_item.added', { output_index: index, item: { ...item, content: [] } }, out);
      this.ev('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }, out);
    }
    this.message.text += delta;
    this.ev('response.output_text.delta', { item_id: this.message.id, output_index: this.message.index, content_index: 0, delta, logprobs: [] }, out);
  }

  private closeMessage(out: ResponsesStreamEvent[]): void {
    const m = this.message;
    if (!m) return;
    this.message = null;
    const part = { type: 'output_text' as const, text: m.text, annotations: [], logprobs: [] };
    this.ev('response.output_text.done', { item_id: m.id, output_index: m.index, content_index: 0, text: m.text, logprobs: [] }, out);
    this.ev('response.content_part.done', { item_id: m.id, output_index: m.index, content_index: 0, part }, out);
    const item: ResponsesOutputMessage = { type: 'message', id: m.id, role: 'assistant', status: 'completed', content: [part] };
    this.output[m.index] = item;
    this.ev('response.output_item.done', { output_index: m.index, item }, out);
  }

  private toolDelta(tc: { index: number; id?: string; function?: { name?: string; arguments?: string } }, out: ResponsesStreamEvent[]): void {
    const key = typeof tc.index === 'number' ? tc.index : 0;
    let call = this.calls.get(key);
    if (!call) {
      this.closeReasoning(out);
      this.closeMessage(out);
      const chatName = tc.function?.name ?? '';
      const item = callItem(this.f.names, tc.id || newId('call'), chatName, '', 'in_progress') as OpenCall['item'];
      const index = this.output.length;
      this.output.push(item);
      call = { index, item, chatName, args: '' };
      this.calls.set(key, call);
      this.openCalls.push(call);
      this.ev('response.output_item.added', { output_index: index, item: { ...item } }, out);
    } else if (tc.function?.name && !call.chatName) call.chatName = tc.function.name;
    const args = tc.function?.arguments;
    if (typeof args === 'string' && args !== '') {
      call.args += args;
      if (call.item.type === 'function_call') this.ev('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args }, out);
    }
  }

  private closeCalls(out: ResponsesStreamEvent[]): void {
    for (const call of this.openCalls) {
      const done = callItem(this.f.names, call.item.call_id, call.chatName, call.args, 'completed') as OpenCall['item'];
      done.id = call.item.id;
      if (done.type === 'function_call') this.ev('response.function_call_arguments.done', { item_id: done.id, output_index: call.index, name: done.name, arguments: done.arguments }, out);
      else {
        this.ev('response.custom_tool_call_input.delta', { item_id: done.id, output_index: call.index, delta: done.input }, out);
        this.ev('response.custom_tool_call_input.done', { item_id: done.id, output_index: call.index, input: done.input }, out);
      }
      this.output[call.index] = done;
      this.ev('response.output_item.done', { output_index: call.index, item: done }, out);
    }
    this.openCalls = [];
  }

  /** The upstream ended: close what is open, then response.completed (or response.incomplete) with the usage. */
  finish(): ResponsesStreamEvent[] {
    const out = this.start();
    this.closeReasoning(out);
    this.closeMessage(out);
    this.closeCalls(out);
    const { status, incomplete_details } = finishStatus(this.finishReason);
    const response: ResponseObject = {
      ...responseShell(this.f, status),
      incomplete_details,
      completed_at: Math.floor(Date.now() / 1000),
      output: [...this.output],
      usage: responsesUsage(this.usage, this.promptEstimate),
    };
    this.final = response;
    this.ev(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }, out);
    return out;
  }

  /** The upstream failed after the first event: `response.failed` with the error and what was produced. */
  fail(code: string, message: string): ResponsesStreamEvent[] {
    const out = this.start();
    const response: ResponseObject = { ...responseShell(this.f, 'failed'), error: { code, message }, output: [...this.output], usage: this.usage ? responsesUsage(this.usage) : null };
    this.final = response;
    this.ev('response.failed', { response }, out);
    return out;
  }

  /** usage as the gateway's ledger counts it */
  chatUsage(): OpenAIUsage | null {
    return this.usage;
  }
}

export function sseFrame(e: ResponsesStreamEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}
