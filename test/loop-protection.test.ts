import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGateway } from '../runtime/server/app.ts';
import { serveGateway } from '../runtime/server/listen.ts';
import { memoryLogger } from '../runtime/log/logger.ts';
import { oneModelGateway } from './helpers/one-model.ts';

const hi = { model: 'auto', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };

describe('loop protection: the hop header', () => {
  const setup = oneModelGateway();
  const id = () => setup.g().gw.deps.instanceId!;
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${setup.g().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(hi) });

  it('every upstream call carries x-gw-hops with this instance id', async () => {
    setup.up().reset();
    expect((await post('/v1/chat/completions')).status).toBe(200);
    expect(setup.up().requests[0].headers['x-gw-hops']).toBe(id());
    setup.up().reset();
    expect((await post('/v1/messages', { 'x-gw-hops': 'gw-other' })).status).toBe(200);
    expect(setup.up().requests[0].headers['x-gw-hops']).toBe(`gw-other, ${id()}`);
  });

  it('a request that already passed this gateway is refused at once with 508 loop_detected', async () => {
    setup.up().reset();
    const chat = await post('/v1/chat/completions', { 'x-gw-hops': `gw-a, ${id()}` });
    expect(chat.status).toBe(508);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('loop_detected');
    const msg = await post('/v1/messages', { 'x-gw-hops': id() });
    expect(msg.status).toBe(508);
    expect(((await msg.json()) as { type: string; error: { message: string } }).error.message).toMatch(/^loop_detected: /);
    expect(setup.up().requests).toHaveLength(0);
  });

  it('more hops than the limit: 508', async () => {
    expect((await post('/v1/chat/completions', { 'x-gw-hops': 'a, b, c, d' })).status).toBe(508);
  });
});

describe('a provider whose base_url is gw itself', () => {
  it('makes one nested call, not thousands', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'gw-loop-'));
    const policyPath = join(dir, 'routes.gw');
    writeFileSync(policyPath, `provider self { base_url "http://127.0.0.1:${port}/v1" }\nmodel self/me { context 128k  price 1 / 1 }\nscenario chat {\n  paid self/me\n}\nretry { attempts 1  backoff 0ms  on server }\n`);
    const gw = createGateway({ policyPath, env: {}, log: memoryLogger(), watch: false });
    await gw.watching;
    const listener = await serveGateway(gw, port, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hi) });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).toContain('508');
      expect(text).toContain('loop_detected');
    } finally {
      await gw.close();
      await listener.close();
    }
  });
});
