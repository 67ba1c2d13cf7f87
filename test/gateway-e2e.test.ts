import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

const BODY = `
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
model backup/backup-model { context 128k  price 0.5 / 1 }
scenario code when text ~ /python/i {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
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
  g = await startGateway(policyFor(up, BODY));
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => {
  up.reset();
  // a fresh memory of upstream health for every test
  (g.gw.deps as { live: unknown }).live = new (g.gw.live.constructor as new () => typeof g.gw.live)();
});

const hi = [{ role: 'user' as const, content: 'hello there' }];

describe('POST /v1/chat/completions', () => {
  it('answers through the policy, with x-gw headers', async () => {
    const { data, response } = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(data.choices[0].message.content).toBe('ok from free-model');
    expect(response.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(response.headers.get('x-gw-scenario')).toBe('chat');
    expect(response.headers.get('x-gw-tier')).toBe('free');
    expect(response.headers.get('x-gw-attempts')).toBe('1');
    expect(Number(response.headers.get('x-gw-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.model).toBe('free-model');
    expect(sent.body.prefer_free_tier).toBeUndefined();
    expect(sent.headers.authorization).toBe(`Bearer ${TEST_KEYS.FREEBIE_KEY}`);
  });

  it('routes by scenario and honours priority "quality"', async () => {
    const a = await g.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'write python' }] }).withResponse();
    expect(a.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(a.response.headers.get('x-gw-scenario')).toBe('code');
    const b = await g.client().chat.completions.create({ model: 'auto', messages: hi, priority: 'quality' } as never).withResponse();
    expect(b.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
  });

  it('an explicit model: provider/model or a unique bare name; an unknown one is a 404 listing the known names', async () => {
    const a = await g.client().chat.completions.create({ model: 'backup-model', messages: hi }).withResponse();
    expect(a.response.headers.get('x-gw-model')).toBe('backup/backup-model');
    const err = await g.client().chat.completions.create({ model: 'gpt-9', messages: hi }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.error.code).toBe('model_not_found');
    expect(err.error.known_models).toEqual(['auto', 'freebie/free-model', 'paidco/paid-model', 'backup/backup-model']);
  });

  it('streams chunk by chunk: the first chunk arrives before the upstream has finished', async () => {
    up.script('free-model', { reply: 'one two three four five six', chunkDelayMs: 120 });
    const t0 = Date.now();
    const stream = await g.client().chat.completions.create({ model: 'auto', messages: hi, stream: true });
    const times: number[] = [];
    let text = '';
    let usageSeen = false;
    for await (const chunk of stream) {
      times.push(Date.now() - t0);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usageSeen = true;
    }
    expect(text).toBe('one two three four five six');
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(400);
    expect(usageSeen).toBe(false); // asked upstream for usage, dropped because the client did not ask
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  it('passes the usage chunk through when the client asks for it', async () => {
    const stream = await g.client().chat.completions.create({ model: 'auto', messages: hi, stream: true, stream_options: { include_usage: true } });
    let usage: unknown = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('falls back to the next model on a 500', async () => {
    up.script('free-model', { status: 500 });
    const { data, response } = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(data.choices[0].message.content).toBe('ok from paid-model');
    expect(response.headers.get('x-gw-attempts')).toBe('2');
    expect(response.headers.get('x-gw-model')).toBe('paidco/paid-model');
  });

  it('re-routes on 429 and keeps the model aside for its Retry-After', async () => {
    up.script('free-model', { status: 429, retryAfter: 1 });
    const first = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(first.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    // the next request does not even try the rate-limited model
    const second = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(second.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(second.response.headers.get('x-gw-attempts')).toBe('1');
    expect(up.requests.filter((r) => r.model === 'free-model')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    const third = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(third.response.headers.get('x-gw-model')).toBe('freebie/free-model');
  });

  it('a client that hangs up is not the model’s failure: no cooldown, no fallback call', async () => {
    // more hang-ups than the default cooldown threshold (3 in a row)
    up.script('free-model', { delayMs: 300 }, { delayMs: 300 }, { delayMs: 300 }, { delayMs: 300 });
    for (let i = 0; i < 4; i++) {
      const ctl = new AbortController();
      const pending = fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: hi }),
        signal: ctl.signal,
      }).catch(() => null);
      await up.waitForRequests(i + 1);
      ctl.abort();
      await pending;
    }
    await new Promise((r) => setTimeout(r, 50));
    const { response } = await g.client().chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(response.headers.get('x-gw-model')).toBe('freebie/free-model');
    // nothing went to another model on behalf of the clients that left
    expect(up.requests.filter((r) => r.model !== 'free-model')).toHaveLength(0);
  });

  it('a client that hangs up midway through a stream ends the upstream call, and the log says the client closed it', async () => {
    up.script('free-model', { reply: 'one two three four five six seven eight nine ten eleven twelve', chunkDelayMs: 150 });
    const ctl = new AbortController();
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: hi, stream: true }),
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-gw-request-id')!;
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    ctl.abort();
    await reader.read().catch(() => null);
    let row = null as { error_type?: string | null; latency_ms?: number } | null;
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const r = await fetch(`${g.url}/logs/${id}`);
      row = r.ok ? ((await r.json()) as typeof row) : null;
    }
    expect(row?.error_type).toBe('client_closed');
    expect(row!.latency_ms).toBeLessThan(1500); // the whole reply takes ≥ 1.6 s: the gateway stopped when the client left
  });

  it('does not retry a 401 or a 400 from the upstream', async () => {
    up.script('free-model', { status: 401 });
    const e401 = await g.client().chat.completions.create({ model: 'auto', messages: hi }).catch((e) => e);
    expect(e401.status).toBe(502);
    expect(e401.error.attempts).toBe(1);
    expect(e401.error.errors[0]).toMatchObject({ provider: 'freebie', model: 'free-model', type: 'auth' });
    expect(JSON.stringify(e401.error)).not.toContain(TEST_KEYS.FREEBIE_KEY);
    up.script('free-model', { status: 400, body: { error: { message: 'bad temperature', type: 'invalid_request_error' } } });
    const e400 = await g.client().chat.completions.create({ model: 'auto', messages: hi }).catch((e) => e);
    expect(e400.status).toBe(400);
    expect(e400.error.errors).toHaveLength(1);
    expect(up.requests.filter((r) => r.endpoint === 'chat.completions')).toHaveLength(2);
  });

  it('when every attempt fails: the seed’s error shape listing each attempt', async () => {
    up.script('*', { status: 503 }, { status: 502 }, { status: 500 });
    const e = await g.client().chat.completions.create({ model: 'auto', messages: hi }).catch((x) => x);
    expect(e.status).toBe(502);
    expect(e.error.attempts).toBe(3);
    expect(e.error.errors.map((x: { model: string }) => x.model)).toEqual(['free-model', 'paid-model', 'backup-model']);
    expect(e.error.errors.every((x: { type: string }) => x.type === 'server')).toBe(true);
  });

  it('retries a stream that fails before its first byte, and ends one cut midway with an SSE error event', async () => {
    up.script('free-model', { reset: true });
    const ok = await g.client().chat.completions.create({ model: 'auto', messages: hi, stream: true });
    let text = '';
    for await (const c of ok) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('ok from paid-model');

    up.script('free-model', { reply: 'alpha beta gamma delta', cutAfterChunks: 3 });
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: hi, stream: true }),
    });
    const raw = await res.text();
    expect(res.status).toBe(200);
    expect(raw).toContain('alpha');
    expect(raw).toContain('"code":"stream_interrupted"');
    expect(raw).not.toContain('gamma');
  });

  it('rejects malformed and oversized bodies with OpenAI-style 400/413 errors', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const bad = await post('{"model": "auto", "messages": [');
    expect(bad.status).toBe(400);
    expect((await bad.json() as any).error.code).toBe('invalid_json');
    const noMessages = await post('{"model":"auto"}');
    expect(noMessages.status).toBe(400);
    expect((await noMessages.json() as any).error.param).toBe('messages');
    const wrongType = await post('{"model":"auto","messages":[{"role":"user","content":"x"}],"stream":"yes"}');
    expect((await wrongType.json() as any).error.param).toBe('stream');
    const badRole = await post('{"model":"auto","messages":[{"role":"wizard","content":"x"}]}');
    expect((await badRole.json() as any).error.param).toBe('messages[0].role');
    const huge = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(10_100_000) }] }));
    expect(huge.status).toBe(413);
    expect((await huge.json() as any).error.code).toBe('request_too_large');
    const health = await fetch(`${g.url}/health`);
    expect(health.status).toBe(200);
  });

  it('answers unknown routes with a JSON 404 and lists models', async () => {
    const r = await fetch(`${g.url}/v1/nothing`);
    expect(r.status).toBe(404);
    expect((await r.json() as any).error.type).toBe('invalid_request_error');
    const models = await g.client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['auto', 'freebie/free-model', 'paidco/paid-model', 'backup/backup-model']);
  });
});

describe('secrets', () => {
  it('provider keys never reach the log, the logged requests or another provider', async () => {
    up.reset();
    up.script('free-model', { status: 500 }, { status: 401 });
    await g.client().chat.completions.create({ model: 'auto', messages: hi }); // 500 → falls back to paidco
    await g.client().chat.completions.create({ model: 'auto', messages: hi }).catch(() => null); // 401 → error
    const logs = await (await fetch(`${g.url}/logs?limit=50`)).text();
    for (const key of Object.values(TEST_KEYS)) {
      expect(g.log.lines.join('\n')).not.toContain(key);
      expect(logs).not.toContain(key);
    }
    // each key went only to its own provider
    for (const r of up.requests) {
      const auth = String(r.headers.authorization ?? '');
      if (r.provider === 'freebie') expect(auth).toBe(`Bearer ${TEST_KEYS.FREEBIE_KEY}`);
      if (r.provider === 'paidco') expect(auth).toBe(`Bearer ${TEST_KEYS.PAIDCO_KEY}`);
      if (r.provider === 'backup') expect(auth).toBe(`Bearer ${TEST_KEYS.BACKUP_KEY}`);
    }
    expect(up.requests.length).toBeGreaterThan(1);
  });
});

describe('auth', () => {
  it('requires the bearer token when gateway auth resolves to one', async () => {
    const secured = await startGateway(policyFor(up, `gateway { auth env GW_TOKEN }\n${BODY}`), { ...TEST_KEYS, GW_TOKEN: 'let-me-in' });
    try {
      const denied = await secured.client({ apiKey: 'wrong' }).chat.completions.create({ model: 'auto', messages: hi }).catch((e) => e);
      expect(denied.status).toBe(401);
      expect(denied.error.type).toBe('authentication_error');
      const none = await fetch(`${secured.url}/v1/models`);
      expect(none.status).toBe(401);
      const ok = await secured.client({ apiKey: 'let-me-in' }).chat.completions.create({ model: 'auto', messages: hi });
      expect(ok.choices[0].message.content).toBe('ok from free-model');
      // the gateway token never goes upstream
      expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEST_KEYS.FREEBIE_KEY}`);
    } finally {
      await secured.close();
    }
  });
  it('is off when the variable is unset', async () => {
    const open = await startGateway(policyFor(up, `gateway { auth env GW_TOKEN }\n${BODY}`));
    try {
      expect((await open.client({ apiKey: 'anything' }).chat.completions.create({ model: 'auto', messages: hi })).choices).toHaveLength(1);
    } finally {
      await open.close();
    }
  });
});

