import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responsesToChat, toolNamesOf } from '../runtime/protocols/responses-to-chat.ts';
import { ChatToResponsesStream, chatCompletionToResponse, type ResponseFrame } from '../runtime/protocols/chat-to-responses.ts';
import { AnthropicToOpenAIStream, fromAnthropicResponse, toAnthropicRequest } from '../runtime/protocols/openai-to-anthropic.ts';
import type { AnthropicMessage, AnthropicStreamEvent } from '../runtime/protocols/anthropic-types.ts';
import type { OpenAIChatChunk, OpenAIChatCompletion, OpenAIMessage } from '../runtime/protocols/openai-types.ts';
import type { ResponsesInputItem, ResponsesRequest, ResponsesStreamEvent } from '../runtime/protocols/responses-types.ts';

/**
 * Round-trip properties of the Responses translations (pure, no I/O): Responses ⇄ chat completions and, through the
 * chat form, ⇄ Anthropic Messages, JSON and streamed. Texts, tool calls and their arguments, reasoning (with
 * Anthropic's signatures) and usage survive; a stream's sequence numbers strictly increase and it ends with exactly
 * one terminal event. Bounded and seeded: the same cases every run.
 */

const RUNS = 80;
const opts = { numRuns: RUNS, seed: 20261204, interruptAfterTimeLimit: 20_000 };

/** Texts as clients send them: no edge whitespace (Anthropic trims a final prefill), never empty. */
const text = fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).map((s) => s.trim()).filter((s) => s.length > 0);
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
const args = fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((o) => JSON.stringify(o));
const callId = fc.stringMatching(/^call_[A-Za-z0-9]{4,12}$/);
const call = fc.record({ name, args, id: callId, output: text });
const usage = fc.record({ prompt: fc.nat(100_000), completion: fc.nat(100_000) });
/** sizes to cut streamed text into */
const cuts = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 });

type Turn = { kind: 'user'; text: string } | { kind: 'assistant'; text: string } | { kind: 'calls'; calls: { name: string; args: string; id: string; output: string }[] };
const turn: fc.Arbitrary<Turn> = fc.oneof(
  fc.record({ kind: fc.constant('user' as const), text }),
  fc.record({ kind: fc.constant('assistant' as const), text }),
  fc.record({ kind: fc.constant('calls' as const), calls: fc.uniqueArray(call, { minLength: 1, maxLength: 3, selector: (c) => c.id }) }),
);
/** A conversation: starts with the user, call ids unique over it. */
const conversation = fc
  .tuple(text, fc.array(turn, { maxLength: 6 }))
  .map(([first, rest]) => [{ kind: 'user', text: first } as Turn, ...rest])
  .filter((ts) => {
    const ids = ts.flatMap((t) => (t.kind === 'calls' ? t.calls.map((c) => c.id) : []));
    return new Set(ids).size === ids.length;
  });

function itemsOf(turns: Turn[]): ResponsesInputItem[] {
  return turns.flatMap((t): ResponsesInputItem[] =>
    t.kind === 'calls'
      ? [
          ...t.calls.map((c) => ({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.args }) as ResponsesInputItem),
          ...t.calls.map((c) => ({ type: 'function_call_output', call_id: c.id, output: c.output }) as ResponsesInputItem),
        ]
      : [{ type: 'message', role: t.kind, content: t.text } as ResponsesInputItem],
  );
}

const toolsOf = (turns: Turn[]) => [...new Set(turns.flatMap((t) => (t.kind === 'calls' ? t.calls.map((c) => c.name) : [])))].map((n) => ({ type: 'function', name: n, parameters: { type: 'object' } }));
const texts = (turns: Turn[], kind: 'user' | 'assistant') => turns.filter((t) => t.kind === kind).map((t) => (t as { text: string }).text);
const calls = (turns: Turn[]) => turns.flatMap((t) => (t.kind === 'calls' ? t.calls : []));

function frame(req: ResponsesRequest): ResponseFrame {
  return { id: 'resp_test', createdAt: 1, model: 'm', request: req, names: toolNamesOf(req.tools) };
}

/** Every event of a stream: sequence numbers 0, 1, 2, … and exactly one terminal event, the last. */
function expectWellFormed(events: ResponsesStreamEvent[], terminal: string): void {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  const ends = events.filter((e) => e.type === 'response.completed' || e.type === 'response.failed' || e.type === 'response.incomplete');
  expect(ends).toHaveLength(1);
  expect(events[events.length - 1].type).toBe(terminal);
}

