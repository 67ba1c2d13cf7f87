import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { consoleClient } from './helpers/console-client.ts';

const TOKEN = 'admin-token-for-the-console-1234';
const BODY = `gateway { auth env GW_ADMIN_TOKEN }
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
  free any
  willingness 100%
}
`;
const ENV = { ...TEST_KEYS, GW_ADMIN_TOKEN: TOKEN };

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']), ENV);
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

const chat = (content: string) =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
  }).then(async (r) => ({ status: r.status, id: r.headers.get('x-gw-request-id'), body: await r.json() }));

describe('console login', () => {
  it('refuses a wrong token with 401 bad_token and sets no cookie', async () => {
    const c = consoleClient(g);
    const r = await c.login('wrong');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: { message: 'wrong admin token', code: 'bad_token' } });
    expect(r.headers.get('set-cookie')).toBeNull();
    const s = await c.send('GET', '/console/api/session');
    expect(s.status).toBe(401);
    expect(s.json.auth_required).toBe(true);
    expect((await c.send('GET', '/console/api/overview')).status).toBe(401);
  });

  it('a right token opens a session: an httpOnly, SameSite=Strict cookie for /console, 12 h', async () => {
    const c = consoleClient(g);
    const r = await c.login(TOKEN);
    expect(r.status).toBe(200);
    expect(r.json.csrf).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(r.json.expires_at) - Date.now()).toBeGreaterThan(12 * 3600e3 - 60e3);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^gw_console=[0-9a-f]{64}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).toContain('Max-Age=43200');
    const s = await c.send('GET', '/console/api/session');
    expect(s.status).toBe(200);
    expect(s.json).toEqual({ authenticated: true, csrf: r.json.csrf, expires_at: r.json.expires_at, auth_required: true });
  });

  it('refuses a state change without the CSRF header, with a wrong one, or from another origin', async () => {
    const c = consoleClient(g);
    await c.login(TOKEN);
    const none = await c.send('POST', '/console/api/policy/check', { text: '' }, { 'x-gw-csrf': '' });
    expect(none.status).toBe(403);
    expect(none.json.error.code).toBe('csrf');
    const wrong = await c.send('POST', '/console/api/policy/check', { text: '' }, { 'x-gw-csrf': 'f'.repeat(32) });
    expect(wrong.status).toBe(403);
    const origin = await c.send('POST', '/console/api/policy/check', { text: '' }, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect(origin.json.error.code).toBe('bad_origin');
    const same = await c.send('POST', '/console/api/policy/check', { text: '' }, { origin: g.url });
    expect(same.status).toBe(200);
  });

  it('logout ends the session and clears the cookie', async () => {
    const c = consoleClient(g);
    await c.login(TOKEN);
    const kept = c.cookie;
    const r = await c.send('POST', '/console/api/logout');
    expect(r.status).toBe(204);
    expect(r.headers.get('set-cookie')).toMatch(/gw_console=;.*Max-Age=0/);
    expect((await c.send('GET', '/console/api/session', undefined, { cookie: kept! })).status).toBe(401);
  });
});

