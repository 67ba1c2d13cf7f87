import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createParser } from 'eventsource-parser';
import {
  AnthropicToOpenAIStream,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  ProtocolTranslationError,
  UpstreamStreamError,
  fromAnthropicError,
  fromAnthropicResponse,
  parseToolArguments,
  toAnthropicRequest,
} from '../runtime/protocols/openai-to-anthropic.ts';
import {
  OpenAIToAnthropicStream,
  anthropicErrorEvent,
  fromOpenAIError,
  fromOpenAIResponse,
  toAnthropicErrorBody,
  toOpenAIRequest,
} from '../runtime/protocols/anthropic-to-openai.ts';
import type {
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicRequestContentBlock,
  AnthropicResponseContentBlock,
  AnthropicSSEEvent,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from '../runtime/protocols/anthropic-types.ts';
import type {
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIFinishReason,
  OpenAIMessage,
  OpenAIToolCall,
  OpenAIUsage,
} from '../runtime/protocols/openai-types.ts';

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Split raw SSE text the way the runtime will: eventsource-parser, data left as a string. */
function parseSSE(text: string): Array<{ event: string; data: string }> {
  const out: Array<{ event: string; data: string }> = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event ?? 'message', data: e.data }) });
  parser.feed(text);
  return out;
}

interface CollectedOpenAI {
  role: string | undefined;
  content: string | null;
  toolCalls: OpenAIToolCall[];
  finishReason: OpenAIFinishReason | null;
  usage: OpenAIUsage | null | undefined;
  finishChunks: number;
}

/** Accumulate OpenAI chunks the way an OpenAI SDK client does, checking basic invariants. */
function collectOpenAI(chunks: OpenAIChatChunk[]): CollectedOpenAI {
  const res: CollectedOpenAI = { role: undefined, content: null, toolCalls: [], finishReason: null, usage: undefined, finishChunks: 0 };
  let afterUsage = false;
  for (const c of chunks) {
    expect(c.object).toBe('chat.completion.chunk');
    expect(afterUsage).toBe(false); // nothing after the usage chunk
    if (c.choices.length === 0) {
      res.usage = c.usage;
      afterUsage = true;
      continue;
    }
    const ch = c.choices[0];
    expect(ch.index).toBe(0);
    if (ch.delta.role) res.role = ch.delta.role;
    if (typeof ch.delta.content === 'string') res.content = (res.content ?? '') + ch.delta.content;
    for (const tc of ch.delta.tool_calls ?? []) {
      if (tc.id !== undefined) {
        expect(tc.index).toBe(res.toolCalls.length);
        res.toolCalls.push({ id: tc.id, type: 'function', function: { name: tc.function?.name ?? '', arguments: tc.function?.arguments ?? '' } });
      } else {
        res.toolCalls[tc.index].function.arguments += tc.function?.arguments ?? '';
      }
    }
    if (ch.finish_reason !== null) {
      res.finishReason = ch.finish_reason;
      res.finishChunks++;
    }
  }
  return res;
}

/**
 * Validate the Anthropic event grammar and rebuild the message:
 * message_start ping (cbs cbd* cbstop)* message_delta message_stop
 */
function collectAnthropic(events: AnthropicSSEEvent[]): AnthropicMessage {
  for (const e of events) expect(e.event).toBe(e.data.type);
  const types = events.map((e) => e.event);
  expect(types[0]).toBe('message_start');
  expect(types[1]).toBe('ping');
  expect(types.at(-2)).toBe('message_delta');
  expect(types.at(-1)).toBe('message_stop');
  expect(types.filter((t) => t === 'message_start')).toHaveLength(1);
  expect(types.filter((t) => t === 'message_delta')).toHaveLength(1);
  expect(types.filter((t) => t === 'message_stop')).toHaveLength(1);

  const start = events[0].data as Extract<AnthropicStreamEvent, { type: 'message_start' }>;
  const msg: AnthropicMessage = structuredClone(start.message);
  expect(msg.content).toEqual([]);
  const partial = new Map<number, string>();
  let open: number | null = null;
  for (const { data } of events.slice(2, -2)) {
    switch (data.type) {
      case 'content_block_start':
        expect(open).toBeNull();
        expect(data.index).toBe(msg.content.length);
        msg.content.push(structuredClone(data.content_block));
        open = data.index;
        partial.set(data.index, '');
        break;
      case 'content_block_delta': {
        expect(data.index).toBe(open);
        const block = msg.content[data.index];
        if (data.delta.type === 'text_delta') {
          expect(block.type).toBe('text');
          if (block.type === 'text') block.text += data.delta.text;
        } else if (data.delta.type === 'input_json_delta') {
          expect(block.type).toBe('tool_use');
          partial.set(data.index, partial.get(data.index)! + data.delta.partial_json);
        }
        break;
      }
      case 'content_block_stop': {
        expect(data.index).toBe(open);
        const block = msg.content[data.index];
        if (block.type === 'tool_use') {
          const json = partial.get(data.index)!;
          block.input = json === '' ? {} : JSON.parse(json);
        }
        open = null;
        break;
      }
      default:
        throw new Error(`unexpected event ${data.type} inside the message`);
    }
  }
  expect(open).toBeNull();
  const delta = events.at(-2)!.data as Extract<AnthropicStreamEvent, { type: 'message_delta' }>;
  msg.stop_reason = delta.delta.stop_reason;
  msg.stop_sequence = delta.delta.stop_sequence;
  msg.usage = { ...msg.usage, ...delta.usage } as AnthropicUsage;
  return msg;
}

/** Produce a realistic Anthropic event stream for a message, splitting text/JSON at the given points. */
function anthropicEventsFor(m: AnthropicMessage, split: (s: string) => string[]): Array<{ event: string; data: unknown }> {
  const evs: AnthropicStreamEvent[] = [];
  evs.push({
    type: 'message_start',
    message: { ...m, content: [], stop_reason: null, stop_sequence: null, usage: { ...m.usage, output_tokens: 1 } },
  });
  m.content.forEach((b, index) => {
    if (b.type === 'text') {
      evs.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) evs.push({ type: 'ping' });
      for (const piece of split(b.text)) evs.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else if (b.type === 'tool_use') {
      evs.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      evs.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const piece of split(JSON.stringify(b.input))) {
        evs.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    evs.push({ type: 'content_block_stop', index });
  });
  evs.push({ type: 'message_delta', delta: { stop_reason: m.stop_reason, stop_sequence: m.stop_sequence }, usage: { output_tokens: m.usage.output_tokens } });
  evs.push({ type: 'message_stop' });
  return evs.map((data) => ({ event: data.type, data }));
}

function splitEvery(n: number): (s: string) => string[] {
  return (s) => {
    const out: string[] = [];
    for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
    return out;
  };
}

function oaChunk(delta: OpenAIChatChunk['choices'][number]['delta'], finish: OpenAIFinishReason | null = null): OpenAIChatChunk {
  return {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4o-2024-08-06',
    system_fingerprint: 'fp_eb9dce56a8',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  };
}

function oaUsageChunk(usage: OpenAIUsage): OpenAIChatChunk {
  return {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4o-2024-08-06',
    choices: [],
    usage,
  };
}

function runOpenAIStream(chunks: OpenAIChatChunk[], inputTokens?: number): AnthropicSSEEvent[] {
  const s = new OpenAIToAnthropicStream('msg_gw_123', 'claude-via-gw', inputTokens);
  const out: AnthropicSSEEvent[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.finish());
  return out;
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['location'],
    },
  },
};