function cut(s: string, sizes: number[]): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < s.length; k++) {
    const n = sizes[k % sizes.length];
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

interface Answer {
  content: string | null;
  reasoning: string | null;
  calls: { id: string; name: string; args: string }[];
  usage: { prompt: number; completion: number };
}
const answer: fc.Arbitrary<Answer> = fc
  .record({
    content: fc.option(text, { nil: null }),
    reasoning: fc.option(text, { nil: null }),
    calls: fc.uniqueArray(fc.record({ id: callId, name, args }), { maxLength: 3, selector: (c) => c.id }),
    usage,
  })
  .filter((a) => a.content !== null || a.calls.length > 0);

function completionOf(a: Answer): OpenAIChatCompletion {
  const message: Record<string, unknown> = { role: 'assistant', content: a.content };
  if (a.reasoning) message.reasoning_content = a.reasoning;
  if (a.calls.length) message.tool_calls = a.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: message as never, finish_reason: a.calls.length ? 'tool_calls' : 'stop', logprobs: null }],
    usage: { prompt_tokens: a.usage.prompt, completion_tokens: a.usage.completion, total_tokens: a.usage.prompt + a.usage.completion },
  };
}

function chunksOf(a: Answer, sizes: number[]): OpenAIChatChunk[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, withUsage = false): OpenAIChatChunk =>
    ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: withUsage ? [] : [{ index: 0, delta, finish_reason: finish }],
      ...(withUsage ? { usage: { prompt_tokens: a.usage.prompt, completion_tokens: a.usage.completion, total_tokens: a.usage.prompt + a.usage.completion } } : {}),
    }) as unknown as OpenAIChatChunk;
  const out = [chunk({ role: 'assistant', content: '' })];
  for (const p of cut(a.reasoning ?? '', sizes)) out.push(chunk({ reasoning_content: p }));
  for (const p of cut(a.content ?? '', sizes)) out.push(chunk({ content: p }));
  a.calls.forEach((c, index) => {
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const p of cut(c.args, sizes)) out.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
  });
  out.push(chunk({}, a.calls.length ? 'tool_calls' : 'stop'));
  out.push(chunk({}, null, true));
  return out;
}

/** What a client reads of a Responses stream: texts, arguments per item, reasoning, the final response. */
function readStream(events: ResponsesStreamEvent[]) {
  let text = '';
  let reasoning = '';
  const args = new Map<number, string>();
  for (const e of events) {
    if (e.type === 'response.output_text.delta') text += e.delta as string;
    if (e.type === 'response.reasoning_summary_text.delta') reasoning += e.delta as string;
    if (e.type === 'response.function_call_arguments.delta') args.set(e.output_index as number, (args.get(e.output_index as number) ?? '') + (e.delta as string));
  }
  const last = events[events.length - 1] as { response?: { output: Record<string, unknown>[]; usage: Record<string, number> | null } };
  return { text, reasoning, args: [...args.values()], response: last.response! };
}

const outputText = (output: Record<string, unknown>[]) =>
  output
    .filter((o) => o.type === 'message')
    .flatMap((o) => (o.content as { type: string; text?: string }[]).filter((p) => p.type === 'output_text').map((p) => p.text))
    .join('');
const functionCalls = (output: Record<string, unknown>[]) => output.filter((o) => o.type === 'function_call').map((o) => ({ id: o.call_id, name: o.name, args: o.arguments }));

