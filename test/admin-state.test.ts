import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../runtime/server/app.ts';
import { checkAdmin, exposureWarning } from '../runtime/server/admin-auth.ts';
import { memoryLogger } from '../runtime/log/logger.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { compileText } from './helpers/policy.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { main } from '../cli/main.ts';

// Admin state is validated: /quota/register (issue 10, item 5).
const BODY = `
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
  free any
  willingness 100%
}
`;

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

const send = async (g: RunningGateway, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${g.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as any };
};
const reg = (g: RunningGateway, body: unknown, headers?: Record<string, string>) => send(g, 'POST', '/quota/register', body, headers);
const freeOf = (g: RunningGateway, id: string) => g.gw.holder.current.table.models.find((m) => m.id === id)?.free ?? null;

describe('POST /quota/register validates', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']));
  });
  afterAll(async () => g?.close());

  const bad: [string, Record<string, unknown>, string][] = [
    ['1e308 tokens', { provider: 'paidco', model: 'm1', totalQuota: 1e308 }, 'totalQuota'],
    ['a negative quota', { provider: 'paidco', model: 'm1', totalQuota: -5 }, 'totalQuota'],
    ['a fractional quota', { provider: 'paidco', model: 'm1', totalQuota: 1.5 }, 'totalQuota'],
    ['a NUL in the name', { provider: 'paidco', model: 'a\u0000b', totalQuota: 5 }, 'model'],
    ['a newline in the name', { provider: 'paidco', model: 'a\nb', totalQuota: 5 }, 'model'],
    ['a 60 KB name', { provider: 'paidco', model: 'x'.repeat(60_000), totalQuota: 5 }, 'model'],
    ['an unknown provider', { provider: 'nope', model: 'x', totalQuota: 5 }, 'provider'],
    ['a huge context', { provider: 'paidco', model: 'm1', totalQuota: 5, context: 1e300 }, 'context'],
    ['a non-integer priority', { provider: 'paidco', model: 'm1', totalQuota: 5, priority: 1e308 }, 'priority'],
    ['an impossible expiry date', { provider: 'paidco', model: 'm1', totalQuota: 5, expires: '2026-13-45' }, 'expires'],
    ['a period named like an Object property', { provider: 'paidco', model: 'm1', totalQuota: 5, resetPeriod: 'constructor' }, 'resetPeriod'],
  ];
  for (const [what, body, param] of bad)
    it(`refuses ${what} (400 naming ${param})`, async () => {
      const r = await reg(g, body);
      expect(r.status).toBe(400);
      expect(r.json.error.param).toBe(param);
      expect(r.json.error.message.length).toBeLessThan(400); // a 60 KB name is not echoed back
      expect(g.gw.ledger.overlays.count()).toBe(0);
    });

  it('takes a model name as providers spell them', async () => {
    const r = await reg(g, { provider: 'paidco', model: 'Qwen/Qwen2.5-72B-Instruct:free', totalQuota: 1000 });
    expect(r.status).toBe(201);
    expect(freeOf(g, 'paidco/Qwen/Qwen2.5-72B-Instruct:free')?.tokens).toBe(1000);
    expect((await send(g, 'DELETE', '/quota/register/paidco/Qwen/Qwen2.5-72B-Instruct:free')).status).toBe(200);
  });
});

