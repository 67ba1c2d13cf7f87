import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropicAdapter, anthropicMessagesUrl } from '../runtime/providers/anthropic-adapter.ts';
import type { UpstreamCall, UpstreamResult, UpstreamStream } from '../runtime/providers/adapter.ts';
import type { Failure } from '../runtime/providers/failure.ts';
import type { Model, Provider } from '../runtime/types/decision-table.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';

const KEY = 'sk-ant-test-key';
let up: FakeUpstream;

beforeAll(async () => {
  up = await startFakeUpstream({ apiKeys: { '*': KEY } });
});
afterEach(() => up.reset());
afterAll(async () => {
  await up.close();
});

function provider(baseUrl: string = up.url): Provider {
  return {
    name: 'claude',
    protocol: 'anthropic',
    baseUrl,
    keyEnv: ['ANTHROPIC_API_KEY'],
    local: false,
    timeoutMs: 5_000,
    headers: [],
    enabled: true,
    disabledReason: null,
    preset: false,
    at: 'routes.gw:1:1',
  };
}

function model(name = 'claude-test'): Model {
  return { id: `claude/${name}`, provider: 'claude', name, context: null, maxOutput: null, price: null, capabilities: [], speed: null, free: null, limits: { rpm: null, tpm: null }, order: 0, at: 'routes.gw:2:1' };
}

function call(over: Partial<UpstreamCall> = {}): UpstreamCall {
  return {
    provider: provider(),
    model: model(),
    apiKey: KEY,
    body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] },
    stream: false,
    clientWantsUsage: false,
    signal: AbortSignal.timeout(10_000),
    headers: {},
    ...over,
  };
}

function json(r: UpstreamResult): { text: unknown; usage: unknown; status: number } {
  if (!r.ok || r.kind !== 'json') throw new Error(`expected a JSON answer, got ${JSON.stringify(r)}`);
  return { text: JSON.parse(r.text), usage: r.usage, status: r.status };
}

function streamOf(r: UpstreamResult): UpstreamStream {
  if (!r.ok || r.kind !== 'stream') throw new Error(`expected a stream, got ${JSON.stringify(r)}`);
  return r.stream;
}

function failureOf(r: UpstreamResult): Failure {
  if (r.ok) throw new Error('expected a failure');
  return r.failure;
}

async function drain(s: UpstreamStream): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const n = await s.frames.next();
    if (n.done) return out;
    out.push(n.value);
  }
}

/** The JSON chunks of the frames (all but [DONE]). */
function chunks(frames: string[]): any[] {
  return frames.filter((f) => f !== 'data: [DONE]\n\n').map((f) => {
    expect(f).toMatch(/^data: \{.*\}\n\n$/s);
    return JSON.parse(f.slice(6));
  });
}

function sse(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

const messageStart = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } };

describe('anthropicAdapter: JSON answers', () => {
  it('translates a plain answer to a chat.completion with OpenAI usage, and sends an Anthropic request', async () => {
    up.script('claude-test', { reply: 'hello there', usage: { promptTokens: 10, completionTokens: 5 } });
    const r = await anthropicAdapter.chat(call({ body: { model: 'auto', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], stream: false } }));
    const { text, usage, status } = json(r);
    expect(status).toBe(200);
    expect(text).toMatchObject({
      object: 'chat.completion',
      model: 'claude-test',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect((text as { id: string }).id).toMatch(/^msg_/);
    expect(usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });

    expect(up.requests).toHaveLength(1);
    const rec = up.requests[0];
    expect(rec.path).toBe('/v1/messages');
    expect(rec.body).toEqual({ model: 'claude-test', system: 'be brief', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4096 });
    expect(rec.stream).toBe(false);
  });

  it('puts the key in x-api-key, sends anthropic-version and the provider headers, never a Bearer', async () => {
    await anthropicAdapter.chat(call({ headers: { 'anthropic-beta': 'tools-2024', 'X-Custom': 'v' } }));
    const h = up.requests[0].headers;
    expect(h['x-api-key']).toBe(KEY);
    expect(h['anthropic-version']).toBe('2023-06-01');
    expect(h['anthropic-beta']).toBe('tools-2024');
    expect(h['x-custom']).toBe('v');
    expect(h.authorization).toBeUndefined();
  });

  it('lets a provider header line override anthropic-version without sending it twice', async () => {
    await anthropicAdapter.chat(call({ headers: { 'Anthropic-Version': '2099-01-01' } }));
    expect(up.requests[0].headers['anthropic-version']).toBe('2099-01-01');
  });

  it('does not double /v1 and keeps a proxy prefix', async () => {
    expect(anthropicMessagesUrl('https://api.anthropic.com')).toBe('https://api.anthropic.com/v1/messages');
    expect(anthropicMessagesUrl('https://api.anthropic.com/')).toBe('https://api.anthropic.com/v1/messages');
    expect(anthropicMessagesUrl('https://proxy.example/v1/')).toBe('https://proxy.example/v1/messages');
    await anthropicAdapter.chat(call({ provider: provider(`${up.url}/v1`) }));
    await anthropicAdapter.chat(call({ provider: provider(`${up.url}/proxy/`) }));
    expect(up.requests.map((r) => r.path)).toEqual(['/v1/messages', '/proxy/v1/messages']);
  });

  it('translates a tool_use answer into tool_calls', async () => {
    up.script('claude-test', { toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } }], usage: { promptTokens: 20, completionTokens: 8 } });
    const body = {
      model: 'auto',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
    };
    const { text, usage } = json(await anthropicAdapter.chat(call({ body })));
    expect(text).toMatchObject({
      choices: [
        {
          message: { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(usage).toEqual({ prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 });
    expect(up.requests[0].body.tools).toEqual([{ name: 'get_weather', description: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);
    expect(up.requests[0].body.tool_choice).toEqual({ type: 'any' });
  });

  it('sends an image data URL as a base64 image block', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const body = {
      model: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    };
    json(await anthropicAdapter.chat(call({ body })));
    expect(up.requests[0].body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] },
    ]);
  });

  it('answers a request Anthropic cannot take with invalid_request, without calling the upstream', async () => {
    const body = { model: 'auto', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] };
    const f = failureOf(await anthropicAdapter.chat(call({ body })));
    expect(f).toEqual({ class: 'invalid_request', status: 400, message: expect.stringMatching(/input_audio/), retryAfterMs: null });
    const f2 = failureOf(await anthropicAdapter.chat(call({ body: { model: 'auto', messages: [{ role: 'assistant', content: 'x', tool_calls: {} }] } })));
    expect(f2.class).toBe('invalid_request');
    expect(up.requests).toHaveLength(0);
  });

  it('classifies 529 overloaded_error as server', async () => {
    up.script('claude-test', { status: 529 });
    expect(failureOf(await anthropicAdapter.chat(call()))).toMatchObject({ class: 'server', status: 529, message: '529 Overloaded' });
  });

  it('classifies 429 rate_limit_error as rate_limit with retryAfterMs', async () => {
    up.script('claude-test', { status: 429, retryAfter: 7 });
    expect(failureOf(await anthropicAdapter.chat(call()))).toMatchObject({ class: 'rate_limit', status: 429, retryAfterMs: 7000 });
  });

  it('classifies a wrong key (401) as auth', async () => {
    expect(failureOf(await anthropicAdapter.chat(call({ apiKey: 'sk-wrong' })))).toMatchObject({ class: 'auth', status: 401 });
  });

  it('classifies a low credit balance (400) as quota', async () => {
    up.script('claude-test', { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } } });
    expect(failureOf(await anthropicAdapter.chat(call()))).toMatchObject({ class: 'quota', status: 400 });
  });

  it('treats a JSON answer cut midway as a network failure', async () => {
    up.script('claude-test', { cutAfterChunks: 1 });
    expect(failureOf(await anthropicAdapter.chat(call()))).toMatchObject({ class: 'network' });
  });
});

