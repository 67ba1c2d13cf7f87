import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

// Fuzz every route through the real server on 127.0.0.1 with the fake upstream: whatever the body, the answer is
// below 500 and, when it is an error, in the protocol's own error shape (issue 10, item 9). Bounded in runs and time.
const RUNS = 150;
const TIME_MS = 5000;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  const policy = `
provider freebie { base_url "${up.url}/freebie/v1"  key env FREEBIE_KEY }
provider paidco  { base_url "${up.url}/paidco/v1"   key env PAIDCO_KEY }
provider claude  { protocol anthropic  base_url "${up.url}/claude"  key env CLAUDE_KEY }
model freebie/free-model   { context 32k  free 1M tokens every day }
model paidco/paid-model    { context 128k  price 1 / 2 }
model claude/claude-x      { context 200k  price 3 / 15 }
scenario code when text ~ /python/i {
  paid claude/claude-x
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 50%
}
retry {
  attempts 2
  backoff 0ms
  on network rate_limit server quota
}
`;
  g = await startGateway(policy, { ...TEST_KEYS, CLAUDE_KEY: 'sk-ant-claude-secret-4444' }, { random: Math.random });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

const word = fc.oneof(fc.constantFrom('auto', 'freebie/free-model', 'paidco/paid-model', 'claude/claude-x', 'claude-x', 'gpt-4o', 'nope/x', ''), fc.string({ maxLength: 20 }));
const anyJson = fc.jsonValue({ maxDepth: 4 });
const text = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('write python', 'call 555-1234', 'hello', '\u0000', '\ud800', '{{'), fc.string({ unit: 'binary', maxLength: 40 }));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const number = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constantFrom(0, 1, 1e308, -1, 1.5, 2 ** 53, 100_000_000), fc.double());
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.constantFrom('data:image/png;base64,AAAA', 'http://x/y.png', '') }) }),
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constantFrom('base64', 'url'), media_type: fc.constant('image/png'), data: fc.constant('AAAA') }) }),
  fc.record({ type: fc.constant('tool_use'), id: fc.string({ maxLength: 8 }), name: fc.string({ maxLength: 8 }), input: anyJson }),
  fc.record({ type: fc.constant('tool_result'), tool_use_id: fc.string({ maxLength: 8 }), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })) }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.string({ maxLength: 8 }) }),
  fc.record({ type: fc.string({ maxLength: 10 }) }),
  anyJson,
);
const content = fc.oneof(text, fc.array(part, { maxLength: 3 }), anyJson);
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer'), content: maybe(content), tool_calls: maybe(anyJson), tool_call_id: maybe(fc.string({ maxLength: 8 })) }),
  fc.record({ role: fc.string({ maxLength: 10 }), content: maybe(content) }),
  anyJson,
);
const tools = fc.oneof(
  fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.string({ maxLength: 10 }), parameters: maybe(anyJson) }) }), { maxLength: 2 }),
  fc.array(fc.record({ name: fc.string({ maxLength: 10 }), input_schema: maybe(anyJson), type: maybe(fc.string({ maxLength: 10 })) }), { maxLength: 2 }),
  anyJson,
);
/** a body that mostly looks like a request, with any field any value */
const chatLike = fc.record(
  {
    model: fc.oneof(word, anyJson),
    messages: fc.oneof(fc.array(message, { minLength: 1, maxLength: 3 }), anyJson),
    system: fc.oneof(text, fc.array(part, { maxLength: 2 }), anyJson),
    max_tokens: fc.oneof(number, anyJson),
    max_completion_tokens: number,
    stream: fc.oneof(fc.boolean(), anyJson),
    stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), anyJson),
    tools,
    tool_choice: anyJson,
    temperature: fc.oneof(number, anyJson),
    thinking: fc.oneof(fc.record({ type: fc.constantFrom('enabled', 'disabled', 'adaptive'), budget_tokens: number }), anyJson),
    prefer_free_tier: fc.oneof(fc.boolean(), anyJson),
    priority: fc.oneof(fc.constantFrom('quality', 'speed'), anyJson),
    metadata: anyJson,
  },
  { requiredKeys: [] },
);
/** a valid request of either protocol (so the fuzz reaches routing and the upstream), with at most one field set to anything */
const validish = fc
  .tuple(
    fc.record(
      {
        model: fc.constantFrom('auto', 'auto', 'freebie/free-model', 'paidco/paid-model', 'claude/claude-x'),
        messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })) }), { minLength: 1, maxLength: 3 }),
        max_tokens: fc.integer({ min: 1, max: 2000 }),
        stream: fc.boolean(),
        system: text,
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      },
      { requiredKeys: ['model', 'messages', 'max_tokens'] },
    ),
    fc.option(fc.tuple(fc.constantFrom('model', 'messages', 'max_tokens', 'stream', 'system', 'tools', 'tool_choice', 'thinking', 'stream_options', 'priority', 'metadata'), anyJson), { freq: 2 }),
  )
  .map(([b, m]) => (m ? { ...b, [m[0]]: m[1] } : b));