describe('stored registrations', () => {
  it('a bad row written straight into SQLite never disables the others', async () => {
    const g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']));
    try {
      expect((await reg(g, { provider: 'paidco', model: 'paid-model', totalQuota: 50_000 })).status).toBe(201);
      const db = g.gw.ledger.db;
      const put = db.prepare('INSERT INTO quota_overlay (model, body, created_at) VALUES (?, ?, ?)');
      put.run('paidco/a\nb', JSON.stringify({ provider: 'paidco', model: 'a\nb', totalQuota: 5, resetPeriod: 'monthly', resetAt: '00:00', zone: 'UTC', expires: null, context: null, priority: 0 }), 1);
      put.run('paidco/huge', JSON.stringify({ provider: 'paidco', model: 'huge', totalQuota: 1e308, resetPeriod: 'monthly', resetAt: '00:00', zone: 'UTC', expires: null, context: null, priority: 0 }), 2);
      put.run('paidco/notjson', '{"provider": "paidco", ', 3);
      put.run('gone/x', JSON.stringify({ provider: 'gone', model: 'x', totalQuota: 5 }), 4);
      // a registration after the bad rows, and a reload: both apply, the bad rows are left out alone
      expect((await reg(g, { provider: 'paidco', model: 'other-model', totalQuota: 7000 })).status).toBe(201);
      g.gw.holder.refresh();
      expect(freeOf(g, 'paidco/paid-model')?.tokens).toBe(50_000);
      expect(freeOf(g, 'paidco/other-model')?.tokens).toBe(7000);
      expect(g.gw.holder.current.table.models.some((m) => m.name.includes('\n') || m.name === 'huge')).toBe(false);
      const q = await send(g, 'GET', '/quota');
      const status = Object.fromEntries(q.json.registered.map((r: any) => [`${r.provider}/${r.model}`, r.status]));
      expect(status['paidco/paid-model']).toBe('applied');
      expect(status['paidco/other-model']).toBe('applied');
      expect(status['paidco/a\nb']).toBe('rejected');
      expect(status['paidco/huge']).toBe('rejected');
      expect(g.log.lines.some((l) => /registered quota paidco\/huge left out/.test(l))).toBe(true);
      // the same after a restart on the same database
      await g.close();
      const again = createGateway({ policyPath: g.policyPath, env: TEST_KEYS, log: memoryLogger(), watch: false });
      try {
        expect(again.holder.current.table.models.find((m) => m.id === 'paidco/other-model')?.free?.tokens).toBe(7000);
      } finally {
        await again.close();
      }
    } finally {
      await g.close().catch(() => {});
    }
  });

  it('DELETE removes one registration, and 404s for none', async () => {
    const g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']));
    try {
      await reg(g, { provider: 'paidco', model: 'paid-model', totalQuota: 50_000 });
      await reg(g, { provider: 'paidco', model: 'm2', totalQuota: 9 });
      const d = await send(g, 'DELETE', '/quota/register/paidco/paid-model');
      expect(d).toEqual({ status: 200, json: { deleted: 'paidco/paid-model' } });
      expect(freeOf(g, 'paidco/paid-model')).toBeNull();
      expect(freeOf(g, 'paidco/m2')?.tokens).toBe(9);
      expect((await send(g, 'DELETE', '/quota/register/paidco/paid-model')).status).toBe(404);
      expect((await send(g, 'DELETE', '/quota/register/paidco')).status).toBe(400);
      expect((await send(g, 'DELETE', '/quota/register/paidco/%zz')).status).toBe(400);
    } finally {
      await g.close();
    }
  });

  it('the number of registrations is bounded (409 past 256; replacing one still works)', async () => {
    const g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']));
    try {
      const put = g.gw.ledger.db.prepare('INSERT INTO quota_overlay (model, body, created_at) VALUES (?, ?, ?)');
      g.gw.ledger.db.transaction(() => {
        for (let i = 0; i < 256; i++) put.run(`paidco/m${i}`, JSON.stringify({ provider: 'paidco', model: `m${i}`, totalQuota: 5 }), i);
      })();
      const r = await reg(g, { provider: 'paidco', model: 'one-more', totalQuota: 5 });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('too_many_registrations');
      expect((await reg(g, { provider: 'paidco', model: 'm3', totalQuota: 6 })).status).toBe(201);
    } finally {
      await g.close();
    }
  });
});

