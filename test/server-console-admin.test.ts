import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { consoleClient, type ConsoleClient } from './helpers/console-client.ts';
import { MAX_SUBSCRIBERS } from '../runtime/server/console/events.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { main } from '../cli/main.ts';

const TOKEN = 'admin-token-for-the-console-5678';
const HOOK_SECRET = 'hook-path-secret-9f8e7d';
const body = (hook: string) => `gateway { auth env GW_ADMIN_TOKEN }
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
alert low_quota below 5000 tokens, expiring within 24h, webhook env GW_HOOK_URL
scenario code when text ~ /function|class/ {
  paid paidco/paid-model
}
scenario chat {
  paid paidco/paid-model
  free any
  willingness 100%
}
`;

let up: FakeUpstream;
let g: RunningGateway;
let c: ConsoleClient;
let hook: Server;
const hooked: string[] = [];
beforeAll(async () => {
  up = await startFakeUpstream();
  hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      hooked.push(`${req.url} ${b}`);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/${HOOK_SECRET}`;
  g = await startGateway(policyFor(up, body(hookUrl), ['freebie', 'paidco']), { ...TEST_KEYS, GW_ADMIN_TOKEN: TOKEN, GW_HOOK_URL: hookUrl });
  c = consoleClient(g);
  expect((await c.login(TOKEN)).status).toBe(200);
});
afterAll(async () => {
  await g?.close();
  await up?.close();
  await new Promise((r) => hook?.close(r));
});

const chat = (key: string, content = 'hello') =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
  });

describe('console policy', () => {
  it('reads the file with its hash, generation and last reload', async () => {
    const p = (await c.send('GET', '/console/api/policy')).json;
    expect(p.text).toBe(readFileSync(g.policyPath, 'utf8'));
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(p.generation).toBe(g.gw.holder.current.generation);
    expect(p.last_reload.ok).toBe(true);
    expect(p.diagnostics).toEqual([]);
  });

  it('check gives the diagnostics gw check gives, at their line', async () => {
    const r = await c.send('POST', '/console/api/policy/check', { text: 'scenario chat {\n  paid nope/model\n}\n' });
    expect(r.status).toBe(200);
    const d = r.json.diagnostics;
    expect(d.length).toBeGreaterThan(0);
    expect(d[0]).toMatchObject({ severity: 'error', line: 2, code: expect.stringMatching(/^GW\d+$/) });
    expect(d[0]).toHaveProperty('endLine');
    expect(d[0]).toHaveProperty('endCol');
  });

  it('save: a broken text is refused (422, file untouched, still serving); a stale hash is 409; a good text is written and reloaded', async () => {
    const before = (await c.send('GET', '/console/api/policy')).json;
    const gen = before.generation;
    const broken = await c.send('PUT', '/console/api/policy', { text: `${before.text}\nscenario oops {\n  paid nope/x\n}\n`, hash: before.hash });
    expect(broken.status).toBe(422);
    expect(broken.json.error.code).toBe('policy_errors');
    const errors = broken.json.diagnostics.filter((d: any) => d.severity === 'error');
    expect(errors.map((d: any) => d.line)).toContain(before.text.split('\n').length + 2);
    expect(readFileSync(g.policyPath, 'utf8')).toBe(before.text);
    expect((await chat(TOKEN)).status).toBe(200);
    const stale = await c.send('PUT', '/console/api/policy', { text: before.text, hash: '0'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('hash_mismatch');
    const edited = before.text.replace('willingness 100%', 'willingness 90%');
    const ok = await c.send('PUT', '/console/api/policy', { text: edited, hash: before.hash });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, generation: gen + 1, diagnostics: [] });
    expect(readFileSync(g.policyPath, 'utf8')).toBe(edited);
    expect(g.gw.holder.current.generation).toBe(gen + 1);
    expect(g.gw.holder.current.table.scenarios.find((s) => s.name === 'chat')!.willingness).toBeCloseTo(0.9);
    // the old hash is stale now
    expect((await c.send('PUT', '/console/api/policy', { text: before.text, hash: before.hash })).status).toBe(409);
    // another writer changed the file: the console's hash no longer matches
    const now = (await c.send('GET', '/console/api/policy')).json;
    writeFileSync(g.policyPath, `${edited}# edited by hand\n`);
    expect((await c.send('PUT', '/console/api/policy', { text: edited, hash: now.hash })).status).toBe(409);
  });

  it('explain playground renders the trace as gw explain does, lines linked', async () => {
    const r = await c.send('POST', '/console/api/explain', { prompt: 'write a function that adds', model: 'auto' });
    expect(r.status).toBe(200);
    expect(r.json.decision.scenario).toBe('code');
    expect(r.json.decision.model).toBe('paidco/paid-model');
    expect(r.json.text).toMatch(/^gw explain · routes\.gw/);
    expect(r.json.text).toContain('scenario code · tier paid · model paidco/paid-model');
    const linked = r.json.trace_lines.filter((l: any) => l.line !== null);
    expect(linked.length).toBeGreaterThan(0);
    const src = readFileSync(g.policyPath, 'utf8').split('\n');
    expect(linked.some((l: any) => src[l.line - 1].includes('scenario code') || src[l.line - 1].includes('text ~'))).toBe(true);
    expect((await c.send('POST', '/console/api/explain', { prompt: 42 })).status).toBe(400);
  });

  it('explain playground says what gw explain says for the same prompt and draw', async () => {
    for (const [prompt, draw] of [
      ['hello there', 0.95],
      ['hello there', 0.05],
      ['a class with a function', 0.5],
    ] as const) {
      const io = memoryIo(g.dir, { ...TEST_KEYS, GW_ADMIN_TOKEN: TOKEN, GW_HOOK_URL: 'http://127.0.0.1:9/x' });
      await main(['explain', '--config', g.policyPath, '--draw', String(draw), prompt], io);
      const r = await c.send('POST', '/console/api/explain', { prompt, draw });
      expect(r.status).toBe(200);
      // the first line names the time of the run
      const tail = (t: string) => t.split('\n').slice(1).join('\n');
      expect(tail(r.json.text)).toBe(tail(io.stdout));
    }
  });
});

