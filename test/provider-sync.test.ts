import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import type { SyncReport } from '../runtime/gateway/provider-sync.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { startGateway } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { startupBanner } from '../runtime/server/banner.ts';

const LAB_KEY = 'sk-lab-key-0123456789';
const ANT_KEY = 'sk-ant-key-0123456789';

describe('live provider sync: gw models sync, gateway { sync every }, free any listed', () => {
  let up: FakeUpstream;
  let dir = '';
  const write = (text: string) => writeFileSync(join(dir, 'routes.gw'), text);
  const provider = (name: string, extra = '') => `provider ${name} {\n  base_url "${up.baseUrl(name)}"\n  key env ${name.toUpperCase()}_KEY\n${extra}}\n`;
  const env = { LAB_KEY, ANT_KEY };

  beforeAll(async () => {
    up = await startFakeUpstream({ apiKeys: { lab: LAB_KEY, ant: ANT_KEY }, modelLists: { lab: ['big', 'small', 'spare'] } });
    dir = mkdtempSync(join(tmpdir(), 'gw-sync-'));
  });
  afterAll(async () => {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const policy = (scenario: string, gateway = '') =>
    `gateway {\n  state "state.db"\n${gateway}}\n${provider('lab')}model lab/big { context 8k  price 1 / 2 }\nmodel lab/small { context 8k  price 0.5 / 1 }\n${scenario}`;

  it('a model the provider stops listing is reported by sync, warned by gw check, skipped by routing (the next candidate answers)', async () => {
    write(policy('scenario chat {\n  paid lab/big, lab/small\n}\n'));
    const first = memoryIo(dir, env);
    expect(await main(['models', 'sync'], first)).toBe(0);
    expect(first.stdout).toMatch(/lab +ok +\d+ ms +3 models listed; 2 of 2 declared served/);
    expect(first.stdout).not.toContain(LAB_KEY);

    up.listModels('lab', ['small', 'spare']);
    const second = memoryIo(dir, env);
    expect(await main(['models', 'sync', '--json'], second)).toBe(1);
    const [r] = JSON.parse(second.stdout) as SyncReport[];
    expect(r).toMatchObject({ provider: 'lab', ok: true, listed: 2, notServed: ['lab/big'], newlyGone: ['lab/big'] });

    const check = memoryIo(dir, env);
    expect(await main(['check'], check)).toBe(0);
    expect(check.stdout).toMatch(/routes\.gw:\d+:7: warning\[GW215\]: lab\/big is not in lab's model list \(last sync .* UTC\): retired or renamed/);

    const explain = memoryIo(dir, env);
    expect(await main(['explain', 'hello'], explain)).toBe(0);
    expect(explain.stdout).toContain("✗ lab/big [paid] not in lab's model list at the last sync");
    const models = memoryIo(dir, env);
    expect(await main(['models'], models)).toBe(0);
    expect(models.stdout).toMatch(/not in their provider’s model list at the last sync[^\n]*\n +lab\/big +lab\n/);
    const json = memoryIo(dir, env);
    await main(['models', '--json'], json);
    expect((JSON.parse(json.stdout) as { id: string; served: boolean | null }[]).map((m) => [m.id, m.served])).toEqual([
      ['lab/big', false],
      ['lab/small', true],
    ]);
    expect(explain.stdout).toMatch(/→ lab\/small/);

    const gw = await startGateway(policy('scenario chat {\n  paid lab/big, lab/small\n}\n'), env, { dir });
    try {
      up.reset();
      const res = await gw.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.model).toBe('small');
      // the retired model was never tried: one upstream call, to the model still listed
      expect(up.requests.filter((q) => q.endpoint === 'chat.completions').map((q) => q.model)).toEqual(['small']);
      // a pinned request for it is refused with the reason, not sent
      const pinned = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'lab/big', messages: [{ role: 'user', content: 'hi' }] }) });
      const text = await pinned.text();
      expect(text).toContain("not in lab's model list");
      // the start-up banner names it too
      const table = gw.gw.holder.current.table;
      const banner = startupBanner(table, gw.url, [], Date.now(), { notServed: gw.gw.providers.notServed(table), figures: [] });
      expect(banner).toMatch(/not in their provider’s model list at the last sync[^\n]*\n +• lab\/big +lab list of \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    } finally {
      await gw.close();
    }
    up.listModels('lab', ['big', 'small', 'spare']);
    expect(await main(['models', 'sync'], memoryIo(dir, env))).toBe(0);
  });

  it('a failed list read keeps the last good list (a provider that is down is not taken as retiring everything)', async () => {
    write(policy('scenario chat {\n  paid lab/big\n}\n'));
    const bad = memoryIo(dir, { LAB_KEY: 'sk-wrong' });
    expect(await main(['models', 'sync'], bad)).toBe(1);
    expect(bad.stdout).toMatch(/lab +FAIL .*HTTP 401.*the last good list is kept/);
    const check = memoryIo(dir, env);
    expect(await main(['check'], check)).toBe(0);
    expect(check.stdout).not.toContain('GW215');
  });

  it('gateway { sync every 1m } syncs at start and logs a model its provider dropped, with the chains it leaves', async () => {
    up.listModels('lab', ['small']);
    const body = policy('scenario chat {\n  paid lab/small\n  fallback lab/big\n}\n', '  sync every 1m\n').replace('state "state.db"', 'state "every.db"');
    const gw = await startGateway(body, env, { dir });
    try {
      const deadline = Date.now() + 5000;
      while (!gw.log.lines.some((l) => l.includes('no longer lists lab/big')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(gw.log.lines.join('\n')).toMatch(/sync: lab no longer lists lab\/big: it is skipped \(dropped from scenario chat fallback\)/);
      // POST /_gw/sync syncs now (the admin's, here loopback without a token)
      up.listModels('lab', ['small', 'big']);
      const r = await fetch(`${gw.url}/_gw/sync`, { method: 'POST' });
      expect(r.status).toBe(200);
      const j = (await r.json()) as { providers: SyncReport[] };
      expect(j.providers[0]).toMatchObject({ provider: 'lab', ok: true, notServed: [] });
      const d = gw.gw.providers.snapshot(gw.gw.holder.current.table, Date.now());
      expect([...d.served!.lab!.names].sort()).toEqual(['big', 'small']);
    } finally {
      await gw.close();
      up.listModels('lab', ['big', 'small', 'spare']);
    }
  });

  it('`free any listed`: a free model the provider lists (and the policy never declared) is used without an edit', async () => {
    up.listModels('lab', ['big', 'small', { id: 'gift-1:free', free: true, context: 32000 }, { id: 'paid-1', free: false }]);
    const body = policy('scenario chat {\n  free any listed\n  paid lab/big\n  willingness 100%\n}\n').replace('state "state.db"', 'state "listed.db"');
    write(body);
    expect(await main(['models', 'sync'], memoryIo(dir, env))).toBe(0);
    const explain = memoryIo(dir, env);
    await main(['explain', 'hello'], explain);
    expect(explain.stdout).toContain('✓ lab/gift-1:free [free] free: its provider lists it at no charge (free any listed)');
    expect(explain.stdout).not.toContain('lab/paid-1');
    const gw = await startGateway(body, env, { dir });
    try {
      up.reset();
      const res = await gw.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.model).toBe('gift-1:free');
      expect(res.choices[0].message.content).toContain('gift-1:free');
    } finally {
      await gw.close();
      up.listModels('lab', ['big', 'small', 'spare']);
    }
  });

  it("Anthropic's list is read page by page (limit, after_id, has_more); Ollama's from /api/tags", async () => {
    const many = Array.from({ length: 1500 }, (_, i) => `claude-old-${String(i).padStart(4, '0')}`);
    up.listModels('ant', [...many, 'claude-sonnet-4-6']);
    up.listModels('ollama', ['qwen3:8b', 'llama3.2:3b']);
    write(
      `gateway {\n  state "pages.db"\n}\n${provider('ant', '  protocol anthropic\n')}provider ollama {\n  base_url "${up.baseUrl('ollama')}"\n}\n` +
        'model ant/claude-sonnet-4-6 { context 200k }\nmodel ant/claude-gone { context 200k }\nmodel ollama/qwen3:8b { context 32k }\nscenario chat {\n  paid ant/claude-sonnet-4-6\n}\n',
    );
    up.reset();
    const io = memoryIo(dir, env);
    expect(await main(['models', 'sync', '--json'], io)).toBe(1);
    const reports = JSON.parse(io.stdout) as SyncReport[];
    expect(reports.find((r) => r.provider === 'ant')).toMatchObject({ ok: true, listed: 1501, notServed: ['ant/claude-gone'] });
    expect(reports.find((r) => r.provider === 'ollama')).toMatchObject({ ok: true, listed: 2, notServed: [] });
    const pages = up.requests.filter((q) => q.provider === 'ant' && q.endpoint === 'models');
    expect(pages.map((q) => q.url)).toEqual([`/ant/v1/models?limit=1000`, `/ant/v1/models?limit=1000&after_id=claude-old-0999`]);
    expect(pages[0].headers['x-api-key']).toBe(ANT_KEY);
    expect(pages[0].headers['anthropic-version']).toBe('2023-06-01');
    expect(up.requests.some((q) => q.path === '/ollama/api/tags')).toBe(true);
  });
});