describe('anthropicAdapter: streams', () => {
  it('translates streamed text into OpenAI chunks in order, ending with [DONE]', async () => {
    up.script('claude-test', { reply: 'one two three four', usage: { promptTokens: 9, completionTokens: 4 } });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true, body: { model: 'auto', messages: [{ role: 'user', content: 'count' }], stream: true } })));
    const frames = await drain(s);
    expect(frames[frames.length - 1]).toBe('data: [DONE]\n\n');
    const cs = chunks(frames);
    expect(cs[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(cs.every((c) => c.object === 'chat.completion.chunk' && c.id === cs[0].id && !('usage' in c))).toBe(true);
    expect(cs.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('one two three four');
    expect(cs.filter((c) => c.choices[0].delta.content).length).toBeGreaterThan(1);
    expect(cs[cs.length - 1].choices[0].finish_reason).toBe('stop');
    expect(cs.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(s.usage()).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });

    const rec = up.requests[0];
    expect(rec.stream).toBe(true);
    expect(rec.body.stream).toBe(true);
    expect(rec.body.stream_options).toBeUndefined();
    expect(rec.headers.accept).toBe('text/event-stream');
  });

  it('translates streamed tool use into tool_call deltas', async () => {
    up.script('claude-test', { reply: 'let me check', toolCalls: [{ id: 'toolu_9', name: 'lookup', arguments: { query: 'a fairly long query string', n: 3 } }] });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    const cs = chunks(await drain(s));
    expect(cs.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('let me check');
    const tcs = cs.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(tcs[0]).toEqual({ index: 0, id: 'toolu_9', type: 'function', function: { name: 'lookup', arguments: '' } });
    expect(tcs.every((t) => t.index === 0)).toBe(true);
    expect(tcs.length).toBeGreaterThan(2);
    expect(JSON.parse(tcs.map((t) => t.function.arguments).join(''))).toEqual({ query: 'a fairly long query string', n: 3 });
    expect(cs[cs.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('sends the usage chunk only when the client asked for it', async () => {
    up.script('claude-test', { reply: 'a b', usage: { promptTokens: 3, completionTokens: 2 } }, { reply: 'a b', usage: { promptTokens: 3, completionTokens: 2 } });
    const withUsage = streamOf(await anthropicAdapter.chat(call({ stream: true, clientWantsUsage: true })));
    const a = chunks(await drain(withUsage));
    const last = a[a.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    expect(a.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(withUsage.usage()).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });

    const without = streamOf(await anthropicAdapter.chat(call({ stream: true, clientWantsUsage: false })));
    const b = chunks(await drain(without));
    expect(b.some((c) => c.choices.length === 0 || 'usage' in c)).toBe(false);
    expect(without.usage()).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('throws from the iterator when the stream is cut midway', async () => {
    up.script('claude-test', { reply: 'one two three four five six', cutAfterChunks: 5 });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    const got: string[] = [];
    await expect(
      (async () => {
        for (;;) {
          const n = await s.frames.next();
          if (n.done) break;
          got.push(n.value);
        }
      })(),
    ).rejects.toThrow(/cut before the stream ended|message_stop/);
    expect(got.length).toBeGreaterThan(0);
    expect(got).not.toContain('data: [DONE]\n\n');
  });

  it('throws when the body ends cleanly before message_stop', async () => {
    const text = sse([messageStart, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial' } }]);
    up.script('claude-test', { body: text, headers: { 'content-type': 'text/event-stream' } });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    await expect(drain(s)).rejects.toThrow(/message_stop/);
  });

  it('throws on an Anthropic error event mid-stream, with the classified failure', async () => {
    const text = sse([
      messageStart,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'half' } },
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    up.script('claude-test', { body: text, headers: { 'content-type': 'text/event-stream' } });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    const got: string[] = [];
    let err: unknown = null;
    try {
      for (;;) {
        const n = await s.frames.next();
        if (n.done) break;
        got.push(n.value);
      }
    } catch (e) {
      err = e;
    }
    expect(chunks(got).map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'half' }]);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('overloaded_error: Overloaded');
    expect(err).toMatchObject({ upstreamError: true, failure: { class: 'server', status: null } });
  });

  it('holds the role chunk back so an error right after message_start fails before the first frame', async () => {
    const text = sse([messageStart, { type: 'ping' }, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }]);
    up.script('claude-test', { body: text, headers: { 'content-type': 'text/event-stream' } });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    await expect(s.frames.next()).rejects.toMatchObject({ upstreamError: true, failure: { class: 'rate_limit' } });
    expect(s.usage()).toEqual({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 });
  });

  it('classifies stream errors before any byte like JSON ones (529)', async () => {
    up.script('claude-test', { status: 529 });
    expect(failureOf(await anthropicAdapter.chat(call({ stream: true })))).toMatchObject({ class: 'server', status: 529 });
  });

  it('cancel() releases the upstream connection', async () => {
    up.script('claude-test', { reply: 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10', chunkDelayMs: 50 });
    const s = streamOf(await anthropicAdapter.chat(call({ stream: true })));
    await s.frames.next();
    s.cancel();
    await expect.poll(() => up.requests[0].aborted, { timeout: 3_000 }).toBe(true);
  });
});