describe('console keys', () => {
  it('creates a key (shown once) that works, lists it without the key, revokes it (then 401)', async () => {
    const made = await c.send('POST', '/console/api/keys', { name: 'laptop', rpm: 60, budget: '2/day' });
    expect(made.status).toBe(201);
    expect(made.json.key).toMatch(/^gw_[A-Za-z0-9_-]{43}$/);
    expect(made.json).toMatchObject({ name: 'laptop', rpm: 60, tpm: null, budget: { usd: 2, per: 'day', then: 'free_only' }, revoked: false, prefix: made.json.key.slice(0, 7) });
    expect((await chat(made.json.key)).status).toBe(200);
    const list = await c.send('GET', '/console/api/keys');
    expect(list.text).not.toContain(made.json.key);
    const row = list.json.keys.find((k: any) => k.name === 'laptop');
    expect(row).toMatchObject({ name: 'laptop', prefix: made.json.key.slice(0, 7), rpm: 60, revoked: false });
    expect(row.usage.today.requests).toBe(1);
    expect(Object.keys(row)).not.toContain('hash');
    expect((await c.send('POST', '/console/api/keys', { name: 'laptop' })).status).toBe(409);
    expect((await c.send('POST', '/console/api/keys', { name: 'bad name!' })).status).toBe(400);
    const gone = await c.send('DELETE', '/console/api/keys/laptop');
    expect(gone.status).toBe(200);
    expect(gone.json).toEqual({ name: 'laptop', revoked: true });
    expect((await chat(made.json.key)).status).toBe(401);
    expect((await c.send('GET', '/console/api/keys')).json.keys.find((k: any) => k.name === 'laptop').revoked).toBe(true);
    expect((await c.send('DELETE', '/console/api/keys/nobody')).status).toBe(404);
  });

  it('vault secrets: names only, set and removed', async () => {
    const put = await c.send('PUT', '/console/api/secrets/EXTRA_KEY', { value: 'sk-vault-value-4444' });
    expect(put.status).toBe(201);
    const list = await c.send('GET', '/console/api/secrets');
    expect(list.json.secrets.map((s: any) => s.name)).toContain('EXTRA_KEY');
    expect(list.text).not.toContain('sk-vault-value-4444');
    expect((await c.send('DELETE', '/console/api/secrets/EXTRA_KEY')).status).toBe(200);
    expect((await c.send('GET', '/console/api/secrets')).json.secrets).toEqual([]);
  });
});