describe('Responses → chat completions (request)', () => {
  it('every message text, tool call (id, name, arguments) and tool output survives, in order', () => {
    fc.assert(
      fc.property(conversation, (turns) => {
        const chat = responsesToChat({ model: 'auto', input: itemsOf(turns), tools: toolsOf(turns) } as ResponsesRequest, 'm');
        const msgs = chat.messages as OpenAIMessage[];
        expect(msgs.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(texts(turns, 'user'));
        expect(msgs.filter((m) => m.role === 'assistant' && typeof m.content === 'string').map((m) => m.content)).toEqual(texts(turns, 'assistant'));
        const toolCalls = msgs.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
        expect(toolCalls.map((t) => ({ id: t.id, name: t.function.name, args: t.function.arguments }))).toEqual(calls(turns).map((c) => ({ id: c.id, name: c.name, args: c.args })));
        const outputs = msgs.filter((m) => m.role === 'tool') as { tool_call_id: string; content: string }[];
        expect(outputs.map((m) => [m.tool_call_id, m.content])).toEqual(calls(turns).map((c) => [c.id, c.output]));
      }),
      opts,
    );
  });

  it('and on to Anthropic Messages: texts, tool_use inputs (the parsed arguments) and tool_results survive', () => {
    fc.assert(
      fc.property(conversation, (turns) => {
        const chat = responsesToChat({ model: 'auto', input: itemsOf(turns), tools: toolsOf(turns) } as ResponsesRequest, 'm');
        const a = toAnthropicRequest(chat, 'claude');
        const blocks = (role: string) =>
          a.messages.filter((m) => m.role === role).flatMap((m) => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as unknown as Record<string, unknown>[])));
        expect(blocks('user').filter((b) => b.type === 'text').map((b) => b.text)).toEqual(texts(turns, 'user'));
        expect(blocks('assistant').filter((b) => b.type === 'text').map((b) => b.text)).toEqual(texts(turns, 'assistant'));
        expect(blocks('assistant').filter((b) => b.type === 'tool_use').map((b) => [b.id, b.name, b.input])).toEqual(calls(turns).map((c) => [c.id, c.name, JSON.parse(c.args)]));
        expect(blocks('user').filter((b) => b.type === 'tool_result').map((b) => [b.tool_use_id, b.content])).toEqual(calls(turns).map((c) => [c.id, c.output]));
        // roles alternate, as Anthropic requires
        a.messages.forEach((m, i) => i > 0 && expect(m.role).not.toBe(a.messages[i - 1].role));
      }),
      opts,
    );
  });
});

describe('chat completions → Responses (answer)', () => {
  it('JSON: text, reasoning, function calls and usage (input + output = total) survive', () => {
    fc.assert(
      fc.property(answer, (a) => {
        const r = chatCompletionToResponse(completionOf(a), frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        const out = r.output as unknown as Record<string, unknown>[];
        expect(outputText(out)).toBe(a.content ?? '');
        expect(functionCalls(out)).toEqual(a.calls.map((c) => ({ id: c.id, name: c.name, args: c.args })));
        const rs = out.find((o) => o.type === 'reasoning') as { summary: { text: string }[] } | undefined;
        expect(rs?.summary[0].text ?? null).toBe(a.reasoning);
        expect(r.usage).toMatchObject({ input_tokens: a.usage.prompt, output_tokens: a.usage.completion, total_tokens: a.usage.prompt + a.usage.completion });
        expect(r.status).toBe('completed');
      }),
      opts,
    );
  });

  it('stream, cut anywhere: deltas add up to the JSON answer; numbers 0, 1, 2 …; one response.completed, last', () => {
    fc.assert(
      fc.property(answer, cuts, (a, sizes) => {
        const t = new ChatToResponsesStream(frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        const events = [...chunksOf(a, sizes).flatMap((c) => t.push(c)), ...t.finish()];
        expectWellFormed(events, 'response.completed');
        const got = readStream(events);
        expect(got.text).toBe(a.content ?? '');
        expect(got.reasoning).toBe(a.reasoning ?? '');
        expect(got.args).toEqual(a.calls.map((c) => c.args));
        expect(outputText(got.response.output)).toBe(a.content ?? '');
        expect(functionCalls(got.response.output)).toEqual(a.calls.map((c) => ({ id: c.id, name: c.name, args: c.args })));
        expect(got.response.usage).toMatchObject({ input_tokens: a.usage.prompt, output_tokens: a.usage.completion, total_tokens: a.usage.prompt + a.usage.completion });
        // the streamed answer is the JSON answer, item for item (ids aside)
        const json = chatCompletionToResponse(completionOf(a), frame({ model: 'auto', input: 'x' } as ResponsesRequest)).output as unknown as Record<string, unknown>[];
        expect(got.response.output.map((o) => o.type)).toEqual(json.map((o) => o.type));
      }),
      opts,
    );
  });

  it('a stream that fails after any number of chunks ends with one response.failed, numbers still increasing', () => {
    fc.assert(
      fc.property(answer, cuts, fc.nat(40), (a, sizes, at) => {
        const t = new ChatToResponsesStream(frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        const chunks = chunksOf(a, sizes);
        const events = [...chunks.slice(0, Math.min(at, chunks.length - 2)).flatMap((c) => t.push(c)), ...t.fail('server_error', 'cut')];
        expectWellFormed(events, 'response.failed');
      }),
      opts,
    );
  });
});

/** An Anthropic answer: optional signed thinking, optional text, tool uses. */
const anthropicMessage: fc.Arbitrary<AnthropicMessage> = fc
  .record({
    thinking: fc.option(fc.record({ text, signature: fc.base64String({ minLength: 4, maxLength: 40 }) }), { nil: null }),
    content: fc.option(text, { nil: null }),
    tools: fc.uniqueArray(fc.record({ id: fc.stringMatching(/^toolu_[A-Za-z0-9]{4,12}$/), name, input: fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) }), { maxLength: 3, selector: (t) => t.id }),
    usage: fc.record({ input_tokens: fc.nat(100_000), output_tokens: fc.nat(100_000) }),
  })
  .filter((m) => m.content !== null || m.tools.length > 0)
  .map((m) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude',
    content: [
      ...(m.thinking ? [{ type: 'thinking', thinking: m.thinking.text, signature: m.thinking.signature }] : []),
      ...(m.content !== null ? [{ type: 'text', text: m.content }] : []),
      ...m.tools.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: JSON.parse(JSON.stringify(t.input)) })),
    ],
    stop_reason: m.tools.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: m.usage,
  })) as unknown as fc.Arbitrary<AnthropicMessage>;

