import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routeAndCall } from '../runtime/gateway/route-and-call.ts';
import { LiveState } from '../runtime/state/live-state.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './helpers/gateway.ts';

// Client errors are the client's: a malformed request is answered 400 in its protocol's shape and never counts
// against a model (issue 10, item 4).
const BODY = `
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario code when text ~ /python/i {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 100%
}
retry {
  attempts 3
  backoff 0ms
  cooldown 60s after 3 failures
  on network rate_limit server quota
}
`;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']));
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => {
  up.reset();
  (g.gw.deps as { live: unknown }).live = new LiveState();
});

const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${g.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await r.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* asserted by the caller */
  }
  return { status: r.status, json, text, headers: r.headers };
};
const nested = (n: number, inner = '1') => `${'{"a":'.repeat(n)}${inner}${'}'.repeat(n)}`;
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const hi = '[{"role":"user","content":"hello there"}]';
const live = () => g.gw.deps.live;

describe('JSON depth and size limits', () => {
  it('a 10,000-deep value on /v1/chat/completions is a 400 naming the path, and the upstream never sees it', async () => {
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi},"x":${deepArray(10_000)}}`);
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.code).toBe('json_too_deep');
    expect(r.json.error.param).toMatch(/^x\[0\]\[0\]/);
    expect(r.json.error.message).toMatch(/deeper than 128 levels at x\[0\]/);
    expect(up.requests).toHaveLength(0);
    expect(live().health(Date.now())).toEqual([]);
  });

  it('three of them do not cool a healthy model down: the next request is answered by the free model at once', async () => {
    for (let i = 0; i < 3; i++) expect((await post('/v1/chat/completions', `{"model":"auto","messages":${hi},"x":${deepArray(10_000)}}`)).status).toBe(400);
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi}}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(r.headers.get('x-gw-attempts')).toBe('1');
    expect(live().health(Date.now())).toEqual([]);
  });

  it('deep nesting in tools is a 400 with the path into the tool, not a 500', async () => {
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi},"tools":[{"type":"function","function":{"name":"f","parameters":${nested(10_000)}}}]}`);
    expect(r.status).toBe(400);
    expect(r.json.error.param).toMatch(/^tools\[0\]\.function\.parameters\.a\.a/);
    expect(up.requests).toHaveLength(0);
  });

  it('/v1/messages answers in Anthropic’s shape, the path in Anthropic’s style', async () => {
    const r = await post('/v1/messages', `{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"x","input":${nested(10_000)}}]}]}`);
    expect(r.status).toBe(400);
    expect(r.json.type).toBe('error');
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.message).toMatch(/^messages\.0\.content\.0\.input\.a\.a.*deeper than 128 levels/);
    expect(r.json.request_id).toEqual(expect.any(String));
    expect(up.requests).toHaveLength(0);
  });

  it('/v1/messages/count_tokens too', async () => {
    const r = await post('/v1/messages/count_tokens', `{"model":"auto","messages":${hi},"x":${deepArray(10_000)}}`);
    expect(r.status).toBe(400);
    expect(r.json.type).toBe('error');
    expect(r.json.error.type).toBe('invalid_request_error');
  });

  it('a body of more than a million values is a 400 (json_too_large)', async () => {
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi},"x":[${'0,'.repeat(1_000_001)}0]}`);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('json_too_large');
    expect(r.json.error.param).toMatch(/^x\[\d+\]$/);
  });

  it('a value just within the limits goes through', async () => {
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi},"metadata_x":${nested(120)}}`);
    expect(r.status).toBe(200);
  });

  it('paid answers next to malformed requests all reach the ledger', async () => {
    const before = g.gw.ledger.requests.aggregate(0);
    const answers = await Promise.all([
      post('/v1/chat/completions', `{"model":"auto","messages":${hi},"x":${deepArray(10_000)}}`),
      post('/v1/chat/completions', '{"model":"auto","messages":[{"role":"user","content":"write python"}]}'),
      post('/v1/messages', `{"model":"auto","max_tokens":5,"messages":${hi},"x":${deepArray(10_000)}}`),
      post('/v1/chat/completions', '{"model":"auto","messages":[{"role":"user","content":"more python please"}]}'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 200, 400, 200]);
    const after = g.gw.ledger.requests.aggregate(0);
    expect(after.requests - before.requests).toBe(4);
    expect(after.errors - before.errors).toBe(2);
    expect(after.cost).toBeGreaterThan(before.cost);
    const paid = g.gw.ledger.requests.list(null, 10).filter((r) => r.model === 'paidco/paid-model' && r.status === 200);
    expect(paid.length).toBeGreaterThanOrEqual(2);
  });
});