const timeTool = {
  type: 'function' as const,
  function: { name: 'get_time', description: 'Get the current time in a given time zone', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
};

/** A multi-turn OpenAI conversation with parallel tool calls and their results. */
const openAIToolConversation: OpenAIChatRequest = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: "What's the weather and time in Paris?" },
    {
      role: 'assistant',
      content: 'Let me check both.',
      tool_calls: [
        { id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
        { id: 'call_t1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_w1', content: '{"temperature":18,"condition":"cloudy"}' },
    { role: 'tool', tool_call_id: 'call_t1', content: '14:05' },
    { role: 'user', content: 'Thanks! Should I bring an umbrella?' },
  ],
  tools: [weatherTool, timeTool],
  tool_choice: 'auto',
  max_tokens: 1024,
};

/** The Anthropic equivalent of openAIToolConversation. */
const anthropicToolConversation: AnthropicMessagesRequest = {
  model: 'claude-sonnet-4-5',
  system: 'You are a helpful assistant.',
  max_tokens: 1024,
  messages: [
    { role: 'user', content: "What's the weather and time in Paris?" },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me check both.' },
        { type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { location: 'Paris, France', unit: 'celsius' } },
        { type: 'tool_use', id: 'call_t1', name: 'get_time', input: { tz: 'Europe/Paris' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_w1', content: '{"temperature":18,"condition":"cloudy"}' },
        { type: 'tool_result', tool_use_id: 'call_t1', content: '14:05' },
        { type: 'text', text: 'Thanks! Should I bring an umbrella?' },
      ],
    },
  ],
  tools: [
    { name: 'get_weather', description: weatherTool.function.description, input_schema: { ...weatherTool.function.parameters, type: 'object' } },
    { name: 'get_time', description: timeTool.function.description, input_schema: { ...timeTool.function.parameters, type: 'object' } },
  ],
  tool_choice: { type: 'auto' },
};

/** Anthropic streaming response (text + tool use), as sent on the wire. */
const ANTHROPIC_TOOL_STREAM = `event: message_start
data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":2},"content":[],"stop_reason":null}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", let's check the weather for San Francisco, CA:"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" Francisc"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o, CA\\""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":", \\"unit\\": \\"fah"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

`;

// ===========================================================================
// OpenAI -> Anthropic: request
// ===========================================================================

describe('toAnthropicRequest', () => {
  it('hoists system and developer messages into a system string and applies defaults', () => {
    const out = toAnthropicRequest(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in ' }, { type: 'text', text: 'French.' }] },
          { role: 'user', content: 'Hello' },
        ],
      },
      'claude-haiku-4-5',
    );
    expect(out).toEqual({
      model: 'claude-haiku-4-5',
      system: 'You are terse.\n\nAnswer in French.',
      max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(DEFAULT_ANTHROPIC_MAX_TOKENS).toBe(4096);
  });

  it('omits system when there is none', () => {
    const out = toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'u');
    expect('system' in out).toBe(false);
  });

  it('maps sampling parameters, stop, stream and user', () => {
    const out = toAnthropicRequest(
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Count to ten' }],
        max_tokens: 50,
        max_completion_tokens: 300,
        temperature: 1.6,
        top_p: 0.9,
        stop: ['\n\nHuman:', '   ', 'END'],
        stream: true,
        stream_options: { include_usage: true },
        user: 'user-42',
        seed: 7,
      },
      'claude-sonnet-4-5',
    );
    expect(out.max_tokens).toBe(300); // max_completion_tokens wins
    expect(out.temperature).toBe(1); // clamped to Anthropic's range
    expect(out.top_p).toBe(0.9);
    expect(out.stop_sequences).toEqual(['\n\nHuman:', 'END']);
    expect(out.stream).toBe(true);
    expect(out.metadata).toEqual({ user_id: 'user-42' });
    expect(out).not.toHaveProperty('seed');
    expect(out).not.toHaveProperty('stream_options');

    const single = toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: 'STOP', max_tokens: 10, temperature: 0.2 }, 'u');
    expect(single.stop_sequences).toEqual(['STOP']);
    expect(single.max_tokens).toBe(10);
    expect(single.temperature).toBe(0.2);
    expect(single).not.toHaveProperty('stream');
  });

  it('translates a multi-turn conversation with parallel tool calls and results', () => {
    const out = toAnthropicRequest(openAIToolConversation, 'claude-sonnet-4-5');
    expect(out).toEqual(anthropicToolConversation);
  });

  it('maps tool_choice variants and parallel_tool_calls', () => {
    const base: OpenAIChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool] };
    const tc = (r: Partial<OpenAIChatRequest>) => toAnthropicRequest({ ...base, ...r }, 'u').tool_choice;
    expect(tc({})).toBeUndefined();
    expect(tc({ tool_choice: 'auto' })).toEqual({ type: 'auto' });
    expect(tc({ tool_choice: 'none' })).toEqual({ type: 'none' });
    expect(tc({ tool_choice: 'required' })).toEqual({ type: 'any' });
    expect(tc({ tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toEqual({ type: 'tool', name: 'get_weather' });
    expect(tc({ tool_choice: 'required', parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(tc({ parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    // tool_choice without tools is dropped (the API rejects it)
    const noTools = toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'required' }, 'u');
    expect(noTools).not.toHaveProperty('tool_choice');
    expect(noTools).not.toHaveProperty('tools');
  });

  it('gives tools without parameters an empty object schema', () => {
    const out = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'ping' } }] },
      'u',
    );
    expect(out.tools).toEqual([{ name: 'ping', input_schema: { type: 'object' } }]);
  });

  it('turns invalid, empty or non-object tool arguments into {}', () => {
    expect(parseToolArguments('{"a":1}')).toEqual({ a: 1 });
    expect(parseToolArguments('')).toEqual({});
    expect(parseToolArguments('  ')).toEqual({});
    expect(parseToolArguments('{"a":')).toEqual({});
    expect(parseToolArguments('[1,2]')).toEqual({});
    expect(parseToolArguments('"str"')).toEqual({});
    expect(parseToolArguments(null)).toEqual({});

    const out = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"broken": ' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'error: bad arguments' },
        ],
      },
      'u',
    );
    expect(out.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'f', input: {} }] });
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'error: bad arguments' }],
    });
  });

  it('translates images: base64 data URLs, http URLs, missing/odd media types', () => {
    const out = toAnthropicRequest(
      {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these images.' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}`, detail: 'high' } },
              { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
              { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQSkZJRg==' } },
              { type: 'image_url', image_url: { url: `data:;base64,${PNG_B64}` } },
            ],
          },
        ],
      },
      'u',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these images.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
          { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
        ],
      },
    ]);
  });

  it('re-encodes percent-encoded data URLs as base64', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    const out = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/svg+xml,${encodeURIComponent(svg)}` } }] }] },
      'u',
    );
    const block = (out.messages[0].content as AnthropicRequestContentBlock[])[0];
    expect(block).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/svg+xml', data: Buffer.from(svg).toString('base64') } });
  });

  it('translates PDF file parts into document blocks', () => {
    const out = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
      },
      'u',
    );
    expect(out.messages[0].content).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'report.pdf' },
      { type: 'text', text: 'Summarise.' },
    ]);
  });

  it('rejects content Anthropic cannot represent with ProtocolTranslationError', () => {
    const bad: Array<OpenAIChatRequest['messages'][number]> = [
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] },
      { role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] },
      { role: 'user', content: [{ type: 'video_url', video_url: 'x' } as never] },
      { role: 'function', name: 'f', content: 'x' } as never,
    ];
    for (const m of bad) {
      expect(() => toAnthropicRequest({ model: 'm', messages: [m] }, 'u')).toThrow(ProtocolTranslationError);
    }
    expect(() => toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'u')).toThrow(/n > 1/);
    const err = (() => {
      try {
        toAnthropicRequest({ model: 'm', messages: bad.slice(0, 1) }, 'u');
      } catch (e) {
        return e as ProtocolTranslationError;
      }
      return null;
    })();
    expect(err?.status).toBe(400);
    expect(err?.type).toBe('invalid_request_error');
  });

  it('merges consecutive same-role messages and drops empty ones', () => {
    const out = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'first' },
          { role: 'user', content: [{ type: 'text', text: 'second' }, { type: 'text', text: '' }] },
          { role: 'assistant', content: '' },
          { role: 'user', content: 'third' },
          { role: 'assistant', content: 'reply' },
          { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help with that.' }] },
          { role: 'user', content: 'ok' },
        ],
      },
      'u',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
          { type: 'text', text: 'third' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'reply' },
          { type: 'text', text: 'I cannot help with that.' },
        ],
      },
      { role: 'user', content: 'ok' },
    ]);
    // Roles strictly alternate.
    out.messages.forEach((m, i) => i > 0 && expect(m.role).not.toBe(out.messages[i - 1].role));
  });

  it('trims trailing whitespace from a final assistant prefill', () => {
    const out = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'Write JSON' }, { role: 'assistant', content: '{"result": \n' }] },
      'u',
    );
    expect(out.messages.at(-1)).toEqual({ role: 'assistant', content: '{"result":' });
  });

  it('handles tool messages with text-part content and empty content', () => {
    const out = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'g', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }] },
          { role: 'tool', tool_call_id: 'b', content: '' },
        ],
      },
      'u',
    );
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'a',
          content: [
            { type: 'text', text: 'line 1' },
            { type: 'text', text: 'line 2' },
          ],
        },
        { type: 'tool_result', tool_use_id: 'b' },
      ],
    });
  });
});

// ===========================================================================
// Anthropic -> OpenAI: response
// ===========================================================================

const anthropicToolMessage: AnthropicMessage = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBCgIYAhIM' },
    { type: 'text', text: "I'll check the weather " },
    { type: 'text', text: 'for you.' },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 },
};

describe('fromAnthropicResponse', () => {
  it('translates text, tool_use and usage', () => {
    const out = fromAnthropicResponse(anthropicToolMessage, 'my-alias');
    expect(out).toEqual({
      id: 'msg_01Aq9w938a90dw8q',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'my-alias',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "I'll check the weather for you.",
            reasoning_content: 'The user wants weather.',
            reasoning_details: [{ type: 'reasoning.text', text: 'The user wants weather.', signature: 'EqQBCgIYAhIM', format: 'anthropic-claude-v1', index: 0 }],
            tool_calls: [
              {
                id: 'toolu_01A09q90qw90lq917835lq9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 3195, completion_tokens: 503, total_tokens: 3698, prompt_tokens_details: { cached_tokens: 1000 } },
    });
    expect(Math.abs(out.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('returns null content when there is no text', () => {
    const out = fromAnthropicResponse({ ...anthropicToolMessage, content: [anthropicToolMessage.content[3]] }, 'm');
    expect(out.choices[0].message.content).toBeNull();
    expect(out.choices[0].message.tool_calls).toHaveLength(1);
  });

  it('maps every stop reason', () => {
    const table: Array<[AnthropicStopReason | null, OpenAIFinishReason]> = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['pause_turn', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
      [null, 'stop'],
    ];
    for (const [reason, finish] of table) {
      const out = fromAnthropicResponse({ ...anthropicToolMessage, content: [{ type: 'text', text: 'x' }], stop_reason: reason }, 'm');
      expect(out.choices[0].finish_reason, String(reason)).toBe(finish);
      expect(out.choices[0].message.tool_calls).toBeUndefined();
    }
  });

  it('omits prompt_tokens_details without cache reads', () => {
    const out = fromAnthropicResponse({ ...anthropicToolMessage, usage: { input_tokens: 10, output_tokens: 5 } }, 'm');
    expect(out.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });
});

// ===========================================================================
// Anthropic -> OpenAI: stream
// ===========================================================================

describe('AnthropicToOpenAIStream', () => {
  it('translates a real text + tool_use stream chunk by chunk', () => {
    const s = new AnthropicToOpenAIStream('chatcmpl-gw-1', 'my-alias', true, 1700000000);
    const chunks = parseSSE(ANTHROPIC_TOOL_STREAM).flatMap((e) => s.push(e));
    const deltas = chunks.map((c) => (c.choices.length ? { delta: c.choices[0].delta, finish: c.choices[0].finish_reason } : { usage: c.usage }));
    expect(deltas).toEqual([
      { delta: { role: 'assistant', content: '' }, finish: null },
      { delta: { content: 'Okay' }, finish: null },
      { delta: { content: ", let's check the weather for San Francisco, CA:" }, finish: null },
      {
        delta: { tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        finish: null,
      },
      { delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }, finish: null },
      { delta: { tool_calls: [{ index: 0, function: { arguments: ' "San' } }] }, finish: null },
      { delta: { tool_calls: [{ index: 0, function: { arguments: ' Francisc' } }] }, finish: null },
      { delta: { tool_calls: [{ index: 0, function: { arguments: 'o, CA"' } }] }, finish: null },
      { delta: { tool_calls: [{ index: 0, function: { arguments: ', "unit": "fah' } }] }, finish: null },
      { delta: { tool_calls: [{ index: 0, function: { arguments: 'renheit"}' } }] }, finish: null },
      { delta: {}, finish: 'tool_calls' },
      { usage: { prompt_tokens: 572, completion_tokens: 89, total_tokens: 661, prompt_tokens_details: { cached_tokens: 100 } } },
    ]);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'chatcmpl-gw-1', object: 'chat.completion.chunk', created: 1700000000, model: 'my-alias' });
      if (c.choices.length) expect(c.usage).toBeNull();
    }
    expect(s.usage()).toEqual({ prompt_tokens: 572, completion_tokens: 89, total_tokens: 661, prompt_tokens_details: { cached_tokens: 100 } });
    const collected = collectOpenAI(chunks);
    expect(JSON.parse(collected.toolCalls[0].function.arguments)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(collected.finishChunks).toBe(1);
  });

  it('omits the usage chunk and usage fields without includeUsage', () => {
    const s = new AnthropicToOpenAIStream('id', 'm', false);
    const chunks = parseSSE(ANTHROPIC_TOOL_STREAM).flatMap((e) => s.push(e));
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
    expect(s.usage()?.completion_tokens).toBe(89); // still tracked for accounting
  });

  it('accepts already-parsed data objects', () => {
    const s = new AnthropicToOpenAIStream('id', 'm', false);
    const chunks = parseSSE(ANTHROPIC_TOOL_STREAM).flatMap((e) => s.push({ event: e.event, data: JSON.parse(e.data) }));
    expect(collectOpenAI(chunks).content).toBe("Okay, let's check the weather for San Francisco, CA:");
  });

  it('emits {} arguments for a tool call with no input deltas, and numbers parallel tool calls', () => {
    const msg: AnthropicMessage = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [
        { type: 'tool_use', id: 'toolu_a', name: 'list_files', input: {} },
        { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: { tz: 'UTC' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 20 },
    };
    // No input_json_delta at all for the first tool.
    const events = anthropicEventsFor(msg, splitEvery(3)).filter(
      (e) => !(isDelta(e.data) && e.data.index === 0 && e.data.delta.type === 'input_json_delta'),
    );
    const s = new AnthropicToOpenAIStream('id', 'm', true);
    const collected = collectOpenAI(events.flatMap((e) => s.push(e)));
    expect(collected.toolCalls).toEqual([
      { id: 'toolu_a', type: 'function', function: { name: 'list_files', arguments: '{}' } },
      { id: 'toolu_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"UTC"}' } },
    ]);
    expect(collected.finishReason).toBe('tool_calls');
    expect(collected.content).toBe(''); // from the role chunk only
    expect(collected.usage).toEqual({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 });
  });

  it('thinking deltas become reasoning_content; a signature becomes reasoning_details (signed, for Anthropic only); pings produce nothing', () => {
    const events: AnthropicStreamEvent[] = [
      { type: 'message_start', message: { ...anthropicToolMessage, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'ping' },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ];
    const s = new AnthropicToOpenAIStream('id', 'm', false);
    const chunks = events.flatMap((data) => s.push({ event: data.type, data }));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'hmm' },
      { reasoning_details: [{ type: 'reasoning.text', text: '', signature: 'sig', format: 'anthropic-claude-v1', index: 0 }] },
      { content: 'Hi' },
      {},
    ]);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('maps max_tokens to length and still finishes if message_delta is missing', () => {
    const s = new AnthropicToOpenAIStream('id', 'm', true);
    const msg: AnthropicMessage = { ...anthropicToolMessage, content: [{ type: 'text', text: 'cut off' }], stop_reason: 'max_tokens' };
    const a = collectOpenAI(anthropicEventsFor(msg, splitEvery(2)).flatMap((e) => s.push(e)));
    expect(a.finishReason).toBe('length');

    const s2 = new AnthropicToOpenAIStream('id', 'm', true);
    const noDelta = anthropicEventsFor(msg, splitEvery(2)).filter((e) => e.event !== 'message_delta');
    const b = collectOpenAI(noDelta.flatMap((e) => s2.push(e)));
    expect(b.finishReason).toBe('stop');
    expect(b.finishChunks).toBe(1);
    expect(b.usage).toBeTruthy();
  });

  it('throws UpstreamStreamError on an error event', () => {
    const s = new AnthropicToOpenAIStream('id', 'm', true);
    s.push({ event: 'message_start', data: { type: 'message_start', message: { ...anthropicToolMessage, content: [] } } });
    let caught: unknown;
    try {
      s.push({ event: 'error', data: '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UpstreamStreamError);
    expect(caught).toMatchObject({ type: 'overloaded_error', message: 'Overloaded', status: 529 });
    expect(() => s.push({ event: 'content_block_delta', data: '{"type":"content_bl' })).toThrow(UpstreamStreamError);
  });

  it('property: accumulated chunks equal the non-streaming translation, for any split', () => {
    fc.assert(
      fc.property(arbAnthropicMessage(), fc.integer({ min: 1, max: 7 }), (msg, n) => {
        const s = new AnthropicToOpenAIStream('id', 'm', true);
        const collected = collectOpenAI(anthropicEventsFor(msg, splitEvery(n)).flatMap((e) => s.push(e)));
        const expected = fromAnthropicResponse(msg, 'm');
        const exp = expected.choices[0];
        expect(collected.role).toBe('assistant');
        expect(collected.content ?? '').toBe(exp.message.content ?? '');
        expect(collected.toolCalls).toEqual(exp.message.tool_calls ?? []);
        expect(collected.finishReason).toBe(exp.finish_reason);
        expect(collected.usage).toEqual(expected.usage);
      }),
      { numRuns: 150 },
    );
  });
});

function isDelta(d: unknown): d is Extract<AnthropicStreamEvent, { type: 'content_block_delta' }> {
  return typeof d === 'object' && d !== null && (d as { type?: unknown }).type === 'content_block_delta';
}

describe('fromAnthropicError', () => {
  it('extracts type and message from an Anthropic error body', () => {
    const body = { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } };
    expect(fromAnthropicError(429, body)).toEqual({ type: 'rate_limit_error', message: body.error.message });
    expect(fromAnthropicError(400, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }))).toEqual({
      type: 'invalid_request_error',
      message: 'prompt is too long: 210000 tokens > 200000 maximum',
    });
  });

  it('falls back to the HTTP status for missing or non-JSON bodies', () => {
    expect(fromAnthropicError(529, undefined)).toEqual({ type: 'overloaded_error', message: 'upstream returned HTTP 529' });
    expect(fromAnthropicError(502, '<html>Bad Gateway</html>')).toEqual({ type: 'api_error', message: '<html>Bad Gateway</html>' });
    expect(fromAnthropicError(401, {})).toEqual({ type: 'authentication_error', message: 'upstream returned HTTP 401' });
    expect(fromAnthropicError(404, { error: { message: 'model: claude-foo' } })).toEqual({ type: 'not_found_error', message: 'model: claude-foo' });
    expect(fromAnthropicError(413, '')).toEqual({ type: 'request_too_large', message: 'upstream returned HTTP 413' });
  });
});

// ===========================================================================
// Anthropic -> OpenAI: request (front door /v1/messages)
// ===========================================================================

describe('toOpenAIRequest', () => {
  it('translates a multi-turn conversation with tool_use and tool_result', () => {
    const out = toOpenAIRequest(anthropicToolConversation, 'gpt-4o');
    expect(out).toEqual({
      ...openAIToolConversation,
      model: 'gpt-4o',
      tools: [
        { type: 'function', function: { ...weatherTool.function } },
        { type: 'function', function: { ...timeTool.function } },
      ],
    });
  });

  it('joins system text blocks and drops cache_control', () => {
    const out = toOpenAIRequest(
      {
        model: 'claude',
        max_tokens: 100,
        system: [
          { type: 'text', text: 'You are Claude Code.' },
          { type: 'text', text: 'Follow the repository conventions.', cache_control: { type: 'ephemeral' } },
        ],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
      },
      'up',
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'You are Claude Code.\n\nFollow the repository conventions.' },
      { role: 'user', content: 'hi' },
    ]);
    expect(out.max_tokens).toBe(100);
  });

  it('maps parameters, streaming and tool_choice', () => {
    const base: AnthropicMessagesRequest = {
      model: 'claude',
      max_tokens: 2048,
      messages: [{ role: 'user', content: 'Hello' }],
      temperature: 0.3,
      top_p: 0.8,
      top_k: 40,
      stop_sequences: ['</answer>'],
      stream: true,
      metadata: { user_id: 'u-1' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    };
    const out = toOpenAIRequest(base, 'llama-3.3-70b');
    expect(out).toEqual({
      model: 'llama-3.3-70b',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 2048,
      temperature: 0.3,
      top_p: 0.8,
      stop: ['</answer>'],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
    });
    const tc = (c: AnthropicMessagesRequest['tool_choice']) => toOpenAIRequest({ ...base, tool_choice: c }, 'x').tool_choice;
    expect(tc({ type: 'auto' })).toBe('auto');
    expect(tc({ type: 'none' })).toBe('none');
    expect(tc({ type: 'tool', name: 'get_weather' })).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(tc(undefined)).toBeUndefined();
    expect(toOpenAIRequest({ ...base, stream: false }, 'x')).not.toHaveProperty('stream_options');
  });

  it('translates images and documents', () => {
    const out = toOpenAIRequest(
      {
        model: 'claude',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'spec.pdf' },
              { type: 'text', text: 'Describe.' },
            ],
          },
        ],
      },
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
          { type: 'text', text: 'Describe.' },
        ],
      },
    ]);
  });

  it('moves images out of tool results into the following user message', () => {
    const out = toOpenAIRequest(
      {
        model: 'claude',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'Take a screenshot' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_1',
                is_error: false,
                content: [
                  { type: 'text', text: 'Captured 1 screen.' },
                  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
                ],
              },
              { type: 'text', text: 'What do you see?' },
            ],
          },
        ],
      },
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'Take a screenshot' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Captured 1 screen.' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
          { type: 'text', text: 'What do you see?' },
        ],
      },
    ]);
  });

  it('thinking in assistant history goes back as reasoning_content (redacted thinking is dropped)', () => {
    const out = toOpenAIRequest(
      {
        model: 'claude',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'Q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Let me think', signature: 'sig' },
              { type: 'redacted_thinking', data: 'xyz' },
              { type: 'text', text: 'A' },
            ],
          },
          { role: 'user', content: 'Q2' },
        ],
      },
      'up',
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A', reasoning_content: 'Let me think' },
      { role: 'user', content: 'Q2' },
    ]);
  });

  it('rejects server tools and unknown blocks', () => {
    const base: AnthropicMessagesRequest = { model: 'c', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] };
    expect(() => toOpenAIRequest({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' } as never] }, 'u')).toThrow(ProtocolTranslationError);
    expect(() => toOpenAIRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'search_result' } as never] }] }, 'u')).toThrow(
      ProtocolTranslationError,
    );
    expect(() =>
      toOpenAIRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/y.pdf' } }] }] }, 'u'),
    ).toThrow(ProtocolTranslationError);
  });
});

// ===========================================================================
// OpenAI -> Anthropic: response (front door)
// ===========================================================================

const openAIToolCompletion: OpenAIChatCompletion = {
  id: 'chatcmpl-abc123',
  object: 'chat.completion',
  created: 1699896916,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } },
          { id: 'call_def456', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Bost' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99, prompt_tokens_details: { cached_tokens: 64 } },
};

describe('fromOpenAIResponse', () => {
  it('translates tool calls and usage', () => {
    expect(fromOpenAIResponse(openAIToolCompletion, 'claude-alias')).toEqual({
      id: 'chatcmpl-abc123',
      type: 'message',
      role: 'assistant',
      model: 'claude-alias',
      content: [
        { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
        { type: 'tool_use', id: 'call_def456', name: 'get_current_weather', input: {} }, // invalid JSON -> {}
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 18, output_tokens: 17, cache_read_input_tokens: 64 },
    });
  });

  it('translates text, refusal and finish reasons', () => {
    const textRes = (content: string | null, finish: OpenAIFinishReason, refusal: string | null = null): OpenAIChatCompletion => ({
      ...openAIToolCompletion,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: finish }],
      usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
    });
    const a = fromOpenAIResponse(textRes('Hello there, how may I assist you today?', 'stop'), 'x');
    expect(a.content).toEqual([{ type: 'text', text: 'Hello there, how may I assist you today?' }]);
    expect(a.stop_reason).toBe('end_turn');
    expect(a.usage).toEqual({ input_tokens: 9, output_tokens: 12 });
    expect(fromOpenAIResponse(textRes('partial', 'length'), 'x').stop_reason).toBe('max_tokens');
    expect(fromOpenAIResponse(textRes('', 'content_filter'), 'x')).toMatchObject({ content: [], stop_reason: 'refusal' });
    expect(fromOpenAIResponse(textRes(null, 'stop', "I'm sorry, I can't help with that."), 'x')).toMatchObject({
      content: [{ type: 'text', text: "I'm sorry, I can't help with that." }],
      stop_reason: 'refusal',
    });
    // Providers that say "stop" while returning tool calls.
    const weird = structuredClone(openAIToolCompletion);
    weird.choices[0].finish_reason = 'stop';
    expect(fromOpenAIResponse(weird, 'x').stop_reason).toBe('tool_use');
  });

  it('generates tool_use ids when the provider omits them', () => {
    const res = structuredClone(openAIToolCompletion);
    res.choices[0].message.tool_calls![0].id = '';
    const out = fromOpenAIResponse(res, 'x');
    const block = out.content[0];
    expect(block.type === 'tool_use' && block.id).toMatch(/^toolu_[0-9a-f]{32}$/);
  });
});

describe('fromOpenAIError / Anthropic error helpers', () => {
  it('extracts type and message', () => {
    expect(
      fromOpenAIError(400, {
        error: {
          message: "This model's maximum context length is 128000 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
    ).toEqual({ type: 'invalid_request_error', message: "This model's maximum context length is 128000 tokens." });
    expect(fromOpenAIError(429, JSON.stringify({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }))).toEqual({
      type: 'rate_limit_exceeded',
      message: 'Rate limit reached',
    });
    expect(fromOpenAIError(503, 'upstream connect error')).toEqual({ type: 'server_error', message: 'upstream connect error' });
    expect(fromOpenAIError(429, [{ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } }])).toEqual({
      type: 'rate_limit_error',
      message: 'Resource exhausted',
    });
    expect(fromOpenAIError(401, { error: 'Invalid API key' })).toEqual({ type: 'authentication_error', message: 'Invalid API key' });
  });

  it('builds Anthropic error bodies and events', () => {
    expect(toAnthropicErrorBody(429, 'slow down')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(toAnthropicErrorBody(503, 'busy').error.type).toBe('overloaded_error');
    expect(toAnthropicErrorBody(500, 'boom').error.type).toBe('api_error');
    expect(anthropicErrorEvent(529, 'Overloaded')).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });
});

// ===========================================================================
// OpenAI -> Anthropic: stream (front door)
// ===========================================================================

describe('OpenAIToAnthropicStream', () => {
  it('emits the exact event sequence for a text stream', () => {
    const events = runOpenAIStream(
      [
        oaChunk({ role: 'assistant', content: '', refusal: null }),
        oaChunk({ content: 'Hello' }),
        oaChunk({ content: ' world' }),
        oaChunk({}, 'stop'),
        oaUsageChunk({ prompt_tokens: 20, completion_tokens: 2, total_tokens: 22, prompt_tokens_details: { cached_tokens: 0 } }),
      ],
      17,
    );
    expect(events).toEqual([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_gw_123',
            type: 'message',
            role: 'assistant',
            content: [],
            model: 'claude-via-gw',
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 17, output_tokens: 0 },
          },
        },
      },
      { event: 'ping', data: { type: 'ping' } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' world' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2, input_tokens: 20 } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });

  it('waits for the usage chunk after finish_reason, and finish() is idempotent', () => {
    const s = new OpenAIToAnthropicStream('msg_1', 'm');
    expect(s.push(oaChunk({ role: 'assistant', content: '' })).map((e) => e.event)).toEqual(['message_start', 'ping']);
    expect(s.push(oaChunk({ content: 'Hi' })).map((e) => e.event)).toEqual(['content_block_start', 'content_block_delta']);
    expect(s.push(oaChunk({}, 'stop')).map((e) => e.event)).toEqual(['content_block_stop']);
    const tail = s.push(oaUsageChunk({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }));
    expect(tail.map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
    expect(s.isDone()).toBe(true);
    expect(s.finish()).toEqual([]);
    expect(s.push(oaChunk({ content: 'late' }))).toEqual([]);
    expect(s.usage()).toEqual({ input_tokens: 5, output_tokens: 1 });
  });

  it('finish() closes the message when the upstream sends no usage or no finish_reason', () => {
    const noUsage = runOpenAIStream([oaChunk({ role: 'assistant', content: 'Hi' }), oaChunk({}, 'length')]);
    expect(collectAnthropic(noUsage)).toMatchObject({ content: [{ type: 'text', text: 'Hi' }], stop_reason: 'max_tokens', usage: { output_tokens: 0 } });

    const truncated = runOpenAIStream([oaChunk({ role: 'assistant', content: 'Hi' }), oaChunk({ content: ' there' })]);
    expect(truncated.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(collectAnthropic(truncated).stop_reason).toBe('end_turn');

    const empty = runOpenAIStream([]);
    expect(empty.map((e) => e.event)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  it('handles usage sent on the finish chunk itself', () => {
    const finishWithUsage: OpenAIChatChunk = { ...oaChunk({}, 'stop'), usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };
    const s = new OpenAIToAnthropicStream('m', 'x');
    s.push(oaChunk({ content: 'ok' }));
    expect(s.push(finishWithUsage).map((e) => e.event)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('streams text followed by parallel tool calls with split arguments', () => {
    const chunks: OpenAIChatChunk[] = [
      oaChunk({ role: 'assistant', content: '' }),
      oaChunk({ content: 'Checking.' }),
      oaChunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      oaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] }),
      oaChunk({ tool_calls: [{ index: 0, function: { arguments: 'ation": "Paris"}' } }] }),
      oaChunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }] }),
      oaChunk({ tool_calls: [{ index: 1, function: { arguments: ' "CET"}' } }] }),
      oaChunk({}, 'tool_calls'),
      oaUsageChunk({ prompt_tokens: 100, completion_tokens: 40, total_tokens: 140, prompt_tokens_details: { cached_tokens: 60 } }),
    ];
    const events = runOpenAIStream(chunks);
    expect(events.map((e) => (e.data.type === 'content_block_delta' ? `${e.event}:${e.data.index}:${e.data.delta.type}` : e.event))).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta:0:text_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:1:input_json_delta',
      'content_block_delta:1:input_json_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:2:input_json_delta',
      'content_block_delta:2:input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[5].data).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    expect(collectAnthropic(events)).toEqual({
      id: 'msg_gw_123',
      type: 'message',
      role: 'assistant',
      model: 'claude-via-gw',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_time', input: { tz: 'CET' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 40, cache_read_input_tokens: 60 },
    });
  });

  it('copes with provider quirks: late names, missing index, whole calls in one chunk', () => {
    const chunks: OpenAIChatChunk[] = [
      // id first, name in a later chunk, arguments buffered until the block can open
      oaChunk({ tool_calls: [{ index: 0, id: 'call_a', function: { arguments: '{"q"' } }] }),
      oaChunk({ tool_calls: [{ index: 0, function: { name: 'search', arguments: ':"x"}' } }] }),
      // no index (some Gemini-compatible endpoints)
      oaChunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'open', arguments: '{"n":1}' } } as never] }),
      // finish_reason "stop" although tool calls were made
      oaChunk({}, 'stop'),
    ];
    const msg = collectAnthropic(runOpenAIStream(chunks));
    expect(msg.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'search', input: { q: 'x' } },
      { type: 'tool_use', id: 'call_b', name: 'open', input: { n: 1 } },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('maps refusals and content_filter', () => {
    const a = collectAnthropic(runOpenAIStream([oaChunk({ role: 'assistant', refusal: "I can't help with that." }), oaChunk({}, 'stop')]));
    expect(a).toMatchObject({ content: [{ type: 'text', text: "I can't help with that." }], stop_reason: 'refusal' });
    const b = collectAnthropic(runOpenAIStream([oaChunk({ content: 'Par' }), oaChunk({}, 'content_filter')]));
    expect(b.stop_reason).toBe('refusal');
  });

  it('throws UpstreamStreamError on an error chunk', () => {
    const s = new OpenAIToAnthropicStream('m', 'x');
    s.push(oaChunk({ content: 'a' }));
    expect(() => s.push({ error: { message: 'Internal error', type: 'server_error' } } as never)).toThrow(UpstreamStreamError);
    try {
      s.push({ error: { message: 'Too many requests', type: 'rate_limit_exceeded' } } as never);
    } catch (e) {
      expect(e).toMatchObject({ type: 'rate_limit_exceeded', status: 429 });
    }
  });

  it('property: any chunking of text and tool arguments rebuilds the same message', () => {
    fc.assert(
      fc.property(arbOpenAICompletion(), fc.integer({ min: 1, max: 6 }), (res, n) => {
        const chunks = openAIChunksFor(res, splitEvery(n));
        const streamed = collectAnthropic(runOpenAIStream(chunks));
        const direct = fromOpenAIResponse(res, 'claude-via-gw');
        expect(streamed.content).toEqual(direct.content);
        expect(streamed.stop_reason).toBe(direct.stop_reason);
        expect(streamed.usage).toEqual({ ...direct.usage, input_tokens: direct.usage.input_tokens });
      }),
      { numRuns: 150 },
    );
  });
});

function openAIChunksFor(res: OpenAIChatCompletion, split: (s: string) => string[]): OpenAIChatChunk[] {
  const choice = res.choices[0];
  const out: OpenAIChatChunk[] = [oaChunk({ role: 'assistant', content: '' })];
  for (const piece of split(choice.message.content ?? '')) out.push(oaChunk({ content: piece }));
  (choice.message.tool_calls ?? []).forEach((tc, index) => {
    out.push(oaChunk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }));
    for (const piece of split(tc.function.arguments)) out.push(oaChunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(oaChunk({}, choice.finish_reason));
  if (res.usage) out.push(oaUsageChunk(res.usage));
  return out;
}

// ===========================================================================
// Round trips
// ===========================================================================

const arbJsonObject = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
  { maxKeys: 4 },
);
const arbText = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s !== '');
const arbId = fc.stringMatching(/^[a-zA-Z0-9_]{4,16}$/);
const arbName = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

function arbAnthropicMessage(): fc.Arbitrary<AnthropicMessage> {
  return fc
    .record({
      text: fc.option(arbText, { nil: undefined }),
      tools: fc.array(fc.record({ id: arbId, name: arbName, input: arbJsonObject }), { maxLength: 3 }),
      stop: fc.constantFrom<AnthropicStopReason>('end_turn', 'max_tokens', 'stop_sequence', 'refusal'),
      usage: fc.record({
        input_tokens: fc.nat(5000),
        output_tokens: fc.nat(5000),
        cache_read_input_tokens: fc.option(fc.nat(5000), { nil: undefined }),
      }),
    })
    .map(({ text, tools, stop, usage }) => {
      const content: AnthropicResponseContentBlock[] = [];
      if (text !== undefined) content.push({ type: 'text', text });
      for (const t of tools) content.push({ type: 'tool_use', ...t });
      const u: AnthropicUsage = { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens };
      if (usage.cache_read_input_tokens) u.cache_read_input_tokens = usage.cache_read_input_tokens;
      return {
        id: 'msg_prop',
        type: 'message' as const,
        role: 'assistant' as const,
        model: 'claude',
        content,
        stop_reason: tools.length > 0 ? ('tool_use' as const) : stop,
        stop_sequence: null,
        usage: u,
      };
    });
}

function arbOpenAICompletion(): fc.Arbitrary<OpenAIChatCompletion> {
  return arbAnthropicMessage()
    .filter((m) => m.stop_reason !== 'refusal' && m.stop_reason !== 'stop_sequence')
    .map((m) => {
      const c = fromAnthropicResponse(m, 'gpt');
      c.choices[0].message.content = c.choices[0].message.content ?? null;
      return c;
    });
}

/** Normalise Anthropic messages for comparison: string content -> one text block. */
function normaliseAnthropic(req: AnthropicMessagesRequest) {
  return req.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content,
  }));
}

function arbOpenAIConversation(): fc.Arbitrary<OpenAIChatRequest> {
  const arbExchange = fc.oneof(
    // plain text answer
    fc.record({ user: arbText, answer: arbText }).map(({ user, answer }): OpenAIMessage[] => [
      { role: 'user', content: user },
      { role: 'assistant', content: answer },
    ]),
    // tool round: assistant calls tools, tools answer
    fc
      .record({
        user: arbText,
        preface: fc.option(arbText, { nil: null }),
        calls: fc.uniqueArray(fc.record({ id: arbId, name: arbName, args: arbJsonObject, result: arbText }), {
          minLength: 1,
          maxLength: 3,
          selector: (c) => c.id,
        }),
        answer: arbText,
      })
      .map(({ user, preface, calls, answer }): OpenAIMessage[] => [
        { role: 'user', content: user },
        {
          role: 'assistant',
          content: preface,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args) } })),
        },
        ...calls.map((c): OpenAIMessage => ({ role: 'tool', tool_call_id: c.id, content: c.result })),
        { role: 'user', content: 'continue' },
        { role: 'assistant', content: answer },
      ]),
  );
  return fc.record({ system: fc.option(arbText, { nil: undefined }), exchanges: fc.array(arbExchange, { minLength: 1, maxLength: 4 }), last: arbText }).map(
    ({ system, exchanges, last }) => {
      const messages: OpenAIMessage[] = [];
      if (system !== undefined) messages.push({ role: 'system', content: system });
      for (const ex of exchanges) messages.push(...ex);
      messages.push({ role: 'user', content: last });
      return { model: 'gpt-4o', messages, max_tokens: 256 };
    },
  );
}

describe('round trips', () => {
  it('OpenAI request -> Anthropic -> OpenAI is the identity on canonical conversations', () => {
    fc.assert(
      fc.property(arbOpenAIConversation(), (req) => {
        const anthropic = toAnthropicRequest(req, 'claude');
        // Anthropic invariants: alternation, user first, tool_results lead their turn.
        anthropic.messages.forEach((m, i) => {
          expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant');
          if (Array.isArray(m.content)) {
            const firstNonResult = m.content.findIndex((b) => b.type !== 'tool_result');
            if (firstNonResult >= 0) expect(m.content.slice(firstNonResult).some((b) => b.type === 'tool_result')).toBe(false);
          }
        });
        const back = toOpenAIRequest(anthropic, 'gpt-4o');
        expect(back.messages).toEqual(req.messages);
        expect(back.max_tokens).toBe(256);
      }),
      { numRuns: 200 },
    );
  });

  it('Anthropic request -> OpenAI -> Anthropic preserves the conversation', () => {
    fc.assert(
      fc.property(arbOpenAIConversation(), (seed) => {
        const original = toAnthropicRequest({ ...seed, tools: [weatherTool], tool_choice: 'required', stop: ['END'] }, 'claude');
        const again = toAnthropicRequest(toOpenAIRequest(original, 'gpt-4o'), 'claude');
        expect(normaliseAnthropic(again)).toEqual(normaliseAnthropic(original));
        expect(again.system).toEqual(original.system);
        expect(again.tools).toEqual(original.tools);
        expect(again.tool_choice).toEqual(original.tool_choice);
        expect(again.stop_sequences).toEqual(original.stop_sequences);
      }),
      { numRuns: 200 },
    );
    // Also the hand-written fixture.
    expect(toAnthropicRequest(toOpenAIRequest(anthropicToolConversation, 'gpt-4o'), 'claude-sonnet-4-5')).toEqual(anthropicToolConversation);
  });

  it('Anthropic response -> OpenAI -> Anthropic keeps content, stop reason and usage', () => {
    fc.assert(
      fc.property(arbAnthropicMessage(), (msg) => {
        const back = fromOpenAIResponse(fromAnthropicResponse(msg, 'alias'), 'claude');
        // Adjacent text blocks are joined; thinking is dropped; stop_sequence degrades to end_turn.
        expect(back.content).toEqual(msg.content);
        const expectedStop = msg.stop_reason === 'stop_sequence' ? 'end_turn' : msg.stop_reason;
        expect(back.stop_reason).toBe(expectedStop);
        expect(back.usage).toEqual(msg.usage);
      }),
      { numRuns: 200 },
    );
  });

  it('Anthropic stream -> OpenAI chunks -> Anthropic stream rebuilds the message', () => {
    fc.assert(
      fc.property(arbAnthropicMessage(), fc.integer({ min: 1, max: 9 }), (msg, n) => {
        const down = new AnthropicToOpenAIStream('chatcmpl-x', 'alias', true);
        const up = new OpenAIToAnthropicStream(msg.id, msg.model);
        const events: AnthropicSSEEvent[] = [];
        for (const e of anthropicEventsFor(msg, splitEvery(n))) for (const c of down.push(e)) events.push(...up.push(c));
        events.push(...up.finish());
        const rebuilt = collectAnthropic(events);
        expect(rebuilt.content).toEqual(msg.content);
        expect(rebuilt.stop_reason).toBe(msg.stop_reason === 'stop_sequence' ? 'end_turn' : msg.stop_reason);
        expect(rebuilt.usage).toEqual(msg.usage);
      }),
      { numRuns: 150 },
    );
  });
});

describe('toAnthropicRequest: reasoning_effort on a model that thinks', () => {
  const req = (over: Record<string, unknown> = {}): OpenAIChatRequest =>
    ({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4000, temperature: 0.5, reasoning_effort: 'medium', ...over }) as unknown as OpenAIChatRequest;
  const thinking = (r: OpenAIChatRequest, on = true) => (toAnthropicRequest(r, 'claude', { thinking: on }) as unknown as Record<string, unknown>).thinking;

  it('turns thinking on within max_tokens, without temperature', () => {
    const out = toAnthropicRequest(req(), 'claude', { thinking: true }) as unknown as Record<string, unknown>;
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 3999 });
    expect(out.temperature).toBeUndefined();
    expect(thinking(req({ max_tokens: 20000 }))).toEqual({ type: 'enabled', budget_tokens: 8192 });
  });

  it('not for a model that does not think, a budget under 1,024, a forced tool, or a tool loop without thinking', () => {
    expect(thinking(req(), false)).toBeUndefined();
    expect(thinking(req({ max_tokens: 800 }))).toBeUndefined();
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    expect(thinking(req({ tools, tool_choice: 'required' }))).toBeUndefined();
    expect(thinking(req({ tools, tool_choice: 'auto' }))).toEqual({ type: 'enabled', budget_tokens: 3999 });
    const loop = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'ok' },
    ];
    expect(thinking(req({ tools, messages: loop }))).toBeUndefined();
  });
});