type Block = { type: string; text?: string; thinking?: string; signature?: string; id?: string; name?: string; input?: unknown };

function anthropicEvents(m: AnthropicMessage, sizes: number[]): { event: string; data: unknown }[] {
  const evs: AnthropicStreamEvent[] = [{ type: 'message_start', message: { ...m, content: [], stop_reason: null, usage: { ...m.usage, output_tokens: 1 } } } as AnthropicStreamEvent];
  (m.content as Block[]).forEach((b, index) => {
    if (b.type === 'thinking') {
      evs.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } } as AnthropicStreamEvent);
      for (const p of cut(b.thinking!, sizes)) evs.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: p } } as AnthropicStreamEvent);
      evs.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } } as AnthropicStreamEvent);
    } else if (b.type === 'text') {
      evs.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } } as AnthropicStreamEvent);
      for (const p of cut(b.text!, sizes)) evs.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } } as AnthropicStreamEvent);
    } else {
      evs.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } } as AnthropicStreamEvent);
      for (const p of cut(JSON.stringify(b.input), sizes)) evs.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } } as AnthropicStreamEvent);
    }
    evs.push({ type: 'content_block_stop', index } as AnthropicStreamEvent);
  });
  evs.push({ type: 'message_delta', delta: { stop_reason: m.stop_reason, stop_sequence: null }, usage: { output_tokens: m.usage.output_tokens } } as AnthropicStreamEvent);
  evs.push({ type: 'message_stop' } as AnthropicStreamEvent);
  return evs.map((data) => ({ event: data.type, data }));
}

const blocksOf = (m: AnthropicMessage, type: string) => (m.content as Block[]).filter((b) => b.type === type);

function expectAnthropicAnswer(m: AnthropicMessage, output: Record<string, unknown>[], usage: Record<string, number> | null): void {
  expect(outputText(output)).toBe(blocksOf(m, 'text').map((b) => b.text).join(''));
  expect(functionCalls(output).map((c) => [c.id, c.name, JSON.parse(c.args as string)])).toEqual(blocksOf(m, 'tool_use').map((b) => [b.id, b.name, b.input]));
  const thinking = blocksOf(m, 'thinking')[0];
  const rs = output.find((o) => o.type === 'reasoning') as { summary: { text: string }[]; encrypted_content?: string } | undefined;
  if (thinking) {
    expect(rs?.summary[0].text).toBe(thinking.thinking);
    expect(rs?.encrypted_content).toBe(`gw:anthropic-claude-v1:sig:${thinking.signature}`);
  } else expect(rs).toBeUndefined();
  expect(usage).toMatchObject({ input_tokens: m.usage.input_tokens, output_tokens: m.usage.output_tokens, total_tokens: m.usage.input_tokens + m.usage.output_tokens });
}

