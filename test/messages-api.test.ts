import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { routeMessages } from '../runtime/server/messages-request.ts';
import { requestParts } from '../runtime/router/request-text.ts';
import { estimatePromptTokens } from '../runtime/router/tokens.ts';

const GW_TOKEN = 'gw-test-token-1234';
const CLAUDE_KEY = 'sk-ant-claude-secret-4444';

const body = (url: string) => `
gateway { auth env GW_TOKEN }
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model freebie/free-model    { context 32k  free 1M tokens every day  can vision tools }
model paidco/paid-model     { context 128k  price 1 / 2  can vision tools }
model backup/backup-model   { context 128k  price 0.5 / 1  can vision tools }
model claude/claude-native  { context 200k  price 3 / 15  can vision tools }
model claude/claude-3-5-haiku-20241022 { context 200k  price 0.8 / 4 }
scenario background when model ~ /haiku/ {
  free freebie/free-model
  willingness 100%
}
scenario thinking when model ~ /opus/ or header x-gw-thinking = "enabled" {
  paid claude/claude-native
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 0%
}
pii {
  detect email
  block
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
  g = await startGateway(policyFor(up, body(up.url)), { ...TEST_KEYS, CLAUDE_KEY, GW_TOKEN });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => {
  up.reset();
  (g.gw.deps as { live: unknown }).live = new (g.gw.live.constructor as new () => typeof g.gw.live)();
});

const client = (o: { apiKey?: string | null; authToken?: string } = {}) =>
  new Anthropic({ baseURL: g.url, apiKey: o.authToken ? null : (o.apiKey ?? GW_TOKEN), authToken: o.authToken, maxRetries: 0, timeout: 15_000 });

const SONNET = 'claude-sonnet-4-6';
const HAIKU = 'claude-3-5-haiku-20241022';
const OPUS = 'claude-opus-4-1-20250805';
const hi: Anthropic.MessageParam[] = [{ role: 'user', content: 'hello there' }];

/** The SSE event names of a raw answer, in order; checks each data's `type` matches its event name. */
async function eventTypes(res: Response): Promise<string[]> {
  const text = await res.text();
  const out: string[] = [];
  for (const block of text.split('\n\n')) {
    const ev = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (!ev) continue;
    expect(JSON.parse(data!).type).toBe(ev);
    out.push(ev);
  }
  return out;
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('POST /v1/messages behind an OpenAI-protocol upstream', () => {
  it('plain: routes a Claude Code name by policy, translates both ways, x-gw headers', async () => {
    const { data, response } = await client()
      .messages.create({ model: SONNET, max_tokens: 100, system: 'be brief', messages: hi })
      .withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'ok from paid-model' }] });
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(response.headers.get('x-gw-scenario')).toBe('chat');
    expect(response.headers.get('x-gw-requested-model')).toBe(SONNET);
    expect(response.headers.get('x-gw-attempts')).toBe('1');
    expect(response.headers.get('request-id')).toBe(response.headers.get('x-gw-request-id'));
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.provider).toBe('paidco');
    expect(sent.body.model).toBe('paid-model');
    expect(sent.body.max_tokens).toBe(100);
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello there' },
    ]);
    expect(sent.headers.authorization).toBe(`Bearer ${TEST_KEYS.PAIDCO_KEY}`);
    const row = g.gw.ledger.requests.get(response.headers.get('x-gw-request-id')!);
    expect(row).toMatchObject({ endpoint: 'messages', requested_model: SONNET, model: 'paidco/paid-model', status: 200, scenario: 'chat' });
    expect(row!.completion_tokens).toBeGreaterThan(0);
  });

  it('system blocks and images reach the OpenAI upstream translated', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    await client().messages.create({
      model: SONNET,
      max_tokens: 50,
      system: [
        { type: 'text', text: 'you are terse' },
        { type: 'text', text: 'answer in English', cache_control: { type: 'ephemeral' } },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
            { type: 'text', text: 'what is this?' },
          ],
        },
      ],
    });
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'you are terse\n\nanswer in English' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'text', text: 'what is this?' },
        ],
      },
    ]);
  });

  it('streamed: the exact Anthropic event sequence, text deltas, usage in message_delta', async () => {
    const res = await client().messages.create({ model: SONNET, max_tokens: 100, messages: hi, stream: true }).asResponse();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(await eventTypes(res)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const row = g.gw.ledger.requests.get(res.headers.get('x-gw-request-id')!);
    expect(row).toMatchObject({ endpoint: 'messages', stream: 1, status: 200 });
    expect(row!.completion_tokens).toBeGreaterThan(0); // the upstream's usage chunk, read through the translation
    const stream = client().messages.stream({ model: SONNET, max_tokens: 100, messages: hi });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('ok from paid-model');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('tool use round trip: tool_use answer (JSON and streamed), then a tool_result turn', async () => {
    up.script('paid-model', { toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Paris' } }] });
    const q: Anthropic.MessageParam = { role: 'user', content: 'weather in Paris?' };
    const first = await client().messages.create({ model: SONNET, max_tokens: 200, tools: [weatherTool], tool_choice: { type: 'auto' }, messages: [q] });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Paris' } }]);
    const sent1 = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent1.body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.input_schema } },
    ]);
    expect(sent1.body.tool_choice).toBe('auto');

    up.script('paid-model', { toolCalls: [{ id: 'call_w2', name: 'get_weather', arguments: { city: 'Lyon' } }] });
    const streamed = await client().messages.stream({ model: SONNET, max_tokens: 200, tools: [weatherTool], messages: [q] }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content).toEqual([{ type: 'tool_use', id: 'call_w2', name: 'get_weather', input: { city: 'Lyon' } }]);

    up.reset();
    up.script('paid-model', { reply: 'It is 18°C in Paris.' });
    const second = await client().messages.create({
      model: SONNET,
      max_tokens: 200,
      tools: [weatherTool],
      messages: [q, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_w1', content: '18°C, sunny' }] }],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is 18°C in Paris.' }]);
    const sent2 = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent2.body.messages).toEqual([
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '18°C, sunny' },
    ]);
  });
});

describe('POST /v1/messages behind an Anthropic-protocol upstream', () => {
  it('passes the native body through: system blocks kept, model replaced, anthropic-beta forwarded', async () => {
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }];
    const { data, response } = await client()
      .messages.create(
        { model: OPUS, max_tokens: 300, system, messages: hi, metadata: { user_id: 'u-1' }, stop_sequences: ['END'] },
        { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
      )
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'ok from claude-native' }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-gw-model')).toBe('claude/claude-native');
    expect(response.headers.get('x-gw-scenario')).toBe('thinking');
    const sent = up.requests.find((r) => r.endpoint === 'messages')!;
    expect(sent.provider).toBe('claude');
    expect(sent.path).toBe('/claude/v1/messages');
    expect(sent.body).toEqual({ model: 'claude-native', max_tokens: 300, system, messages: hi, metadata: { user_id: 'u-1' }, stop_sequences: ['END'] });
    expect(sent.headers['x-api-key']).toBe(CLAUDE_KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(JSON.stringify(sent.headers)).not.toContain(GW_TOKEN);
  });

  it('streams the upstream events through unchanged, usage included', async () => {
    const res = await client().messages.create({ model: OPUS, max_tokens: 100, messages: hi, stream: true }).asResponse();
    const id = res.headers.get('x-gw-request-id')!;
    expect(await eventTypes(res)).toEqual([
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
    const row = g.gw.ledger.requests.get(id);
    expect(row).toMatchObject({ endpoint: 'messages', model: 'claude/claude-native', stream: 1 });
    expect(row!.prompt_tokens).toBeGreaterThan(0); // message_start's usage
    expect(row!.completion_tokens).toBeGreaterThan(1); // message_delta's usage
    up.script('claude-native', { toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const final = await client().messages.stream({ model: OPUS, max_tokens: 100, tools: [weatherTool], messages: hi }).finalMessage();
    expect(final.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }]);
    expect(final.stop_reason).toBe('tool_use');
    expect(up.requests.filter((r) => r.endpoint === 'messages').every((r) => r.body.stream === true)).toBe(true);
  });

  it('extended thinking routes by the x-gw-thinking header the gateway derives from the body', async () => {
    const { response } = await client()
      .messages.create({ model: SONNET, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: hi })
      .withResponse();
    expect(response.headers.get('x-gw-scenario')).toBe('thinking');
    expect(response.headers.get('x-gw-model')).toBe('claude/claude-native');
    expect(up.requests.find((r) => r.endpoint === 'messages')!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });
});

describe('model names on the two front doors', () => {
  it('a Claude Code haiku name is routed by a `model ~ /haiku/` scenario, even when the policy declares that name', async () => {
    const { data, response } = await client().messages.create({ model: HAIKU, max_tokens: 50, messages: hi }).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'ok from free-model' }]);
    expect(response.headers.get('x-gw-scenario')).toBe('background');
    expect(response.headers.get('x-gw-tier')).toBe('free');
    expect(response.headers.get('x-gw-requested-model')).toBe(HAIKU);
    expect(up.requests.filter((r) => r.endpoint === 'messages')).toHaveLength(0);
  });

  it('a provider/model id pins the model; bare names are routed; a typo under a declared provider is a 404 not_found_error', async () => {
    const pinned = await client().messages.create({ model: 'backup/backup-model', max_tokens: 50, messages: hi }).withResponse();
    expect(pinned.response.headers.get('x-gw-model')).toBe('backup/backup-model');
    const pinnedNative = await client().messages.create({ model: `claude/${HAIKU}`, max_tokens: 50, messages: hi }).withResponse();
    expect(pinnedNative.data.content).toEqual([{ type: 'text', text: `ok from ${HAIKU}` }]);
    const bare = await client().messages.create({ model: 'backup-model', max_tokens: 50, messages: hi }).withResponse();
    expect(bare.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(bare.response.headers.get('x-gw-requested-model')).toBe('backup-model');
    const err = await client().messages.create({ model: 'paidco/paid-modle', max_tokens: 50, messages: hi }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('unknown model "paidco/paid-modle"') } });
  });

  it('a typo’d name on /v1/chat/completions still answers 404 model_not_found', async () => {
    const err = await g.client({ apiKey: GW_TOKEN }).chat.completions.create({ model: SONNET, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.error.code).toBe('model_not_found');
    expect(up.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  it('a 500 falls back to the next model (JSON and stream)', async () => {
    up.script('paid-model', { status: 500 }, { status: 500 });
    const { data, response } = await client().messages.create({ model: SONNET, max_tokens: 50, messages: hi }).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'ok from free-model' }]);
    expect(response.headers.get('x-gw-attempts')).toBe('2');
    expect(response.headers.get('x-gw-model')).toBe('freebie/free-model');
    (g.gw.deps as { live: unknown }).live = new (g.gw.live.constructor as new () => typeof g.gw.live)();
    const final = await client().messages.stream({ model: SONNET, max_tokens: 50, messages: hi }).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'ok from free-model' }]);
  });

  it('an Anthropic upstream that is overloaded (529, or an error event after message_start) falls back across protocols', async () => {
    up.script('claude-native', { status: 529 });
    const a = await client().messages.create({ model: OPUS, max_tokens: 50, messages: hi }).withResponse();
    expect(a.data.content).toEqual([{ type: 'text', text: 'ok from backup-model' }]);
    expect(a.response.headers.get('x-gw-attempts')).toBe('2');
    (g.gw.deps as { live: unknown }).live = new (g.gw.live.constructor as new () => typeof g.gw.live)();
    const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-native', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } };
    up.script('claude-native', {
      body: `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`,
      headers: { 'content-type': 'text/event-stream' },
    });
    const res = await client().messages.create({ model: OPUS, max_tokens: 50, messages: hi, stream: true }).asResponse();
    expect(res.headers.get('x-gw-model')).toBe('backup/backup-model');
    expect(await eventTypes(res)).toContain('message_stop');
  });

  it('a stream cut midway ends with an Anthropic error event', async () => {
    up.script('claude-native', { reply: 'one two three four five', cutAfterChunks: 4 }, { reply: 'one two three four five', cutAfterChunks: 4 });
    const res = await client().messages.create({ model: OPUS, max_tokens: 50, messages: hi, stream: true }).asResponse();
    const text = await res.text();
    expect(text).toContain('event: content_block_delta');
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"the upstream stream failed midway/);
    expect(text).not.toContain('message_stop');
    const err = await client()
      .messages.stream({ model: OPUS, max_tokens: 50, messages: hi })
      .finalMessage()
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('every attempt failing answers in Anthropic’s error shape, naming each attempt', async () => {
    up.script('*', { status: 503 }, { status: 502 }, { status: 500 });
    const err = await client().messages.create({ model: SONNET, max_tokens: 50, messages: hi }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(err.error.error.message).toMatch(/^all 3 attempts failed: paidco\/paid-model 503 .*; freebie\/free-model 502 .*; backup\/backup-model 500/);
    expect(err.error.request_id).toBe(err.requestID);
  });

  it('bad requests are 400 invalid_request_error in Anthropic’s shape', async () => {
    const err = await client()
      .messages.create({ model: SONNET, messages: hi } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const raw = await fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': GW_TOKEN, 'content-type': 'application/json' }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(up.requests).toHaveLength(0);
  });
});

describe('personal data', () => {
  it('is scanned in the system prompt, text blocks and tool results, as on /v1/chat/completions', async () => {
    const cases: Pick<Anthropic.MessageCreateParamsNonStreaming, 'system' | 'messages'>[] = [
      { system: 'the user is zhang.wei@163.com', messages: hi },
      { system: [{ type: 'text', text: 'mail zhang.wei@163.com' }], messages: hi },
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'write to zhang.wei@163.com' }] }] },
      {
        messages: [
          { role: 'user', content: 'who is it?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'lookup', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: 'zhang.wei@163.com' }] }] },
        ],
      },
    ];
    for (const c of cases) {
      const err = await client().messages.create({ model: SONNET, max_tokens: 20, ...c }).catch((e) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('personal data (email)') });
    }
    expect(up.requests).toHaveLength(0);
  });
});

describe('auth', () => {
  it('accepts the gateway token as x-api-key and as Authorization: Bearer', async () => {
    const viaKey = await client({ apiKey: GW_TOKEN }).messages.create({ model: SONNET, max_tokens: 20, messages: hi });
    expect(viaKey.content[0]).toMatchObject({ type: 'text' });
    const viaBearer = await client({ authToken: GW_TOKEN }).messages.create({ model: SONNET, max_tokens: 20, messages: hi });
    expect(viaBearer.content[0]).toMatchObject({ type: 'text' });
    const counted = await client({ authToken: GW_TOKEN }).messages.countTokens({ model: SONNET, messages: hi });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('answers Claude Code’s raw requests (`?beta=true`, Bearer token, anthropic-beta)', async () => {
    const res = await fetch(`${g.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GW_TOKEN}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219' },
      body: JSON.stringify({ model: HAIKU, max_tokens: 512, messages: hi, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gw-scenario')).toBe('background');
    expect((await eventTypes(res)).at(-1)).toBe('message_stop');
  });

  it('a wrong or missing token is a 401 authentication_error', async () => {
    const err = await client({ apiKey: 'wrong' }).messages.create({ model: SONNET, max_tokens: 20, messages: hi }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'invalid gateway token' } });
    const raw = await fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    expect(up.requests).toHaveLength(0);
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('answers {input_tokens} from the router’s estimator, tools and system included', async () => {
    const params = { model: SONNET, system: 'be brief', messages: [{ role: 'user' as const, content: 'count these words please' }] };
    const plain = await client().messages.countTokens(params);
    const parts = requestParts({ messages: routeMessages(params.system, params.messages), tools: null });
    expect(plain).toEqual({ input_tokens: estimatePromptTokens(parts, 2, null) });
    const withTools = await client().messages.countTokens({ ...params, tools: [weatherTool] });
    expect(withTools.input_tokens).toBeGreaterThan(plain.input_tokens);
    expect(up.requests).toHaveLength(0);
  });
});
