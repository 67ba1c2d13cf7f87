import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { bump } from '../runtime/state/change-counter.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

const execFileAsync = promisify(execFile);

const BODY = `
gateway { auth env GW_TOKEN }
model freebie/free-model { context 32k  free 1M tokens every day }
model paidco/paid-model  { context 128k  price 1000 / 1000 }
scenario code when text ~ /python/i {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 0%
}
client ops { key env OPS_KEY  limit 3 rpm  allow scenario chat }
`;
const ADMIN = 'gw-admin-token-0123456789';
const OPS = 'ops-policy-key-abcdefghij';
const ENV = { ...TEST_KEYS, GW_TOKEN: ADMIN, OPS_KEY: OPS };

let up: FakeUpstream;
let g: RunningGateway;

async function gw(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(g.dir, env);
  const code = await main([...args, '--config', g.policyPath], io);
  return { code, out: io.stdout, err: io.stderr };
}

async function createKey(name: string, ...flags: string[]): Promise<string> {
  const r = await gw(['keys', 'create', name, ...flags, '--json']);
  expect(r.err).toBe('');
  const j = JSON.parse(r.out) as { name: string; key: string };
  expect(j.name).toBe(name);
  return j.key;
}

const client = (key: string) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
const hi = [{ role: 'user' as const, content: 'hello there' }];
const chat = (key: string, content = 'hello there') =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
  });