describe('Anthropic Messages → Responses (through the chat form)', () => {
  it('JSON: text, tool_use input as arguments, signed thinking as a reasoning item, usage', () => {
    fc.assert(
      fc.property(anthropicMessage, (m) => {
        const r = chatCompletionToResponse(fromAnthropicResponse(m, 'claude'), frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        expectAnthropicAnswer(m, r.output as unknown as Record<string, unknown>[], r.usage as unknown as Record<string, number>);
      }),
      opts,
    );
  });

  it('stream, cut anywhere: the same, with numbers 0, 1, 2 … and one response.completed, last', () => {
    fc.assert(
      fc.property(anthropicMessage, cuts, (m, sizes) => {
        const a = new AnthropicToOpenAIStream('chatcmpl-1', 'claude', true);
        const t = new ChatToResponsesStream(frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        const events = [...anthropicEvents(m, sizes).flatMap((e) => a.push(e)).flatMap((c) => t.push(c)), ...t.finish()];
        expectWellFormed(events, 'response.completed');
        const got = readStream(events);
        expect(got.text).toBe(blocksOf(m, 'text').map((b) => b.text).join(''));
        expectAnthropicAnswer(m, got.response.output, got.response.usage);
      }),
      opts,
    );
  });

  it('round trip: the answer’s items sent back reach Anthropic as the same blocks, signed thinking first', () => {
    fc.assert(
      fc.property(anthropicMessage, (m) => {
        const r = chatCompletionToResponse(fromAnthropicResponse(m, 'claude'), frame({ model: 'auto', input: 'x' } as ResponsesRequest));
        const outputs = blocksOf(m, 'tool_use').map((b) => ({ type: 'function_call_output', call_id: b.id, output: 'done' }));
        const input = [{ type: 'message', role: 'user', content: 'go' }, ...(r.output as unknown[]), ...outputs] as ResponsesInputItem[];
        const tools = [...new Set(blocksOf(m, 'tool_use').map((b) => b.name!))].map((n) => ({ type: 'function', name: n, parameters: { type: 'object' } }));
        const back = toAnthropicRequest(responsesToChat({ model: 'auto', input, tools } as ResponsesRequest, 'claude', { signed: true }), 'claude');
        const turn = back.messages[1];
        expect(turn.role).toBe('assistant');
        const sent = (typeof turn.content === 'string' ? [{ type: 'text', text: turn.content }] : turn.content) as Block[];
        expect(sent).toEqual((m.content as Block[]).map((b) => (b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature } : b.type === 'text' ? { type: 'text', text: b.text } : { type: 'tool_use', id: b.id, name: b.name, input: b.input })));
      }),
      opts,
    );
  });
});

describe('Anthropic redacted thinking through the Responses translation', () => {
  const msg = {
    id: 'msg_r',
    type: 'message',
    role: 'assistant',
    model: 'claude',
    content: [
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'tool_use', id: 'toolu_r1', name: 'look', input: { q: 1 } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 4 },
  } as unknown as AnthropicMessage;

  it('JSON and stream: a reasoning item with no summary carries the data; sent back, it is the redacted block again', () => {
    const json = chatCompletionToResponse(fromAnthropicResponse(msg, 'claude'), frame({ model: 'auto', input: 'x' } as ResponsesRequest)).output as unknown as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: 'gw:anthropic-claude-v1:redacted:EmwKAhgBEgy3va3pzix/LafPsn4a' });
    const a = new AnthropicToOpenAIStream('c', 'claude', true);
    const t = new ChatToResponsesStream(frame({ model: 'auto', input: 'x' } as ResponsesRequest));
    const events = [...anthropicEventsWithRedacted().flatMap((e) => a.push(e)).flatMap((c) => t.push(c)), ...t.finish()];
    expectWellFormed(events, 'response.completed');
    const streamed = readStream(events).response.output;
    expect(streamed[0]).toMatchObject({ type: 'reasoning', encrypted_content: json[0].encrypted_content });
    const input = [{ type: 'message', role: 'user', content: 'go' }, ...json, { type: 'function_call_output', call_id: 'toolu_r1', output: 'ok' }] as ResponsesInputItem[];
    const back = toAnthropicRequest(responsesToChat({ model: 'auto', input, tools: [{ type: 'function', name: 'look', parameters: { type: 'object' } }] } as ResponsesRequest, 'claude', { signed: true }), 'claude');
    expect(back.messages[1].content).toEqual([
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
      { type: 'tool_use', id: 'toolu_r1', name: 'look', input: { q: 1 } },
    ]);
  });

  function anthropicEventsWithRedacted(): { event: string; data: unknown }[] {
    const evs = [
      { type: 'message_start', message: { ...msg, content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_r1', name: 'look', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":1}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 4 } },
      { type: 'message_stop' },
    ];
    return evs.map((data) => ({ event: data.type, data }));
  }
});
