import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const NATIVE_KEY = 'sk-native-secret-5555';

/** chat-only providers (freebie, paidco, backup), an Anthropic one (claude), a native Responses one (native). */
const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
provider native { protocol openai-responses  base_url "${url}/native/v1"  key env NATIVE_KEY }
model freebie/free-model    { context 32k  can tools vision  free 1M tokens every day }
model paidco/paid-model     { context 128k  can tools vision  price 1 / 2 }
model backup/backup-model   { context 128k  can tools vision  price 0.5 / 1 }
model claude/claude-model   { context 200k  can tools vision  price 3 / 15 }
model native/gpt-native     { context 200k  can tools vision  price 2 / 8 }
model freebie/bge-m3        { context 8k  can embed  free 1M tokens every month }
scenario claude when model ~ /claude/ {
  paid claude/claude-model
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free any
  willingness 100%
}
fallback backup/backup-model
retry {
  attempts 3
  backoff 0ms
  on network rate_limit server quota
}
`;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, body(up.url)), { ...TEST_KEYS, CLAUDE_KEY, NATIVE_KEY });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => {
  up.reset();
  (g.gw.deps as { live: unknown }).live = new (g.gw.live.constructor as new () => typeof g.gw.live)();
});

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

describe('POST /v1/responses over a chat-only upstream', () => {
  it('answers responses.create with text, usage and x-gw headers; the upstream got a chat request', async () => {
    up.script('free-model', { reply: 'hello from the free model', usage: { promptTokens: 11, completionTokens: 5 } });
    const { data, response } = await g.client().responses.create({ model: 'auto', instructions: 'be brief', input: 'say hello', max_output_tokens: 50 }).withResponse();
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.output_text).toBe('hello from the free model');
    expect(data.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(response.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(response.headers.get('x-gw-tier')).toBe('free');
    const sent = up.requests[0];
    expect(sent.endpoint).toBe('chat.completions');
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'say hello' },
    ]);
    expect(sent.body.max_tokens).toBe(50);
    expect(sent.headers.authorization).toBe(`Bearer ${TEST_KEYS.FREEBIE_KEY}`);
  });

  it('streams the documented event sequence with increasing sequence_number (responses.stream)', async () => {
    up.script('free-model', { reply: 'streamed answer in pieces', reasoning: 'thinking it over', usage: { promptTokens: 9, completionTokens: 4 } });
    const stream = g.client().responses.stream({ model: 'auto', input: 'stream please' });
    const events: { type: string; sequence_number: number }[] = [];
    let text = '';
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    const final = await stream.finalResponse();
    expect(text).toBe('streamed answer in pieces');
    expect(final.output_text).toBe('streamed answer in pieces');
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'thinking it over' }] });
  });

  it('runs a function-tool round trip: function_call out, function_call_output back in', async () => {
    up.script('free-model', { toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Paris' } }] });
    const c = g.client();
    const first = await c.responses.create({ model: 'auto', input: 'weather in Paris?', tools: [WEATHER_TOOL], store: false });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', call_id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(up.requests[0].body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'weather for a city', parameters: WEATHER_TOOL.parameters, strict: true } }]);
    up.script('free-model', { reply: 'It is sunny in Paris.' });
    const second = await c.responses.create({
      model: 'auto',
      tools: [WEATHER_TOOL],
      input: [{ role: 'user', content: 'weather in Paris?' }, call!, { type: 'function_call_output', call_id: 'call_w1', output: '{"sky":"sunny"}' }],
    });
    expect(second.output_text).toBe('It is sunny in Paris.');
    expect(up.requests[1].body.messages).toEqual([
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"sky":"sunny"}' },
    ]);
  });

  it('streams tool-call arguments as function_call_arguments deltas with the whole arguments at .done', async () => {
    up.script('free-model', { reply: 'let me check', toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: { city: 'San Francisco, CA' } }] });
    const stream = g.client().responses.stream({ model: 'auto', input: 'weather?', tools: [WEATHER_TOOL] });
    let args = '';
    let done: unknown = null;
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') args += e.delta;
      if (e.type === 'response.function_call_arguments.done') done = e;
    }
    const final = await stream.finalResponse();
    expect(args).toBe('{"city":"San Francisco, CA"}');
    expect(done).toMatchObject({ name: 'get_weather', arguments: '{"city":"San Francisco, CA"}' });
    expect(final.output.map((o) => o.type)).toEqual(['message', 'function_call']);
  });

  it('maps text.format json_schema to response_format, and images to image_url parts', async () => {
    up.script('free-model', { reply: '{"answer":42}' });
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    const r = await g.client().responses.create({
      model: 'auto',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is in it?' }, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' }] }],
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    expect(JSON.parse(r.output_text)).toEqual({ answer: 42 });
    const sent = up.requests[0].body;
    expect(sent.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });
    expect(sent.messages[0].content).toEqual([
      { type: 'text', text: 'what is in it?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
    ]);
  });

  it('retries an upstream failure before the first event on the next model, like chat', async () => {
    up.script('free-model', { status: 500 });
    const { data, response } = await g.client().responses.create({ model: 'auto', input: 'hi', stream: false }).withResponse();
    expect(data.output_text).toBe('ok from paid-model');
    expect(response.headers.get('x-gw-attempts')).toBe('2');
  });

  it('ends a stream cut after its first event with response.failed', async () => {
    up.script('free-model', { reply: 'a long answer that will be cut', cutAfterChunks: 3 });
    const res = await fetch(`${g.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', input: 'x', stream: true }) });
    const text = await res.text();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(types[types.length - 1]).toBe('response.failed');
    expect(types).not.toContain('response.completed');
  });
});