/** a Responses API body (/v1/responses): input as text or items, with any field any value */
const inputItem = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'developer'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constantFrom('input_text', 'output_text', 'input_image', 'x'), text: maybe(text), image_url: maybe(fc.constantFrom('data:image/png;base64,AAAA', '')) }), { maxLength: 2 }), anyJson) }),
  fc.record({ type: fc.constantFrom('message', 'function_call', 'function_call_output', 'reasoning', 'item_reference', 'nope'), call_id: maybe(fc.string({ maxLength: 8 })), name: maybe(fc.string({ maxLength: 8 })), arguments: maybe(fc.oneof(fc.string({ maxLength: 20 }), anyJson)), output: maybe(fc.oneof(text, anyJson)), id: maybe(fc.string({ maxLength: 12 })) }),
  anyJson,
);
const responsesLike = fc.record(
  {
    model: fc.oneof(word, anyJson),
    input: fc.oneof(text, fc.array(inputItem, { minLength: 1, maxLength: 3 }), anyJson),
    instructions: fc.oneof(text, anyJson),
    stream: fc.oneof(fc.boolean(), anyJson),
    max_output_tokens: fc.oneof(number, anyJson),
    tools: fc.oneof(fc.array(fc.record({ type: fc.constantFrom('function', 'web_search', 'x'), name: maybe(fc.string({ maxLength: 10 })), parameters: maybe(anyJson) }), { maxLength: 2 }), anyJson),
    tool_choice: anyJson,
    previous_response_id: fc.oneof(fc.constantFrom('resp_nope', ''), anyJson),
    store: fc.oneof(fc.boolean(), anyJson),
    reasoning: fc.oneof(fc.record({ effort: fc.constantFrom('low', 'medium', 'high', 'x') }), anyJson),
    text: anyJson,
    metadata: anyJson,
  },
  { requiredKeys: [] },
);
const validResponses = fc
  .tuple(
    fc.record({ model: fc.constantFrom('auto', 'freebie/free-model', 'paidco/paid-model', 'claude/claude-x'), input: fc.oneof(text, fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: text }), { minLength: 1, maxLength: 2 })), stream: fc.boolean(), max_output_tokens: fc.integer({ min: 16, max: 2000 }) }, { requiredKeys: ['model', 'input'] }),
    fc.option(fc.tuple(fc.constantFrom('model', 'input', 'instructions', 'tools', 'stream', 'max_output_tokens', 'previous_response_id', 'reasoning', 'text'), anyJson), { freq: 2 }),
  )
  .map(([b, m]) => (m ? { ...b, [m[0]]: m[1] } : b));
const responsesBody = fc.oneof({ arbitrary: validResponses.map((b) => JSON.stringify(b)), weight: 3 }, responsesLike.map((b) => JSON.stringify(b)), { arbitrary: fc.constant(null), weight: 2 }).chain((b) => (b === null ? rawBody : fc.constant(b)));

/** raw bodies: JSON of any shape, broken JSON, deep nesting, non-UTF-8 */
const rawBody = fc.oneof(
  { arbitrary: validish.map((b) => JSON.stringify(b)), weight: 4 },
  chatLike.map((b) => JSON.stringify(b)),
  anyJson.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"model":', 'null', '[]', '"x"', '{"model":"auto","messages":[{"role":"user","content":"hi"}]', '\u0000', '{"a":1}{"b":2}'),
  fc.integer({ min: 129, max: 20_000 }).map((n) => `{"model":"auto","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
);
const registration = fc.oneof(
  fc.record(
    {
      provider: fc.oneof(fc.constantFrom('freebie', 'paidco', 'claude', 'nope'), fc.string({ maxLength: 20 }), anyJson),
      model: fc.oneof(fc.constantFrom('free-model', 'm1', 'a\nb', 'x'.repeat(300)), fc.string({ maxLength: 40 }), anyJson),
      totalQuota: fc.oneof(number, anyJson),
      tokens: number,
      resetPeriod: fc.oneof(fc.constantFrom('daily', 'weekly', 'monthly', 'once', 'never', 'hourly', '__proto__', 'toString'), anyJson),
      resetAt: fc.oneof(fc.constantFrom('00:00', '23:59', '24:00', '9:00'), anyJson),
      zone: fc.oneof(fc.constantFrom('UTC', 'Asia/Shanghai', 'Mars/Base', ''), anyJson),
      expires: fc.oneof(fc.constantFrom('2027-01-01', '2026-02-30', 'soon'), anyJson),
      context: fc.oneof(number, anyJson),
      priority: fc.oneof(number, anyJson),
    },
    { requiredKeys: [] },
  ).map((b) => JSON.stringify(b)),
  rawBody,
);
/** a path segment or query value: printable, unicode, and percent-encoding good and bad */
const segment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '.', '%2F', '%25', 'a%2Fb', 'day', 'week', 'month', '-1', '1e308', 'NaN', ''),
  fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
);

const anthropicShaped = (path: string) => path.startsWith('/v1/messages');

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${g.url}${path}`, { method, body, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } });
  const ct = r.headers.get('content-type') ?? '';
  const text = await r.text();
  return { status: r.status, ct, text };
}