const get = (path: string, key?: string) => fetch(`${g.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY), ENV);
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => up.reset());

describe('gw keys', () => {
  it('creates a key shown once, stores only its hash, lists it; a running gateway accepts it at once', async () => {
    const key = await createKey('alice', '--rpm', '100', '--budget', '5/day', '--then', 'block', '--scenarios', 'chat,code');
    expect(key).toMatch(/^gw_[A-Za-z0-9_-]{40,}$/);
    const r = await client(key).chat.completions.create({ model: 'auto', messages: hi }).withResponse();
    expect(r.response.status).toBe(200);
    g.gw.ledger.requests.flush(); // the log's group commit (within 10 ms), now
    const list = await gw(['keys', 'list']);
    expect(list.out).toMatch(/alice\s+active\s+100 rpm\s+\$[\d.]+ of \$5\/day then block/);
    expect(list.out).not.toContain(key);
    const json = JSON.parse((await gw(['keys', 'list', '--json'])).out) as { name: string; today: { requests: number } }[];
    expect(json.find((k) => k.name === 'alice')!.today.requests).toBe(1);
    // the database holds the hash, never the key
    g.gw.ledger.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = join(g.dir, '.gw', 'state.db');
    for (const f of [file, `${file}-wal`]) {
      let bytes = '';
      try {
        bytes = readFileSync(f).toString('latin1');
      } catch {
        continue;
      }
      expect(bytes).not.toContain(key);
      expect(bytes).not.toContain(key.slice(3, 30));
    }
  });

  it('refuses a second active key of one name, an unknown scenario, a bad budget', async () => {
    await createKey('dup');
    expect((await gw(['keys', 'create', 'dup'])).err).toMatch(/exists: revoke it first, or rotate it/);
    expect((await gw(['keys', 'create', 'x1', '--scenarios', 'nope'])).err).toMatch(/unknown scenario nope/);
    expect((await gw(['keys', 'create', 'x2', '--budget', '2/week'])).code).toBe(2);
  });

  it('revoke takes effect on the running server at once; rotate retires the old key and the new one works', async () => {
    const key = await createKey('bob');
    expect((await chat(key)).status).toBe(200);
    expect((await gw(['keys', 'revoke', 'bob'])).code).toBe(0);
    const denied = await chat(key);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('key_revoked');

    const carol = await createKey('carol');
    const rotated = JSON.parse((await gw(['keys', 'rotate', 'carol', '--json'])).out) as { key: string };
    expect(rotated.key).not.toBe(carol);
    expect((await chat(carol)).status).toBe(401);
    expect((await chat(rotated.key)).status).toBe(200);
  });

  it('a key created and revoked by the real gw command, another process, reaches the running gateway at once', async () => {
    const bin = fileURLToPath(new URL('../bin/gw.js', import.meta.url));
    // asynchronous: the gateway in this process keeps serving (and closing idle sockets) while the command runs
    const run = async (...a: string[]) =>
      (await execFileAsync(process.execPath, [bin, ...a, '--config', g.policyPath], { cwd: g.dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 })).stdout;
    const { key } = JSON.parse(await run('keys', 'create', 'proc', '--json')) as { key: string };
    expect((await chat(key)).status).toBe(200);
    await run('keys', 'revoke', 'proc');
    expect((await chat(key)).status).toBe(401);
  });

  it('an expired key gets 401 in the OpenAI and the Anthropic shape', async () => {
    const key = await createKey('temp', '--expires', new Date(Date.now() + 3600_000).toISOString());
    expect((await chat(key)).status).toBe(200);
    // time passes: the key's expiry is now behind us (written as another process would)
    const db = g.gw.ledger.db;
    db.prepare('UPDATE client_keys SET expires_at = ? WHERE name = ?').run(Date.now() - 1000, 'temp');
    bump(db, 'clients_version');
    g.gw.access.registry.sync(true);
    const r = await chat(key);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('key_expired');
    const a = new Anthropic({ baseURL: g.url, apiKey: key, maxRetries: 0 });
    const err = await a.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err.status).toBe(401);
    expect(err.error.error.type).toBe('authentication_error');
  });
});

describe('enforcement under concurrency', () => {
  it('rpm: of 12 concurrent requests exactly the limit pass, the rest get 429 with Retry-After; the admin and other keys are not slowed', async () => {
    const key = await createKey('burst', '--rpm', '5');
    const other = await createKey('calm', '--rpm', '5');
    const results = await Promise.all(Array.from({ length: 12 }, () => chat(key)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const limited = results.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as { error: { code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect((await chat(other)).status).toBe(200);
    const admin = await Promise.all(Array.from({ length: 8 }, () => chat(ADMIN)));
    expect(admin.every((r) => r.status === 200)).toBe(true);
  });

  it('rpm of a routes.gw client block; the Anthropic front door answers 429 rate_limit_error', async () => {
    const a = new Anthropic({ baseURL: g.url, apiKey: OPS, maxRetries: 0 });
    const send = () => a.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).then(() => 200, (e) => e);
    const out = await Promise.all([send(), send(), send(), send(), send()]);
    expect(out.filter((x) => x === 200)).toHaveLength(3);
    const e = out.find((x) => x !== 200);
    expect(e.status).toBe(429);
    expect(e.error.error.type).toBe('rate_limit_error');
    expect(Number(e.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('tpm: the router estimate is held per request, so concurrent requests cannot pass the limit together', async () => {
    // each request holds ~1,030 tokens (prompt + the 1,024-token default answer allowance)
    const key = await createKey('tokens', '--tpm', '2500');
    up.script('paid-model', ...Array.from({ length: 6 }, () => ({ delayMs: 100 })));
    const results = await Promise.all(Array.from({ length: 6 }, () => chat(key)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(4);
    expect(((await limited[0].json()) as { error: { message: string } }).error.message).toMatch(/2500 tokens per minute/);
  });

  it('budget then block: concurrent paid requests stop once spend plus in-flight estimates reach it (no overspend beyond them)', async () => {
    // price 1000/1000 per 1M: one request's estimate is ~$1.03; a $3 budget admits three in flight
    const key = await createKey('spender', '--budget', '3/day', '--then', 'block');
    up.script('paid-model', ...Array.from({ length: 10 }, () => ({ delayMs: 150, usage: { promptTokens: 500, completionTokens: 500 } })));
    const results = await Promise.all(Array.from({ length: 10 }, () => chat(key)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(7);
    expect(((await refused[0].json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
    const usage = (await (await get('/v1/usage', key)).json()) as { budget: { spent: number; left: number }; today: { cost_usd: number; requests: number } };
    expect(usage.budget.spent).toBeCloseTo(3, 6); // 3 × 1,000 tokens at $1,000/1M
    expect(usage.budget.spent).toBeLessThanOrEqual(3 + 1.03);
    expect(usage.budget.left).toBe(0);
    // spent: the next one is refused before any upstream call
    const n = up.requests.length;
    expect((await chat(key)).status).toBe(429);
    expect(up.requests.length).toBe(n);
  });

  it('budget then free_only: once spent, the key is routed to free models only', async () => {
    const key = await createKey('thrifty', '--budget', '0.001/day', '--then', 'free_only');
    const first = await chat(key);
    expect(first.headers.get('x-gw-tier')).toBe('paid');
    const second = await chat(key);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(second.headers.get('x-gw-tier')).toBe('free');
    // the admin is not bound by a client's budget
    expect((await chat(ADMIN)).headers.get('x-gw-tier')).toBe('paid');
  });

  it('a scenario or a model outside the allow list is a 403, in each protocol\'s shape', async () => {
    const key = await createKey('chatonly', '--scenarios', 'chat', '--models', 'freebie');
    const r = await chat(key, 'write python please');
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { type: string; code: string; message: string } }).error).toMatchObject({ type: 'permission_error', code: 'not_allowed' });
    const m = await client(key).chat.completions.create({ model: 'paidco/paid-model', messages: hi }).catch((e) => e);
    expect(m.status).toBe(403);
    expect(m.error.message).toMatch(/may not use the model paidco\/paid-model/);
    // it lists only what it may use
    const models = (await (await get('/v1/models', key)).json()) as { data: { id: string }[] };
    expect(models.data.map((x) => x.id)).toEqual(['auto', 'freebie/free-model']);
    // auto routing skips the paid model it may not use
    const ok = await chat(key);
    expect(ok.headers.get('x-gw-model')).toBe('freebie/free-model');
    const a = new Anthropic({ baseURL: g.url, apiKey: key, maxRetries: 0 });
    const e = await a.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'python code' }] }).catch((x) => x);
    expect(e.status).toBe(403);
    expect(e.error.error.type).toBe('permission_error');
  });
});

describe('roles and attribution', () => {
  const ADMIN_ONLY: [string, string][] = [
    ['GET', '/logs'],
    ['GET', '/logs/some-id'],
    ['GET', '/stats'],
    ['GET', '/metrics'],
    ['GET', '/quota'],
    ['GET', '/quota/alerts'],
    ['POST', '/quota/register'],
    ['GET', '/report/day'],
    ['GET', '/_gw/policy'],
    ['GET', '/_gw/secrets'],
    ['PUT', '/_gw/secrets/X_KEY'],
    ['DELETE', '/_gw/secrets/X_KEY'],
  ];

  it('a client key may call /v1/* and GET /v1/usage; every other route is admin-only (403); no key is a 401', async () => {
    const key = await createKey('roles');
    for (const [method, path] of ADMIN_ONLY) {
      const r = await fetch(`${g.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('admin_only');
      const anon = await fetch(`${g.url}${path}`, { method, body: method === 'GET' ? undefined : '{}' });
      expect(anon.status, `anonymous ${method} ${path}`).toBe(401);
      const admin = await fetch(`${g.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect([401, 403], `admin ${method} ${path}`).not.toContain(admin.status);
    }
    expect((await get('/v1/models', key)).status).toBe(200);
    expect((await get('/v1/usage', key)).status).toBe(200);
    expect((await get('/v1/usage?client=alice', key)).status).toBe(403);
    expect((await chat(key)).status).toBe(200);
    const count = await fetch(`${g.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(count.status).toBe(200);
    expect((await chat('gw_not-a-real-key')).status).toBe(401);
    expect((await get('/health')).status).toBe(200);
  });

  it('every log row, /logs?client=, /stats, /metrics and /v1/usage carry the client name', async () => {
    const key = await createKey('attrib');
    await chat(key);
    await chat(key, 'python please');
    const logs = (await (await get('/logs?client=attrib', ADMIN)).json()) as { logs: { client: string; model: string }[] };
    expect(logs.logs).toHaveLength(2);
    expect(logs.logs.every((l) => l.client === 'attrib')).toBe(true);
    const stats = (await (await get('/stats', ADMIN)).json()) as { perClient: { client: string | null; requests: number }[] };
    expect(stats.perClient.find((c) => c.client === 'attrib')!.requests).toBe(2);
    const metrics = await (await get('/metrics', ADMIN)).text();
    const series = metrics.split('\n').filter((l) => l.startsWith('gw_requests_total{') && l.includes('client="attrib"'));
    expect(series.reduce((n, l) => n + Number(l.split(' ').pop()), 0)).toBe(2);
    const usage = (await (await get('/v1/usage', key)).json()) as { client: string; today: { requests: number; by_tier: { tier: string }[] }; month: { by_model: { model: string }[] } };
    expect(usage.client).toBe('attrib');
    expect(usage.today.requests).toBe(2);
    expect(usage.month.by_model.map((m) => m.model)).toContain('paidco/paid-model');
    const all = (await (await get('/v1/usage', ADMIN)).json()) as { clients: { client: string }[] };
    expect(all.clients.map((c) => c.client)).toEqual(expect.arrayContaining(['attrib', 'ops']));
  });
});