describe('console data', () => {
  const c = consoleClient({} as RunningGateway);
  let ids: string[] = [];
  beforeAll(async () => {
    Object.assign(c, consoleClient(g));
    await c.login(TOKEN);
    ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await chat(`hello ${i}`);
      expect(r.status).toBe(200);
      ids.push(r.id!);
    }
  });

  it('overview today has the numbers /stats has', async () => {
    const stats = await fetch(`${g.url}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    const o = (await c.send('GET', '/console/api/overview?range=today')).json;
    expect(o.range).toBe('today');
    expect(o.bucket).toBe('hour');
    expect(o.requests).toBe(stats.requests24h);
    expect(o.requests).toBeGreaterThanOrEqual(5);
    expect(o.prompt_tokens).toBe(stats.tokens24h.prompt);
    expect(o.completion_tokens).toBe(stats.tokens24h.completion);
    expect(o.cost_usd).toBe(stats.cost24h);
    expect(o.saved_usd).toBe(stats.saved24h);
    expect(o.free_tokens_used).toBe(stats.freeTokensUsed24h);
    expect(o.errors).toBe(stats.errors24h);
    const seriesRequests = o.series.reduce((n: number, s: any) => n + s.requests, 0);
    expect(seriesRequests).toBe(o.requests);
    const tokens = o.series.reduce((n: number, s: any) => n + s.tokens, 0);
    expect(tokens).toBe(o.prompt_tokens + o.completion_tokens);
    const last = o.series.at(-1);
    expect(Object.values(last.by_tier).reduce((a: number, b: any) => a + b, 0)).toBe(last.tokens);
    expect(o.free_tokens_left).toBeGreaterThan(0);
    for (const r of ['7d', '30d']) expect((await c.send('GET', `/console/api/overview?range=${r}`)).json.requests).toBe(o.requests);
    expect((await c.send('GET', '/console/api/overview?range=1y')).status).toBe(400);
  });

  it('quotas have /quota numbers', async () => {
    const q = await fetch(`${g.url}/quota`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    const mine = (await c.send('GET', '/console/api/quotas')).json;
    expect(mine.quotas).toHaveLength(q.quotas.length);
    for (const [i, row] of mine.quotas.entries()) {
      expect(row.model).toBe(q.quotas[i].model);
      expect(row.used).toBe(q.quotas[i].used);
      expect(row.remaining).toBe(q.quotas[i].remaining);
      expect(row.limit).toBe(q.quotas[i].total);
      expect(row.resets_at).toBe(q.quotas[i].next_reset);
      expect(row.time_zone).toBe('UTC');
      expect(row).toHaveProperty('provider_figure');
      expect(typeof row.alert).toBe('boolean');
    }
  });

  it('logs page newest first, filter, and page by cursor without repeats', async () => {
    const first = (await c.send('GET', '/console/api/logs?limit=2')).json;
    expect(first.rows).toHaveLength(2);
    expect(Object.keys(first.rows[0]).sort()).toEqual(['client', 'completion_tokens', 'cost_usd', 'endpoint', 'id', 'latency_ms', 'model', 'prompt_tokens', 'scenario', 'status', 'tier', 'ts'].sort());
    expect(first.next).toEqual(expect.any(String));
    const seen = [...first.rows.map((r: any) => r.id)];
    let next = first.next;
    while (next) {
      const p = (await c.send('GET', `/console/api/logs?limit=2&before=${encodeURIComponent(next)}`)).json;
      seen.push(...p.rows.map((r: any) => r.id));
      next = p.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    const filtered = (await c.send('GET', `/console/api/logs?model=${encodeURIComponent('freebie/free-model')}&status=2xx&tier=free`)).json;
    expect(filtered.rows.length).toBeGreaterThan(0);
    for (const r of filtered.rows) expect([r.model, r.tier, r.status]).toEqual(['freebie/free-model', 'free', 200]);
    expect((await c.send('GET', `/console/api/logs?q=${ids[0]}`)).json.rows.map((r: any) => r.id)).toEqual([ids[0]]);
    expect((await c.send('GET', '/console/api/logs?model=nope')).json).toEqual({ rows: [], next: null });
    const text = (await c.send('GET', `/console/api/logs?q=${ids[1].slice(2, -2)}`)).json;
    expect(text.rows.map((r: any) => r.id)).toEqual([ids[1]]);
    const byModel = (await c.send('GET', '/console/api/logs?q=FREE-MOD&limit=200')).json.rows;
    expect(byModel.length).toBeGreaterThan(0);
    for (const r of byModel) expect(r.model).toBe('freebie/free-model');
    expect((await c.send('GET', '/console/api/logs?before=garbage')).status).toBe(400);
    expect((await c.send('GET', '/console/api/logs?limit=0')).status).toBe(400);
  });

  it("a log's page has /logs/:id's row and the trace as gw explain renders it, with routes.gw lines", async () => {
    const plain = await fetch(`${g.url}/logs/${ids[0]}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    const d = (await c.send('GET', `/console/api/logs/${ids[0]}`)).json;
    const { trace_text, trace_lines, ...row } = d;
    expect(row).toEqual(plain);
    expect(trace_text).toMatch(/^gw explain · routes\.gw/);
    expect(trace_text).toContain('scenario chat · tier free · model freebie/free-model');
    expect(trace_lines.map((l: any) => l.text).join('\n') + '\n').toBe(trace_text);
    const policy = readFileSync(g.policyPath, 'utf8').split('\n');
    const linked = trace_lines.filter((l: any) => l.line !== null);
    expect(linked.length).toBeGreaterThan(0);
    for (const l of linked) expect(l.text.startsWith(`routes.gw:${l.line} `)).toBe(true);
    expect(linked.some((l: any) => policy[l.line - 1].includes('scenario chat') || policy[l.line - 1].includes('free'))).toBe(true);
    expect((await c.send('GET', '/console/api/logs/nope')).status).toBe(404);
  });
});

describe('console pages', () => {
  it('answers 503 text when the console is not built', async () => {
    const g2 = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']), ENV, { consoleDir: join(mkdtempSync(join(tmpdir(), 'gw-noconsole-')), 'none') });
    try {
      const r = await fetch(`${g2.url}/console`);
      expect(r.status).toBe(503);
      expect(await r.text()).toBe('console not built: run npm run build\n');
    } finally {
      await g2.close();
    }
  });

  it('serves index.html for every page path (no-cache) and hashed assets immutable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>gw</title><script src="/console/assets/app-1a2b.js"></script>');
    writeFileSync(join(dir, 'assets', 'app-1a2b.js'), `console.log(${JSON.stringify('x'.repeat(5000))})`);
    const g2 = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']), ENV, { consoleDir: dir });
    try {
      for (const p of ['/console', '/console/', '/console/logs', '/console/logs/abc', '/console/policy']) {
        const r = await fetch(`${g2.url}${p}`);
        expect(r.status, p).toBe(200);
        expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(r.headers.get('cache-control')).toBe('no-cache');
        expect(await r.text()).toContain('<title>gw</title>');
      }
      const a = await fetch(`${g2.url}/console/assets/app-1a2b.js`, { headers: { 'accept-encoding': 'gzip' } });
      expect(a.status).toBe(200);
      expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(a.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await a.text()).toContain('xxxx');
      expect((await fetch(`${g2.url}/console/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${g2.url}/console/..%2f..%2fetc%2fpasswd`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      const api = await fetch(`${g2.url}/console/api/nothing-here`);
      expect(api.status).toBe(404);
      expect(((await api.json()) as any).error.code).toBe('unknown_url');
    } finally {
      await g2.close();
    }
  });
});
