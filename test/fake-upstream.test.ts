import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './fixtures/fake-upstream.ts';
import type { FakeUpstream } from './fixtures/fake-upstream.ts';

let up: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  up = await startFakeUpstream({ providers: { groq: '/openai/v1' } });
  client = new OpenAI({ baseURL: up.baseUrl(), apiKey: 'sk-test-openai', maxRetries: 0, timeout: 5_000 });
});

afterEach(() => {
  up.reset();
});

afterAll(async () => {
  await up.close();
});

interface SseEvent {
  event: string | undefined;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    out.push({ event, data: data.join('\n') });
  }
  return out;
}

const anthropicHeaders = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-test',
  'anthropic-version': '2023-06-01',
};

function postJson(path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(up.url + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
}

describe('fake upstream: OpenAI Chat Completions via the openai client', () => {
  it('answers a plain request with a chat.completion and records it', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello there' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-test');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.choices[0].message).toMatchObject({ role: 'assistant', content: 'ok from gpt-test' });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });

    expect(up.requests).toHaveLength(1);
    const r = up.requests[0];
    expect(r).toMatchObject({ method: 'POST', path: '/v1/chat/completions', endpoint: 'chat.completions', model: 'gpt-test', stream: false, provider: undefined });
    expect(r.headers.authorization).toBe('Bearer sk-test-openai');
    expect(r.body.messages).toEqual([{ role: 'user', content: 'hello there' }]);
    expect(r.completed).toBe(true);
  });

  it('returns scripted replies, tool calls and usage', async () => {
    up.script('gpt-test', {
      reply: 'calling',
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
      usage: { promptTokens: 11, completionTokens: 22 },
    });
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'w?' }] });
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.choices[0].message.content).toBe('calling');
    expect(res.choices[0].message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(res.usage).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
  });

  it('streams chunks with include_usage, then [DONE]', async () => {
    up.script('*', { reply: 'one two three', chunkDelayMs: 5 });
    const stream = await client.chat.completions.create({
      model: 'gpt-stream',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-stream')).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('one two three');
    const finals = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finals).toHaveLength(1);
    expect(finals[0].choices[0].finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
  });

  it('writes SSE chunks separately: the first is readable before the last is sent', async () => {
    up.script('gpt-slow', { reply: 'a b c', chunkDelayMs: 300 });
    const started = Date.now();
    const res = await postJson('/v1/chat/completions', { model: 'gpt-slow', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
    // The server is still sending (5 more frames, 300 ms apart) when the first one arrives.
    expect(up.requests[0].completed).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    await reader.cancel();
  });

  it('streams tool calls as deltas', async () => {
    up.script('gpt-tools', { toolCalls: [{ name: 'lookup', arguments: { query: 'a fairly long query string' } }] });
    const stream = await client.chat.completions.create({ model: 'gpt-tools', messages: [{ role: 'user', content: 'x' }], stream: true });
    let args = '';
    let name = '';
    let finish: string | null = null;
    for await (const c of stream) {
      const tc = c.choices[0]?.delta.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      args += tc?.function?.arguments ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('lookup');
    expect(JSON.parse(args)).toEqual({ query: 'a fairly long query string' });
    expect(finish).toBe('tool_calls');
  });

  it('fails with 500 first, then succeeds (steps consumed in order)', async () => {
    up.script('groq-model', { status: 500 }, { reply: 'hello' });
    const err = await client.chat.completions.create({ model: 'groq-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as APIError).status).toBe(500);
    expect((err as APIError).type).toBe('server_error');
    const ok = await client.chat.completions.create({ model: 'groq-model', messages: [{ role: 'user', content: 'x' }] });
    expect(ok.choices[0].message.content).toBe('hello');
    expect(up.pending()).toBe(0);
    const third = await client.chat.completions.create({ model: 'groq-model', messages: [{ role: 'user', content: 'x' }] });
    expect(third.choices[0].message.content).toBe('ok from groq-model');
  });

  it('401 uses the OpenAI invalid_api_key shape', async () => {
    up.script('*', { status: 401 });
    const res = await postJson('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
  });

  it('429 carries retry-after (raw fetch) and surfaces as RateLimitError', async () => {
    up.script('*', { status: 429, retryAfter: 2 }, { status: 429, retryAfter: 2 });
    const res = await postJson('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('x-request-id')).toBe(up.requests[0].id);
    expect(await res.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const err = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('a mid-stream cut surfaces as an error after the first chunks', async () => {
    up.script('gpt-cut', { reply: 'alpha beta gamma delta epsilon', cutAfterChunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-cut', messages: [{ role: 'user', content: 'x' }], stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen.join('')).toBe('alpha beta');
    expect(up.requests[0].aborted).toBe(false);
  });

  it('a JSON cut and a reset both fail the request', async () => {
    up.script('*', { cutAfterChunks: 0 }, { reset: true });
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('delays headers by delayMs', async () => {
    up.script('*', { delayMs: 200 });
    const started = Date.now();
    const res = await postJson('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(res.status).toBe(200);
  });

  it('hang never answers; client abort is recorded', async () => {
    up.script('*', { hang: true });
    const ac = new AbortController();
    const pending = fetch(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    });
    const [r] = await up.waitForRequests(1, undefined, 2_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    ac.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => r.aborted, { timeout: 2_000 }).toBe(true);
    expect(r.completed).toBe(false);
  });

  it('lists models', async () => {
    up.script('scripted-model', { reply: 'x' });
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain('fake-model');
    expect(ids).toContain('scripted-model');
  });

  it('routes by provider base path and scopes scripts per provider', async () => {
    const groq = new OpenAI({ baseURL: up.baseUrl('groq'), apiKey: 'gsk-groq', maxRetries: 0, timeout: 5_000 });
    const cerebras = new OpenAI({ baseURL: up.baseUrl('cerebras'), apiKey: 'csk-cerebras', maxRetries: 0, timeout: 5_000 });
    expect(up.baseUrl('groq')).toBe(`${up.url}/openai/v1`);
    expect(up.baseUrl('cerebras')).toBe(`${up.url}/cerebras/v1`);
    up.script({ provider: 'groq', model: 'llama' }, { status: 503 });
    await expect(groq.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 503 });
    const ok = await cerebras.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'x' }] });
    expect(ok.choices[0].message.content).toBe('ok from llama');
    expect(up.requests.map((r) => [r.provider, r.path, r.headers.authorization])).toEqual([
      ['groq', '/openai/v1/chat/completions', 'Bearer gsk-groq'],
      ['cerebras', '/cerebras/v1/chat/completions', 'Bearer csk-cerebras'],
    ]);
  });

  it('rejects malformed requests with 400', async () => {
    const res = await postJson('/v1/chat/completions', { model: 'm', messages: [] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});

describe('fake upstream: Anthropic Messages via raw fetch', () => {
  it('answers JSON in the Messages shape', async () => {
    const res = await postJson('/v1/messages', { model: 'claude-test', max_tokens: 64, system: 'be brief', messages: [{ role: 'user', content: 'hello' }] }, anthropicHeaders);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'ok from claude-test' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 4, output_tokens: 5 },
    });
    expect(up.requests[0].headers['x-api-key']).toBe('sk-ant-test');
    expect(up.requests[0].endpoint).toBe('messages');
  });

  it('streams the exact SSE event sequence', async () => {
    up.script('claude-test', { reply: 'hi there friend' });
    const res = await postJson('/v1/messages', { model: 'claude-test', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hello' }] }, anthropicHeaders);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = events.map((e) => JSON.parse(e.data) as Record<string, any>);
    for (let i = 0; i < events.length; i++) expect(data[i].type).toBe(events[i].event);
    expect(data[0].message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null });
    expect(data[1].content_block).toEqual({ type: 'text', text: '' });
    expect(data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta.text).join('')).toBe('hi there friend');
    expect(data[7]).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } });
  });

  it('streams tool_use with input_json_delta', async () => {
    up.script('claude-tools', { toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris, France' } }] });
    const res = await postJson('/v1/messages', { model: 'claude-tools', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'w' }] }, anthropicHeaders);
    const data = parseSse(await res.text()).map((e) => JSON.parse(e.data) as Record<string, any>);
    expect(data[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } });
    const json = data.filter((d) => d.delta?.type === 'input_json_delta').map((d) => d.delta.partial_json).join('');
    expect(JSON.parse(json)).toEqual({ city: 'Paris, France' });
    expect(data.find((d) => d.type === 'message_delta')?.delta.stop_reason).toBe('tool_use');
  });

  it('answers tool_use in JSON', async () => {
    up.script('claude-tools', { reply: 'let me check', toolCalls: [{ id: 'toolu_2', name: 'f', arguments: '{"a":1}' }] });
    const res = await postJson('/v1/messages', { model: 'claude-tools', max_tokens: 64, messages: [{ role: 'user', content: 'w' }] }, anthropicHeaders);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.content).toEqual([
      { type: 'text', text: 'let me check' },
      { type: 'tool_use', id: 'toolu_2', name: 'f', input: { a: 1 } },
    ]);
    expect(body.stop_reason).toBe('tool_use');
  });

  it('errors use the Anthropic shape', async () => {
    up.script('claude-test', { status: 529 }, { status: 429, retryAfter: 7 });
    const a = await postJson('/v1/messages', { model: 'claude-test', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }, anthropicHeaders);
    expect(a.status).toBe(529);
    expect(await a.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const b = await postJson('/v1/messages', { model: 'claude-test', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }, anthropicHeaders);
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('7');
    expect(await b.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('requires max_tokens and anthropic-version like the real API', async () => {
    const a = await postJson('/v1/messages', { model: 'c', messages: [{ role: 'user', content: 'x' }] }, anthropicHeaders);
    expect(a.status).toBe(400);
    expect(await a.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const b = await postJson('/v1/messages', { model: 'c', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] });
    expect(b.status).toBe(400);
  });
});

describe('fake upstream: API keys', () => {
  it('enforces configured keys per provider', async () => {
    const keyed = await startFakeUpstream({ apiKeys: { groq: 'right-key' } });
    try {
      const wrong = new OpenAI({ baseURL: keyed.baseUrl('groq'), apiKey: 'wrong', maxRetries: 0, timeout: 5_000 });
      const right = new OpenAI({ baseURL: keyed.baseUrl('groq'), apiKey: 'right-key', maxRetries: 0, timeout: 5_000 });
      await expect(wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const ok = await right.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      expect(ok.choices[0].message.content).toBe('ok from m');
    } finally {
      await keyed.close();
    }
  });

  it('close() ends hanging requests', async () => {
    const tmp = await startFakeUpstream();
    tmp.script('*', { hang: true });
    const pending = fetch(tmp.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      signal: AbortSignal.timeout(5_000),
    });
    await tmp.waitForRequests(1);
    await tmp.close();
    await expect(pending).rejects.toThrow();
  });
});