describe('gw explain --client', () => {
  it('routes as the client would be routed: allow lists, and its budget as spent so far', async () => {
    g.gw.ledger.requests.flush();
    const python = await gw(['explain', '--client', 'ops', '--json', '--draw', '0.5', 'write python']);
    const d1 = JSON.parse(python.out) as { model: string | null; error?: { type: string; message: string } };
    expect(d1.model).toBeNull();
    expect(d1.error).toMatchObject({ type: 'forbidden', message: expect.stringMatching(/client "ops" may not use the scenario "code"/) });
    // thrifty spent its budget (then free_only) earlier in this file: free models only
    const free = JSON.parse((await gw(['explain', '--client', 'thrifty', '--json', '--draw', '0.5', 'hello'], ENV)).out) as { model: string; trace: { message: string }[] };
    expect(free.model).toBe('freebie/free-model');
    expect(free.trace.map((t) => t.message).join('\n')).toMatch(/client "thrifty" has spent its budget/);
    // the admin view of the same prompt takes the paid model
    expect((JSON.parse((await gw(['explain', '--json', '--draw', '0.5', 'hello'], ENV)).out) as { model: string }).model).toBe('paidco/paid-model');
    const none = await gw(['explain', '--client', 'nobody', 'hello']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no client named "nobody"/);
  });
});

describe('without a gateway token', () => {
  it('serves as before on loopback; a gw client key still gets its limits and attribution', async () => {
    const g2 = await startGateway(policyFor(up, BODY.replace('gateway { auth env GW_TOKEN }', '')), TEST_KEYS);
    try {
      expect((await fetch(`${g2.url}/stats`)).status).toBe(200);
      expect(g2.log.lines.join('\n')).toMatch(/client keys exist but no gateway token is set/);
      const r = await fetch(`${g2.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer anything', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: hi }) });
      expect(r.status).toBe(200);
      const unknown = await fetch(`${g2.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer gw_unknown', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: hi }) });
      expect(unknown.status).toBe(401);
    } finally {
      await g2.close();
    }
  });
});