describe('admin routes and auth', () => {
  const AUTH = `gateway { auth env GW_ADMIN_TOKEN }\n${BODY}`;

  it('registering and deleting need the gateway (admin) token when auth is on', async () => {
    const g = await startGateway(policyFor(up, AUTH, ['freebie', 'paidco']), { ...TEST_KEYS, GW_ADMIN_TOKEN: 'admin-secret-1' });
    try {
      const body = { provider: 'paidco', model: 'paid-model', totalQuota: 5 };
      expect((await reg(g, body)).status).toBe(401);
      expect((await reg(g, body, { authorization: 'Bearer client-guess' })).status).toBe(401);
      expect((await reg(g, body, { authorization: 'Bearer admin-secret-1' })).status).toBe(201);
      expect((await send(g, 'DELETE', '/quota/register/paidco/paid-model')).status).toBe(401);
      expect((await send(g, 'DELETE', '/quota/register/paidco/paid-model', undefined, { authorization: 'Bearer admin-secret-1' })).status).toBe(200);
    } finally {
      await g.close();
    }
  });

  it('with auth off, admin routes refuse a peer that is not on this machine', () => {
    const table = compileText(policyFor(up, BODY, ['freebie', 'paidco']), TEST_KEYS);
    const from = (remoteAddress: string) => Object.assign(new Request('http://gw/quota/register', { method: 'POST' }), { runtime: { node: { req: { socket: { remoteAddress } } } } });
    expect(() => checkAdmin(from('127.0.0.1'), table, TEST_KEYS)).not.toThrow();
    expect(() => checkAdmin(from('::1'), table, TEST_KEYS)).not.toThrow();
    expect(() => checkAdmin(from('::ffff:127.0.0.1'), table, TEST_KEYS)).not.toThrow();
    expect(() => checkAdmin(from('10.1.2.3'), table, TEST_KEYS)).toThrow(/admin routes answer other hosts only with gateway auth on/);
  });

  it('a set-but-empty auth variable refuses to start, naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-admin-'));
    const policyPath = join(dir, 'routes.gw');
    writeFileSync(policyPath, policyFor(up, AUTH, ['freebie', 'paidco']));
    for (const empty of ['', '   '])
      expect(() => createGateway({ policyPath, env: { ...TEST_KEYS, GW_ADMIN_TOKEN: empty }, log: memoryLogger(), watch: false })).toThrow(/GW_ADMIN_TOKEN is set but empty/);
  });

  it('gw serve with a set-but-empty auth variable exits 1 and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-admin-'));
    writeFileSync(join(dir, 'routes.gw'), policyFor(up, AUTH, ['freebie', 'paidco']));
    const io = memoryIo(dir, { ...TEST_KEYS, GW_ADMIN_TOKEN: '' });
    expect(await main(['serve', '--config', join(dir, 'routes.gw'), '--port', '0'], io)).toBe(1);
    expect(io.stderr).toMatch(/GW_ADMIN_TOKEN is set but empty/);
  });

  it('a reload that names a set-but-empty variable fails closed: every request is refused', async () => {
    const g = await startGateway(policyFor(up, BODY, ['freebie', 'paidco']), { ...TEST_KEYS, GW_ADMIN_TOKEN: '' });
    try {
      expect((await send(g, 'GET', '/v1/models')).status).toBe(200);
      writeFileSync(g.policyPath, policyFor(up, AUTH, ['freebie', 'paidco']));
      expect(g.gw.holder.reload()).toBe(true);
      const r = await send(g, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('auth_misconfigured');
      expect((await send(g, 'GET', '/v1/models')).status).toBe(401);
      expect((await reg(g, { provider: 'paidco', model: 'paid-model', totalQuota: 5 })).status).toBe(401);
    } finally {
      await g.close();
    }
  });

  it('listening beyond loopback without auth warns; loopback or auth on does not', () => {
    const open = compileText(policyFor(up, BODY, ['freebie', 'paidco']), TEST_KEYS);
    const authed = compileText(policyFor(up, AUTH, ['freebie', 'paidco']), { ...TEST_KEYS, GW_ADMIN_TOKEN: 't' });
    expect(exposureWarning(open, TEST_KEYS, '0.0.0.0')).toMatch(/listening on 0\.0\.0\.0 .* with gateway auth off/);
    expect(exposureWarning(open, TEST_KEYS, '::')).toMatch(/auth off/);
    expect(exposureWarning(open, TEST_KEYS, '192.168.1.20')).toMatch(/auth off/);
    expect(exposureWarning(open, TEST_KEYS, '127.0.0.1')).toBeNull();
    expect(exposureWarning(open, TEST_KEYS, '::1')).toBeNull();
    expect(exposureWarning(open, TEST_KEYS, 'localhost')).toBeNull();
    expect(exposureWarning(authed, { ...TEST_KEYS, GW_ADMIN_TOKEN: 't' }, '0.0.0.0')).toBeNull();
  });
});
