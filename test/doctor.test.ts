import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';
import type { DoctorResult } from '../runtime/providers/doctor.ts';
import { startGateway } from './helpers/gateway.ts';

const GOOD_KEY = 'sk-good-0123456789';
const BAD_KEY = 'sk-bad-9876543210';

/** An OpenAI-style upstream: GET /v1/models lists `served` for the right bearer key, 401 otherwise. */
async function upstream(served: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${GOOD_KEY}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    if (req.url === '/v1/models') res.end(JSON.stringify({ object: 'list', data: served.map((id) => ({ id, object: 'model', created: 0, owned_by: 'x' })) }));
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe('gw doctor', () => {
  let a: Awaited<ReturnType<typeof upstream>>;
  let dead = '';
  let dir = '';
  const policy = (providers: string) => {
    writeFileSync(join(dir, 'routes.gw'), providers);
  };
  beforeAll(async () => {
    a = await upstream(['big', 'small']);
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    dead = `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`;
    await new Promise((r) => s.close(r)); // nothing listens there now: connection refused
    dir = mkdtempSync(join(tmpdir(), 'gw-doctor-'));
  });
  afterAll(async () => {
    await new Promise((r) => a.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const lab = (name: string, url: string, key: string) => `provider ${name} {\n  base_url "${url}"\n  key env ${key}\n}\n`;

  it('a good provider: exit 0, every declared model served, latency shown', async () => {
    policy(`${lab('lab', a.url, 'LAB_KEY')}model lab/big { context 8k }\nmodel lab/small { context 8k }\nscenario chat {\n  paid lab/big\n}\n`);
    const io = memoryIo(dir, { LAB_KEY: GOOD_KEY });
    expect(await main(['doctor'], io)).toBe(0);
    expect(io.stdout).toMatch(/lab +ok +\d+ ms +2 models listed, 2 declared, all served/);
    expect(io.stdout).toContain('all 1 providers are well');
    expect(io.stdout).not.toContain(GOOD_KEY);
  });

  it('a bad key, a retired model and a refused connection: each named with its fix, exit 1, no key printed', async () => {
    policy(
      `${lab('badkey', a.url, 'BAD_KEY')}${lab('stale', a.url, 'LAB_KEY')}${lab('down', dead, 'LAB_KEY')}` +
        'model badkey/big { context 8k }\nmodel stale/big { context 8k }\nmodel stale/retired-1 { context 8k }\nmodel down/big { context 8k }\n' +
        'scenario chat {\n  paid stale/big, badkey/big, down/big, stale/retired-1\n}\n',
    );
    const io = memoryIo(dir, { LAB_KEY: GOOD_KEY, BAD_KEY });
    expect(await main(['doctor'], io)).toBe(1);
    expect(io.stdout).toMatch(/badkey +FAIL auth .*HTTP 401.*set a valid key in BAD_KEY/);
    expect(io.stdout).toMatch(/stale +FAIL models .*not served \(retired or misspelled\): stale\/retired-1/);
    expect(io.stdout).toMatch(/down +FAIL unreachable +- +cannot connect: ECONNREFUSED +check the base URL/);
    expect(io.stdout).not.toContain(GOOD_KEY);
    expect(io.stdout).not.toContain(BAD_KEY);

    const j = memoryIo(dir, { LAB_KEY: GOOD_KEY, BAD_KEY });
    expect(await main(['doctor', '--json', '--provider', 'stale'], j)).toBe(1);
    const [r] = JSON.parse(j.stdout) as DoctorResult[];
    expect(r).toMatchObject({ provider: 'stale', status: 'models', models: [{ id: 'stale/big', served: true }, { id: 'stale/retired-1', served: false }] });
    expect(j.stdout).not.toContain(GOOD_KEY);
  });

  it('--provider names one provider; an unknown one is an error', async () => {
    const io = memoryIo(dir, { LAB_KEY: GOOD_KEY, BAD_KEY });
    expect(await main(['doctor', '--provider', 'nope'], io)).toBe(1);
    expect(io.stderr).toContain('no provider "nope"');
  });

  it('GET /_gw/doctor serves the same checks (behind the gateway token): 200 when well, 503 when broken', async () => {
    const body = `gateway {\n  auth env GW_TOKEN\n  state ":memory:"\n}\n${lab('lab', a.url, 'LAB_KEY')}model lab/big { context 8k }\nscenario chat {\n  paid lab/big\n}\n`;
    const good = await startGateway(body, { LAB_KEY: GOOD_KEY, GW_TOKEN: 'tok' });
    try {
      expect((await fetch(`${good.url}/_gw/doctor`)).status).toBe(401);
      const r = await fetch(`${good.url}/_gw/doctor`, { headers: { authorization: 'Bearer tok' } });
      expect(r.status).toBe(200);
      const j = (await r.json()) as { ok: boolean; providers: DoctorResult[] };
      expect(j).toMatchObject({ ok: true, providers: [{ provider: 'lab', status: 'ok' }] });
      expect((await fetch(`${good.url}/_gw/doctor?provider=nope`, { headers: { authorization: 'Bearer tok' } })).status).toBe(404);
      // ?call=1 is --call: this upstream lists models but answers no completion, so the call fails and says so
      const called = await fetch(`${good.url}/_gw/doctor?provider=lab&call=1`, { headers: { authorization: 'Bearer tok' } });
      expect(called.status).toBe(503);
      const c = (await called.json()) as { providers: DoctorResult[] };
      expect(c.providers[0]).toMatchObject({ status: 'call', models: [{ id: 'lab/big', served: true, call: { ok: false } }] });
      expect(JSON.stringify(c)).not.toContain(GOOD_KEY);
    } finally {
      await good.close();
    }
    const bad = await startGateway(body, { LAB_KEY: BAD_KEY, GW_TOKEN: 'tok' });
    try {
      const r = await fetch(`${bad.url}/_gw/doctor`, { headers: { authorization: 'Bearer tok' } });
      expect(r.status).toBe(503);
      const text = await r.text();
      expect(text).toContain('set a valid key in LAB_KEY');
      expect(text).not.toContain(BAD_KEY);
    } finally {
      await bad.close();
    }
  });
});
