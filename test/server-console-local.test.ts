import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { consoleClient } from './helpers/console-client.ts';
import { SESSION_MS, SessionStore } from '../runtime/server/console/session-store.ts';

const BODY = `model paidco/paid-model { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
}
`;

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY, ['paidco']));
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

/** A request as the gateway's app sees it from a peer at `address` (the Node socket srvx hands the app). */
const from = (address: string, path: string, init: RequestInit = {}) =>
  g.gw.app.fetch(Object.assign(new Request(`http://gw.test${path}`, init), { runtime: { name: 'node', node: { req: { socket: { remoteAddress: address } } } } }) as never);

describe('the console without an admin token', () => {
  it('opens a session for a loopback peer without login (auth_required false), CSRF still needed', async () => {
    const c = consoleClient(g);
    const s = await c.send('GET', '/console/api/session');
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ authenticated: true, auth_required: false, csrf: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(s.headers.get('set-cookie')).toMatch(/^gw_console=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=43200/);
    const again = await c.send('GET', '/console/api/session');
    expect(again.json.csrf).toBe(s.json.csrf);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await c.send('POST', '/console/api/policy/check', { text: '' })).status).toBe(403);
    c.csrf = s.json.csrf;
    expect((await c.send('POST', '/console/api/policy/check', { text: '' })).status).toBe(200);
    expect((await c.send('GET', '/console/api/overview')).status).toBe(200);
  });

  it('answers other hosts 403 on the API, the pages and login', async () => {
    for (const [path, init] of [
      ['/console/api/session', {}],
      ['/console/api/overview', {}],
      ['/console', {}],
      ['/console/logs', {}],
      ['/console/api/login', { method: 'POST', body: '{"token":"x"}', headers: { 'content-type': 'application/json' } }],
    ] as [string, RequestInit][]) {
      const r = await from('192.0.2.10', path, init);
      expect(r.status, path).toBe(403);
      expect(((await r.json()) as any).error.code, path).toBe('loopback_only');
    }
    expect((await from('127.0.0.1', '/console/api/session')).status).toBe(200);
    expect((await from('::1', '/console/api/session')).status).toBe(200);
  });
});

describe('the console with an admin token', () => {
  it('serves other hosts with a session the token opened', async () => {
    const g2 = await startGateway(policyFor(up, `gateway { auth env GW_ADMIN_TOKEN }\n${BODY}`, ['paidco']), { ...TEST_KEYS, GW_ADMIN_TOKEN: 'tok-abc-123' });
    try {
      const far = (path: string, init: RequestInit = {}) =>
        g2.gw.app.fetch(Object.assign(new Request(`http://gw.test${path}`, init), { runtime: { name: 'node', node: { req: { socket: { remoteAddress: '192.0.2.10' } } } } }) as never);
      expect((await far('/console/api/session')).status).toBe(401);
      expect((await far('/console')).status).not.toBe(403);
      const c = consoleClient(g2);
      expect((await c.login('tok-abc-123')).status).toBe(200);
      const r = await far('/console/api/overview', { headers: { cookie: c.cookie! } });
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).range).toBe('today');
      // a new admin token ends the sessions the old one opened
      (g2.gw.deps.env as Record<string, string>).GW_ADMIN_TOKEN = 'tok-new-456';
      expect((await c.send('GET', '/console/api/overview')).status).toBe(401);
      expect((await c.login('tok-abc-123')).status).toBe(401);
      expect((await c.login('tok-new-456')).status).toBe(200);
      expect((await c.send('GET', '/console/api/overview')).status).toBe(200);
    } finally {
      await g2.close();
    }
  });
});

describe('session store', () => {
  it('forgets a session at its expiry; ids are 32 random bytes', () => {
    let now = 1_000_000;
    const store = new SessionStore(() => now);
    const s = store.create();
    expect(s.id).toMatch(/^[0-9a-f]{64}$/);
    expect(store.create().id).not.toBe(s.id);
    expect(store.get(s.id)).toBe(s);
    now += SESSION_MS - 1;
    expect(store.get(s.id)).toBe(s);
    now += 1;
    expect(store.get(s.id)).toBeNull();
    expect(store.get('nope')).toBeNull();
    expect(store.get(null)).toBeNull();
  });
});