function expectShape(path: string, r: { status: number; ct: string; text: string }) {
  const where = `${path} → ${r.status} ${r.text.slice(0, 300)}`;
  expect(r.status, where).toBeLessThan(500);
  if (r.status < 400) return;
  expect(r.ct, where).toMatch(/application\/json/);
  const j = JSON.parse(r.text);
  if (anthropicShaped(new URL(`${g.url}${path}`).pathname)) { // as fetch sent it (dot segments resolved)
    expect(j.type, where).toBe('error');
    expect(typeof j.error?.type, where).toBe('string');
    expect(typeof j.error?.message, where).toBe('string');
  } else {
    expect(typeof j.error?.message, where).toBe('string');
    expect(typeof j.error?.type, where).toBe('string');
  }
}

const run = (prop: fc.IAsyncProperty<any>) => fc.assert(prop, { numRuns: RUNS, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false });

describe('fuzzed requests on every route are answered below 500, errors in the protocol’s shape', () => {
  for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/responses', '/v1/embeddings'])
    it(`POST ${path}`, async () => {
      await run(
        fc.asyncProperty(rawBody, fc.option(fc.constantFrom('interleaved-thinking-2025-05-14', 'x\u00e9'), { nil: undefined }), async (body, beta) => {
          expectShape(path, await call('POST', path, body, beta ? { 'anthropic-beta': beta } : {}));
        }),
      );
    });

  it('POST /v1/responses', async () => {
    const upstream = () => up.requests.filter((r) => r.endpoint === 'chat.completions' || r.endpoint === 'messages' || r.endpoint === 'responses').length;
    const before = upstream();
    let answered = 0;
    await run(
      fc.asyncProperty(responsesBody, async (body) => {
        const r = await call('POST', '/v1/responses', body);
        expectShape('/v1/responses', r);
        if (r.status === 200) answered++;
      }),
    );
    // the fuzz reached routing and the upstream, not only the parser
    expect(answered).toBeGreaterThan(3);
    expect(upstream()).toBeGreaterThan(before);
  });

  it('POST /quota/register and DELETE /quota/register/…', async () => {
    await run(
      fc.asyncProperty(registration, segment, segment, async (body, p, m) => {
        expectShape('/quota/register', await call('POST', '/quota/register', body));
        expectShape('/quota/register', await call('DELETE', `/quota/register/${p}/${m}`));
      }),
    );
  });

  it('GET routes with fuzzed paths and queries', async () => {
    const routes = ['/v1/models', '/health', '/quota', '/quota/alerts', '/stats', '/logs', '/logs/', '/report/', '/metrics', '/_gw/policy', '/v1/messages/', '/v1/', '/v1/responses/', '/v1/responses/resp_x/input_items'];
    await run(
      fc.asyncProperty(fc.constantFrom(...routes), segment, fc.array(fc.tuple(fc.constantFrom('limit', 'date', 'threshold', 'expiry_hours', 'x'), segment), { maxLength: 3 }), async (route, seg, query) => {
        const path = `${route}${route.endsWith('/') ? seg : ''}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
        expectShape(path, await call('GET', path));
      }),
    );
  });

  it('other methods on every route', async () => {
    const routes = ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/responses', '/v1/models', '/quota/register', '/logs', '/stats', '/nope'];
    await run(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom('PUT', 'PATCH', 'DELETE', 'GET', 'OPTIONS'), rawBody, async (route, method, body) => {
        expectShape(route, await call(method, route, method === 'GET' || method === 'OPTIONS' ? undefined : body));
      }),
    );
  });

  it('nothing the fuzz sent made the gateway log an unhandled error (and some of it reached the upstream)', () => {
    expect(up.requests.filter((r) => r.endpoint === 'chat.completions' || r.endpoint === 'messages').length).toBeGreaterThan(5);
    const bad = g.log.lines.filter((l) => /^error /.test(l) && /unhandled|internal|\n\s+at /.test(l));
    expect(bad).toEqual([]);
  });
});