describe('every handler is total', () => {
  it('bad percent-encoding on /logs/… is a 400, and nothing "unhandled" is logged', async () => {
    for (const p of ['/logs/%E0%A4%A', '/logs/%', '/report/%zz', '/quota/%']) {
      const r = await fetch(`${g.url}${p}`);
      expect(r.status, p).toBe(400);
      const j = (await r.json()) as any;
      expect(j.error.type).toBe('invalid_request_error');
    }
    expect(g.log.lines.join('\n')).not.toMatch(/unhandled|\[object Object\]/);
  });

  it('/report/{period} named like an Object property (found by the fuzz suite) is a 404, not a 500', async () => {
    for (const p of ['valueOf', 'constructor', '__proto__', 'toString']) {
      const r = await fetch(`${g.url}/report/${p}`);
      expect(r.status, p).toBe(404);
    }
  });

  it('a malformed URL under /v1/messages answers in Anthropic’s shape', async () => {
    const r = await fetch(`${g.url}/v1/messages/%zz`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(400);
    const j = (await r.json()) as any;
    expect(j.type).toBe('error');
    expect(j.error.type).toBe('invalid_request_error');
  });

  it('an unknown path under /v1/messages is a 404 in Anthropic’s shape', async () => {
    const r = await fetch(`${g.url}/v1/messages/nope`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.type).toBe("not_found_error");
  });
});

describe('a request no model can ever take', () => {
  it('max_tokens beyond every context is a 400 context_length_exceeded, which the OpenAI SDK does not retry', async () => {
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', maxRetries: 2, timeout: 10_000 });
    const before = g.gw.ledger.requests.aggregate(0).requests;
    const err = await client.chat.completions.create({ model: 'auto', max_tokens: 100_000_000, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.param).toBe('max_tokens');
    expect(g.gw.ledger.requests.aggregate(0).requests - before).toBe(1); // asked once: no retries
  });

  it('a prompt beyond every context is a 400 naming messages', async () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(40_000); // ≈ 160k tokens > 128k
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: long }] }));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('context_length_exceeded');
    expect(r.json.error.param).toBe('messages');
    expect(up.requests).toHaveLength(0);
  });

  it('the same on /v1/messages is a 400 invalid_request_error, not 529', async () => {
    const r = await post('/v1/messages', `{"model":"auto","max_tokens":100000000,"messages":${hi}}`);
    expect(r.status).toBe(400);
    expect(r.json.type).toBe('error');
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.message).toMatch(/more than the largest context/);
  });

  it('an explicit model too small for the request is a 400 as well', async () => {
    const r = await post('/v1/chat/completions', `{"model":"freebie/free-model","max_tokens":40000,"messages":${hi}}`);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('context_length_exceeded');
  });

  it('a request that fits some model but finds every one cooling down is still a 503 (worth retrying)', async () => {
    const now = Date.now();
    const retry = g.gw.holder.current.table.retry;
    for (const m of ['freebie/free-model', 'paidco/paid-model'])
      for (let i = 0; i < 3; i++) live().failed(m, { class: 'server', status: 500, message: 'x', retryAfterMs: null }, retry, now);
    const r = await post('/v1/chat/completions', `{"model":"auto","messages":${hi}}`);
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe('no_eligible_model');
  });
});

describe('a request that fails before reaching the upstream never counts against the model', () => {
  it('a body the adapter cannot serialise: one attempt, a local client error, no failure count, no other model tried', async () => {
    const { table } = g.gw.holder.current;
    const messages = [{ role: 'user', content: 'hello there' }];
    const used = () => g.gw.ledger.quotas.snapshot(table, Date.now())['freebie/free-model']?.used ?? 0;
    const usedBefore = used();
    const outcome = await routeAndCall(
      {
        table,
        route: { model: 'auto', messages },
        body: { model: 'auto', messages, metadata: { n: 1n } }, // JSON.stringify throws on a BigInt
        stream: false,
        clientWantsUsage: false,
        signal: new AbortController().signal,
      },
      g.gw.deps,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.failure).toMatchObject({ class: 'invalid_request', status: 400, local: true });
    expect(up.requests).toHaveLength(0);
    expect(live().health(Date.now())).toEqual([]);
    // and the quota reserved for the attempt was released
    expect(used()).toBe(usedBefore);
  });
});

describe('a request no model of the route can take for what it contains', () => {
  it('is the client’s 400 (unsupported_request), not a 503 the SDKs retry', async () => {
    const { beyondEveryCapability } = await import('../runtime/server/failure-response.ts');
    const base = { scenario: 'chat', tier: null, model: null, next: [], pii: { detected: [], action: 'none' as const }, tokens: 5, estimate: 5, draw: 0, willingness: null, trace: [] };
    const cand = (reason: string) => ({ model: 'p/m', source: 'paid' as const, eligible: false, reason, at: null });
    const err = beyondEveryCapability({ ...base, candidates: [cand('the request has tools and the model has no `can tools`')] });
    expect(err?.status).toBe(400);
    expect(err?.message).toContain('can tools');
    // one model merely cooling down could take it later: still a 503
    expect(beyondEveryCapability({ ...base, candidates: [cand('the request has tools and the model has no `can tools`'), cand('cooling down after failures (3s left)')] })).toBeNull();
  });
});