describe('hot reload', () => {
  it('swaps the table under concurrent load with no failed request, and keeps the last good policy on a broken edit', async () => {
    const live = await startGateway(policyFor(up, BODY), TEST_KEYS, { watch: true });
    try {
      const client = live.client();
      let stop = false;
      let failures = 0;
      let done = 0;
      const models = new Set<string>();
      const worker = async () => {
        for (let i = 0; i < 400 && !stop; i++) {
          try {
            const r = await client.chat.completions.create({ model: 'auto', messages: hi }).withResponse();
            models.add(r.response.headers.get('x-gw-model')!);
            done++;
          } catch {
            failures++;
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      const original = readFileSync(live.policyPath, 'utf8');
      await new Promise((r) => setTimeout(r, 150));
      writeFileSync(live.policyPath, original.replace('willingness 100%', 'willingness 0%'));
      const deadline = Date.now() + 5000;
      while (live.gw.holder.current.generation < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(live.gw.holder.current.generation).toBe(2);
      await new Promise((r) => setTimeout(r, 150));
      stop = true;
      await Promise.all(workers);
      expect(failures).toBe(0);
      expect(done).toBeGreaterThan(20);
      expect(models).toEqual(new Set(['freebie/free-model', 'paidco/paid-model']));

      writeFileSync(live.policyPath, original.replace('paid paidco/paid-model\n  free', 'paid paidco/paid-modle\n  free'));
      while (live.gw.holder.lastError === null && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
      const policy = (await (await fetch(`${live.url}/_gw/policy`)).json()) as any;
      expect(policy.generation).toBe(2);
      expect(policy.lastError.diagnostics[0]).toMatchObject({ code: 'GW103', line: expect.any(Number) });
      expect(policy.lastError.report).toContain('routes.gw:');
      const still = await client.chat.completions.create({ model: 'auto', messages: hi }).withResponse();
      expect(still.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
      expect(live.log.lines.some((l) => l.includes('keeping generation 2'))).toBe(true);
      // and the watcher still works after the error
      writeFileSync(live.policyPath, original);
      while (live.gw.holder.current.generation < 3 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(live.gw.holder.current.generation).toBe(3);
    } finally {
      await live.close();
    }
  });
});

describe('upstream timeout', () => {
  it('gives up on an upstream with no response head within the provider timeout: 504, and says so', async () => {
    const slowUp = await startFakeUpstream();
    const slow = await startGateway(
      `provider lazy { base_url "${slowUp.url}/lazy/v1"  key env LAZY_KEY  timeout 300ms }
model lazy/only { context 32k  price 1 / 1 }
scenario chat { paid lazy/only }
retry { attempts 1 }
`,
      { LAZY_KEY: 'k' },
    );
    try {
      slowUp.script('only', { delayMs: 2000 });
      const t0 = Date.now();
      const e = await slow.client().chat.completions.create({ model: 'auto', messages: hi }).catch((x) => x);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(e.status).toBe(504);
      expect(e.error.errors[0].message).toBe('no answer within 300 ms');
    } finally {
      await slow.close();
      await slowUp.close();
    }
  });
});

describe('backoff', () => {
  it('does not wait before giving up when no model is left, and names the network cause', async () => {
    // a port nothing listens on
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const slow = await startGateway(
      `provider deadend { base_url "http://127.0.0.1:${closedPort}/v1"  key env DEAD_KEY }
model deadend/only { context 32k  price 1 / 1 }
scenario chat { paid deadend/only }
retry { attempts 3  backoff 2s }
`,
      { DEAD_KEY: 'k' },
    );
    try {
      const t0 = Date.now();
      const e = await slow.client().chat.completions.create({ model: 'auto', messages: hi }).catch((x) => x);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(e.status).toBe(502);
      expect(e.error.errors[0].message).toBe('connection refused');
    } finally {
      await slow.close();
    }
  });
});