describe('console providers and alerts', () => {
  it('providers: status, key variable names, models with their fields and sources', async () => {
    const r = await c.send('GET', '/console/api/providers');
    const paid = r.json.providers.find((p: any) => p.name === 'paidco');
    expect(paid).toMatchObject({ enabled: true, status: 'enabled', key_var: 'PAIDCO_KEY', protocol: 'openai', in_policy: true });
    expect(paid.models).toEqual([expect.objectContaining({ id: 'paidco/paid-model', context: 128000, price_in: 1, price_out: 2, sources: expect.objectContaining({ context: 'declared', price: 'declared' }) })]);
    const t = await c.send('POST', '/console/api/providers/paidco/test');
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ provider: 'paidco' });
    expect(['ok', 'models', 'error', 'auth', 'unreachable']).toContain(t.json.status);
    expect((await c.send('POST', '/console/api/providers/nope/test')).status).toBe(404);
  });

  it('alerts: /quota/alerts body, the webhook masked, a test alert sent', async () => {
    const plain = await fetch(`${g.url}/quota/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    const r = await c.send('GET', '/console/api/alerts');
    const { webhook, webhook_source, ...rest } = r.json;
    expect(rest).toEqual(plain);
    expect(webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    expect(webhook_source).toBe('env GW_HOOK_URL');
    expect(r.text).not.toContain(HOOK_SECRET);
    const t = await c.send('POST', '/console/api/alerts/test');
    expect(t.json).toEqual({ ok: true, status: 202 });
    expect(hooked.at(-1)).toContain(`/hooks/${HOOK_SECRET}`);
    expect(hooked.at(-1)).toContain('"reason":"test"');
  });

  it('no console answer holds a provider key value', async () => {
    const secrets = Object.values(TEST_KEYS);
    const paths = ['/console/api/session', '/console/api/overview?range=30d', '/console/api/quotas', '/console/api/logs?limit=200', '/console/api/policy', '/console/api/providers', '/console/api/keys', '/console/api/secrets', '/console/api/alerts'];
    const ids = (await c.send('GET', '/console/api/logs?limit=5')).json.rows.map((r: any) => `/console/api/logs/${r.id}`);
    for (const p of [...paths, ...ids]) {
      const r = await c.send('GET', p);
      expect(r.status, p).toBe(200);
      for (const s of secrets) expect(r.text, p).not.toContain(s);
      expect(r.text, p).not.toContain(TOKEN);
    }
    const ex = await c.send('POST', '/console/api/explain', { prompt: `my key is ${TEST_KEYS.PAIDCO_KEY}` });
    expect(ex.text).not.toContain(TEST_KEYS.PAIDCO_KEY);
  });
});

describe('console events', () => {
  it('streams a log event for a finished request, then stats; a closed stream is dropped', async () => {
    const ac = new AbortController();
    const r = await fetch(`${g.url}/console/api/events`, { headers: { cookie: c.cookie! }, signal: ac.signal });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let pending: ReturnType<typeof reader.read> | null = null;
    // read until `re` matches what came (at most `ms`); a read still pending then is kept for the next call
    const until = async (re: RegExp, ms = 8000) => {
      const end = Date.now() + ms;
      while (!re.test(buf) && Date.now() < end) {
        pending ??= reader.read();
        const got = await Promise.race([pending, new Promise<null>((res) => setTimeout(() => res(null), end - Date.now()))]);
        if (got === null) break;
        pending = null;
        if (got.done) break;
        buf += dec.decode(got.value);
      }
      const m = re.exec(buf);
      if (m) buf = buf.slice(m.index + m[0].length);
      return m;
    };
    expect(await until(/event: policy\ndata: (.*)\n\n/)).not.toBeNull();
    expect(g.gw.holder.current.generation).toBeGreaterThan(0);
    const res = await chat(TOKEN, 'hello events');
    const id = res.headers.get('x-gw-request-id');
    const m = await until(/event: log\ndata: (.*)\n\n/);
    expect(m).not.toBeNull();
    const row = JSON.parse(m![1]);
    expect(row).toMatchObject({ id, status: 200, endpoint: expect.any(String) });
    const s = await until(/event: stats\ndata: (.*)\n\n/);
    expect(JSON.parse(s![1])).toMatchObject({ range: 'today', requests: expect.any(Number) });
    ac.abort();
    const end = Date.now() + 3000;
    while (Date.now() < end && (await fetch(`${g.url}/health`).then(() => true)) && hubSize() > 0) await new Promise((r) => setTimeout(r, 50));
    expect(hubSize()).toBe(0);
  });

  it(`holds at most ${MAX_SUBSCRIBERS} streams (then 503) and frees them when their clients go`, async () => {
    const open: AbortController[] = [];
    try {
      for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
        const ac = new AbortController();
        open.push(ac);
        const r = await fetch(`${g.url}/console/api/events`, { headers: { cookie: c.cookie! }, signal: ac.signal });
        expect(r.status).toBe(200);
      }
      expect(hubSize()).toBe(MAX_SUBSCRIBERS);
      const over = await fetch(`${g.url}/console/api/events`, { headers: { cookie: c.cookie! } });
      expect(over.status).toBe(503);
      expect(((await over.json()) as any).error.code).toBe('too_many_streams');
    } finally {
      for (const ac of open) ac.abort();
    }
    const end = Date.now() + 5000;
    while (Date.now() < end && hubSize() > 0) await new Promise((r) => setTimeout(r, 50));
    expect(hubSize()).toBe(0);
  });

  it('needs a session', async () => {
    expect((await fetch(`${g.url}/console/api/events`)).status).toBe(401);
  });
});

/** How many console streams the gateway holds open. */
const hubSize = () => g.gw.consoleHub.size;
