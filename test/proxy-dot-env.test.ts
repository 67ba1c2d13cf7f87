import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { useProxyEnv } from '../runtime/providers/proxy-agent.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { startProxy } from './helpers/connect-proxy.ts';
import { startGateway } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

const LAB_KEY = 'sk-lab-proxy-0123456789';

/**
 * A proxy set only in the `.env` beside the policy: gw doctor, gw models sync, gw catalog update and the gateway's
 * upstream calls all go through it. The hosts (lab.test, catalog.test) do not resolve here: only the loopback
 * CONNECT proxy knows where they are, so a call that skipped it would fail.
 */
describe('HTTPS_PROXY / HTTP_PROXY from .env for doctor, sync, catalog update and serving', () => {
  let up: FakeUpstream;
  let catalog: Server;
  let proxy: ReturnType<typeof startProxy>;
  let dir = '';
  let proxyUrl = '';
  beforeAll(async () => {
    up = await startFakeUpstream({ apiKeys: { lab: LAB_KEY }, modelLists: { lab: ['m1'] } });
    catalog = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ lab: { id: 'lab', models: { m1: { id: 'm1', cost: { input: 1, output: 2 }, limit: { context: 64_000, output: 4000 } } } } }));
    });
    await new Promise<void>((r) => catalog.listen(0, '127.0.0.1', r));
    const catalogPort = (catalog.address() as AddressInfo).port;
    proxy = startProxy((host) => (host === 'catalog.test' ? catalogPort : up.port));
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxyUrl = `http://gw:s3cret@127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'gw-proxy-env-'));
    writeFileSync(
      join(dir, 'routes.gw'),
      `gateway {\n  state "state.db"\n}\nprovider lab {\n  base_url "http://lab.test:${up.port}/lab/v1"\n  key env LAB_KEY\n}\nmodel lab/m1 { context 8k }\nscenario chat {\n  paid lab/m1\n}\n`,
    );
    writeFileSync(join(dir, '.env'), `HTTP_PROXY=${proxyUrl}\nLAB_KEY=${LAB_KEY}\n`);
  });
  afterAll(async () => {
    useProxyEnv(process.env);
    for (const s of proxy.sockets) s.destroy();
    await new Promise((r) => proxy.server.close(r));
    await new Promise((r) => catalog.close(r));
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gw doctor, gw models sync and gw catalog update reach the provider and models.dev through the proxy named in .env', async () => {
    const doctor = memoryIo(dir, {});
    expect(await main(['doctor'], doctor)).toBe(0);
    expect(doctor.stdout).toMatch(/lab +ok +\d+ ms +1 models listed, 1 declared, all served/);
    expect(proxy.seen).toContain(`lab.test:${up.port} Basic ${Buffer.from('gw:s3cret').toString('base64')}`);

    const before = proxy.seen.length;
    expect(await main(['models', 'sync'], memoryIo(dir, {}))).toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(before);

    const cat = memoryIo(dir, {});
    expect(await main(['catalog', 'update', '--url', 'http://catalog.test/api.json'], cat)).toBe(0);
    expect(cat.stdout).toMatch(/catalog updated from http:\/\/catalog\.test\/api\.json: 1 providers, 1 models/);
    expect(proxy.seen.some((s) => s.startsWith('catalog.test:80'))).toBe(true);
  });

  it('without the .env the same hosts do not resolve (the proxy is what carried them), and NO_PROXY sends them direct', async () => {
    unlinkSync(join(dir, '.env'));
    try {
      const doctor = memoryIo(dir, { LAB_KEY });
      expect(await main(['doctor'], doctor)).toBe(1);
      expect(doctor.stdout).toMatch(/lab +FAIL unreachable .*cannot connect: (ENOTFOUND|EAI_AGAIN)/);
      const direct = memoryIo(dir, { LAB_KEY, HTTP_PROXY: proxyUrl, NO_PROXY: 'lab.test' });
      expect(await main(['doctor'], direct)).toBe(1);
      expect(direct.stdout).toMatch(/cannot connect: (ENOTFOUND|EAI_AGAIN)/);
    } finally {
      writeFileSync(join(dir, '.env'), `HTTP_PROXY=${proxyUrl}\nLAB_KEY=${LAB_KEY}\n`);
    }
  });

  it("the gateway's upstream calls use the proxy gw serve read from the .env", async () => {
    // what gw serve does with its environment (the shell's with the .env read in)
    useProxyEnv({ HTTP_PROXY: proxyUrl });
    const gw = await startGateway(
      `gateway {\n  state ":memory:"\n}\nprovider lab {\n  base_url "http://lab.test:${up.port}/lab/v1"\n  key env LAB_KEY\n}\nmodel lab/m1 { context 8k }\nscenario chat {\n  paid lab/m1\n}\n`,
      { LAB_KEY },
    );
    try {
      const res = await gw.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0].message.content).toContain('m1');
      expect(up.requests.at(-1)?.headers.host).toBe(`lab.test:${up.port}`);
    } finally {
      await gw.close();
      useProxyEnv(process.env);
    }
  });
});