describe('POST /v1/responses over an Anthropic upstream', () => {
  it('answers JSON and streams through the Messages translation, tools included', async () => {
    up.script({ provider: 'claude' }, { reply: 'hi from claude', usage: { promptTokens: 20, completionTokens: 3 } });
    const r = await g.client().responses.create({ model: 'claude/claude-model', input: 'hello claude' });
    expect(r.output_text).toBe('hi from claude');
    expect(r.usage).toMatchObject({ input_tokens: 20, output_tokens: 3 });
    expect(up.requests[0].endpoint).toBe('messages');
    up.script({ provider: 'claude' }, { toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const stream = g.client().responses.stream({ model: 'claude/claude-model', input: 'weather?', tools: [WEATHER_TOOL] });
    for await (const _ of stream) void _;
    const final = await stream.finalResponse();
    expect(final.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' })]);
    expect(up.requests[1].body.tools[0]).toMatchObject({ name: 'get_weather', input_schema: WEATHER_TOOL.parameters });
  });
});

describe('native Responses providers and built-in tools', () => {
  it('passes the body through to a native provider with only model changed', async () => {
    up.script({ provider: 'native' }, { reply: 'native answer' });
    const req = { model: 'native/gpt-native', input: 'hi', metadata: { a: 'b' }, include: ['reasoning.encrypted_content' as const], prompt_cache_key: 'k1' };
    const r = await g.client().responses.create(req);
    expect(r.output_text).toBe('native answer');
    expect(up.requests[0].endpoint).toBe('responses');
    expect(up.requests[0].body).toEqual({ ...req, model: 'gpt-native' });
    expect(up.requests[0].headers.authorization).toBe(`Bearer ${NATIVE_KEY}`);
  });

  it('streams a native provider events through unchanged', async () => {
    up.script({ provider: 'native' }, { reply: 'native stream' });
    const stream = g.client().responses.stream({ model: 'native/gpt-native', input: 'hi' });
    for await (const _ of stream) void _;
    expect((await stream.finalResponse()).output_text).toBe('native stream');
  });

  it('a built-in tool makes non-native models ineligible (the trace says why); none left is a clear 400', async () => {
    const err = await g
      .client()
      .responses.create({ model: 'auto', input: 'news?', tools: [{ type: 'web_search' }] })
      .then(() => null, (e: { status: number; error: { code: string; message: string } }) => e);
    expect(err?.status).toBe(400);
    expect(err?.error.code).toBe('unsupported_tool');
    expect(err?.error.message).toMatch(/web_search runs only on a provider that speaks the Responses API natively/);
    expect(up.requests).toHaveLength(0);
    up.script({ provider: 'native' }, { reply: 'searched' });
    const ok = await g.client().responses.create({ model: 'native/gpt-native', input: 'news?', tools: [{ type: 'web_search' }] });
    expect(ok.output_text).toBe('searched');
    expect(up.requests[0].body.tools).toEqual([{ type: 'web_search' }]);
  });
});

describe('stored responses', () => {
  it('keeps a response (store defaults to true): GET, input_items, previous_response_id, DELETE, then 404', async () => {
    up.script('free-model', { reply: 'my name is noted' }, { reply: 'your name is Ada' });
    const c = g.client();
    const first = await c.responses.create({ model: 'auto', input: 'my name is Ada' });
    const got = await c.responses.retrieve(first.id);
    expect(got.id).toBe(first.id);
    expect(got.output_text).toBe('my name is noted');
    const items = await c.responses.inputItems.list(first.id);
    expect(items.data).toEqual([expect.objectContaining({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'my name is Ada' }] })]);
    const second = await c.responses.create({ model: 'auto', input: 'what is my name?', previous_response_id: first.id });
    expect(second.output_text).toBe('your name is Ada');
    expect(up.requests[1].body.messages).toEqual([
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'my name is noted' },
      { role: 'user', content: 'what is my name?' },
    ]);
    await c.responses.delete(first.id);
    const gone = await c.responses.retrieve(first.id).then(() => null, (e: { status: number; error: { type: string } }) => e);
    expect(gone?.status).toBe(404);
    expect(gone?.error.type).toBe('invalid_request_error');
    const prev = await c.responses.create({ model: 'auto', input: 'x', previous_response_id: first.id }).then(() => null, (e: { status: number; error: { param: string } }) => e);
    expect(prev?.status).toBe(404);
    expect(prev?.error.param).toBe('previous_response_id');
  });

  it('store: false keeps nothing to retrieve', async () => {
    up.script('free-model', { reply: 'not kept' });
    const r = await g.client().responses.create({ model: 'auto', input: 'x', store: false });
    const e = await g.client().responses.retrieve(r.id).then(() => null, (x: { status: number }) => x);
    expect(e?.status).toBe(404);
  });

  it('keeps a streamed response too', async () => {
    up.script('free-model', { reply: 'streamed and kept' });
    const stream = g.client().responses.stream({ model: 'auto', input: 'x' });
    for await (const _ of stream) void _;
    const final = await stream.finalResponse();
    expect((await g.client().responses.retrieve(final.id)).output_text).toBe('streamed and kept');
  });
});

describe('GET /v1/models/{id}', () => {
  it('retrieves a model whose id holds "/", and 404s an unknown one', async () => {
    const m = await g.client().models.retrieve('freebie/free-model');
    expect(m).toMatchObject({ id: 'freebie/free-model', object: 'model', owned_by: 'freebie' });
    expect((m as unknown as { gw: { context: number } }).gw.context).toBe(32000);
    const e = await g.client().models.retrieve('nope/none').then(() => null, (x: { status: number; error: { code: string } }) => x);
    expect(e?.status).toBe(404);
    expect(e?.error.code).toBe('model_not_found');
  });
});
