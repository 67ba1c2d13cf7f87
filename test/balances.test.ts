import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import type { SyncReport } from '../runtime/gateway/provider-sync.ts';
import type { DoctorResult } from '../runtime/providers/doctor.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { startGateway } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

const KEYS = {
  DEEPSEEK_API_KEY: 'sk-deepseek-0123456789',
  OPENROUTER_API_KEY: 'sk-or-v1-0123456789',
  SILICONFLOW_API_KEY: 'sk-siliconflow-0123456789',
  MOONSHOT_API_KEY: 'sk-moonshot-0123456789',
};

describe('free balances read from the source (OpenRouter, DeepSeek, SiliconFlow, Moonshot)', () => {
  let up: FakeUpstream;
  let dir = '';
  beforeAll(async () => {
    up = await startFakeUpstream({
      apiKeys: { deepseek: KEYS.DEEPSEEK_API_KEY, openrouter: KEYS.OPENROUTER_API_KEY, siliconflow: KEYS.SILICONFLOW_API_KEY, moonshot: KEYS.MOONSHOT_API_KEY },
      modelLists: { deepseek: ['deepseek-v4-flash'], openrouter: ['openai/gpt-5.4-mini'], siliconflow: ['Qwen/Qwen3-8B'], moonshot: ['kimi-k2.6'] },
    });
    dir = mkdtempSync(join(tmpdir(), 'gw-balances-'));
    // each provider by its preset name, its base URL on the fake: gw reads the preset's balance endpoint under it
    const providers = ['deepseek', 'openrouter', 'siliconflow', 'moonshot'].map((p) => `provider ${p} { base_url "${up.baseUrl(p)}" }`).join('\n');
    writeFileSync(
      join(dir, 'routes.gw'),
      `gateway {\n  state "state.db"\n}\n${providers}\n` +
        'model deepseek/deepseek-v4-flash { price 0.3 / 0.6\n  free 5M tokens once }\n' +
        'model openrouter/openai/gpt-5.4-mini { price 1 / 2 }\n' +
        'model siliconflow/Qwen/Qwen3-8B { free 1M tokens every day }\n' +
        'model moonshot/kimi-k2.6 { price 0.6 / 2.5 }\n' +
        'scenario chat {\n  free deepseek/deepseek-v4-flash, siliconflow/Qwen/Qwen3-8B\n  paid moonshot/kimi-k2.6, openrouter/openai/gpt-5.4-mini\n  willingness 100%\n}\n',
    );
  });
  afterAll(async () => {
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("each endpoint's documented answer is read into the provider's figures (granted vs paid, vouchers, free-tier flag)", async () => {
    const io = memoryIo(dir, KEYS);
    expect(await main(['models', 'sync', '--json'], io)).toBe(0);
    const by = Object.fromEntries((JSON.parse(io.stdout) as SyncReport[]).map((r) => [r.provider, r.balance]));
    expect(by.deepseek).toMatchObject({ currency: 'CNY', total: 110, free: 10, paid: 100, freeExhausted: false, empty: false, summary: '¥110.00 left (granted ¥10.00, paid ¥100.00)' });
    expect(by.openrouter).toMatchObject({ currency: 'USD', total: 74.5, usage: 25.5, freeTier: false, dailyFreeRequests: 1000 });
    expect(by.siliconflow).toMatchObject({ currency: 'CNY', total: 88.88, free: 0.88, paid: 88 });
    expect(by.moonshot).toMatchObject({ currency: 'CNY', total: 49.58894, free: 46.58893, paid: 3.00001, empty: false });
    // the key went to its own provider's balance endpoint only
    const asked = up.requests.filter((r) => r.endpoint === 'balance');
    expect(asked.map((r) => `${r.path} ${r.headers.authorization}`).sort()).toEqual(
      [
        `/deepseek/user/balance Bearer ${KEYS.DEEPSEEK_API_KEY}`,
        `/moonshot/v1/users/me/balance Bearer ${KEYS.MOONSHOT_API_KEY}`,
        `/openrouter/v1/key Bearer ${KEYS.OPENROUTER_API_KEY}`,
        `/siliconflow/v1/user/info Bearer ${KEYS.SILICONFLOW_API_KEY}`,
      ].sort(),
    );
    for (const k of Object.values(KEYS)) expect(io.stdout).not.toContain(k);
  });

  it('a source reported exhausted is exhausted in routing, warned by gw check, and shown by gw quota', async () => {
    up.setBalance('deepseek', { is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '100.00', granted_balance: '0.00', topped_up_balance: '100.00' }] });
    up.setBalance('moonshot', { code: 0, data: { available_balance: 0, voucher_balance: 0, cash_balance: -1.5 }, scode: '0x0', status: true });
    expect(await main(['models', 'sync'], memoryIo(dir, KEYS))).toBe(0);
    const explain = memoryIo(dir, KEYS);
    expect(await main(['explain', 'hello'], explain)).toBe(0);
    expect(explain.stdout).toContain('✗ deepseek/deepseek-v4-flash [free] free quota exhausted at the source: deepseek reports ¥100.00 left (granted ¥0.00, paid ¥100.00) — free credit exhausted');
    // a model the grant never paid for (no price: SiliconFlow's own free tier) keeps its quota
    expect(explain.stdout).toMatch(/✓ siliconflow\/Qwen\/Qwen3-8B \[free\] free, 1M left/);
    expect(explain.stdout).toContain('✗ moonshot/kimi-k2.6 [paid] moonshot reports its balance empty');
    const check = memoryIo(dir, KEYS);
    expect(await main(['check'], check)).toBe(0);
    expect(check.stdout).toMatch(/warning\[GW216\]: deepseek reported its free credit exhausted/);
    expect(check.stdout).toMatch(/warning\[GW216\]: moonshot reported its balance empty: its models are skipped/);
    const quota = memoryIo(dir, KEYS);
    expect(await main(['quota'], quota)).toBe(0);
    expect(quota.stdout).toMatch(/deepseek +¥100\.00 left \(granted ¥0\.00, paid ¥100\.00\) — free credit exhausted/);
    expect(quota.stdout).toMatch(/the provider reports CNY; gw's prices are USD: compare 10\.00 CNY/);
  });

  it('/quota shows the provider figure beside gw’s, with the drift (OpenRouter’s USD usage against gw’s ledger)', async () => {
    const gw = await startGateway(
      `gateway {\n  state "drift.db"\n}\nprovider openrouter { base_url "${up.baseUrl('openrouter')}" }\nmodel openrouter/openai/gpt-5.4-mini { price 1 / 2 }\nscenario chat {\n  paid openrouter/openai/gpt-5.4-mini\n}\n`,
      KEYS,
    );
    try {
      const key = (usage: number, left: number) => ({ data: { label: 'sk-or-v1-0…', limit: 100, limit_remaining: left, usage, is_free_tier: false } });
      up.setBalance('openrouter', key(25.5, 74.5));
      expect((await fetch(`${gw.url}/_gw/sync`, { method: 'POST' })).status).toBe(200);
      up.script('openai/gpt-5.4-mini', { usage: { promptTokens: 1_000_000, completionTokens: 500_000 } });
      await gw.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      // gw's ledger says $1 + $1 = $2 went to openrouter; the provider says $2.25
      up.setBalance('openrouter', key(27.75, 72.25));
      const deadline = Date.now() + 5000;
      let q: { quotas: unknown[]; providers: { provider: string; drift: number | null; gw_spent_usd: number; provider_spent: number | null; figure: number | null }[] } | null = null;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 30));
        await fetch(`${gw.url}/_gw/sync`, { method: 'POST' });
        q = (await (await fetch(`${gw.url}/quota`)).json()) as typeof q;
        if (q!.providers[0]?.gw_spent_usd) break; // the request row is written by the log writer thread
      }
      expect(q!.providers[0]).toMatchObject({ provider: 'openrouter', figure: 72.25, provider_spent: 2.25, gw_spent_usd: 2, drift: 0.25 });
    } finally {
      await gw.close();
    }
  });

  it('the console’s quota rows carry the same provider figure as /quota', async () => {
    const gw = await startGateway(
      `gateway {\n  state "console-figure.db"\n}\nprovider openrouter { base_url "${up.baseUrl('openrouter')}" }\nmodel openrouter/openai/gpt-5.4-mini { context 128k  price 1 / 2  free 100k tokens every day }\nscenario chat {\n  free openrouter/openai/gpt-5.4-mini\n}\n`,
      KEYS,
    );
    try {
      up.setBalance('openrouter', { data: { label: 'sk-or-v1-0…', limit: 100, limit_remaining: 61.5, usage: 38.5, is_free_tier: false } });
      expect((await fetch(`${gw.url}/_gw/sync`, { method: 'POST' })).status).toBe(200);
      const q = (await (await fetch(`${gw.url}/quota`)).json()) as { quotas: { model: string; provider_figure: number | null }[] };
      expect(q.quotas[0]).toMatchObject({ model: 'openrouter/openai/gpt-5.4-mini', provider_figure: 61.5 });
      // without an admin token the console answers this machine without a login
      const c = (await (await fetch(`${gw.url}/console/api/quotas`)).json()) as { quotas: { model: string; provider_figure: number | null }[] };
      expect(c.quotas.map((r) => [r.model, r.provider_figure])).toEqual(q.quotas.map((r) => [r.model, r.provider_figure]));
    } finally {
      await gw.close();
    }
  });

  it('gw doctor shows each balance, and --call sends each model one token with its latency and usage', async () => {
    up.setBalance('moonshot', { code: 0, data: { available_balance: 49.58894, voucher_balance: 46.58893, cash_balance: 3.00001 }, scode: '0x0', status: true });
    const io = memoryIo(dir, KEYS);
    expect(await main(['doctor', '--json', '--provider', 'moonshot'], io)).toBe(0);
    const [r] = JSON.parse(io.stdout) as DoctorResult[];
    expect(r).toMatchObject({ provider: 'moonshot', status: 'ok', balance: { total: 49.58894, free: 46.58893 } });
    expect(r.models[0].call).toBeUndefined();

    up.reset();
    up.script('kimi-k2.6', { reply: 'OK', usage: { promptTokens: 7, completionTokens: 1 } });
    const called = memoryIo(dir, KEYS);
    expect(await main(['doctor', '--call', '--provider', 'moonshot'], called)).toBe(0);
    expect(called.stdout).toMatch(/moonshot +ok +\d+ ms +1 models listed, 1 declared, all served; balance: ¥49\.59 left/);
    expect(called.stdout).toMatch(/moonshot\/kimi-k2\.6 +ok +\d+ ms +7 in \/ 1 out +answered "OK"/);
    const sent = up.requests.filter((q) => q.endpoint === 'chat.completions');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toMatchObject({ model: 'kimi-k2.6', max_tokens: 1 });

    up.setBalance('moonshot', { code: 0, data: { available_balance: 0, voucher_balance: 0, cash_balance: 0 }, scode: '0x0', status: true });
    const empty = memoryIo(dir, KEYS);
    expect(await main(['doctor', '--provider', 'moonshot'], empty)).toBe(1);
    expect(empty.stdout).toMatch(/moonshot +FAIL balance .*the provider reports the account empty.*top up the moonshot account/);
    for (const k of Object.values(KEYS)) expect(called.stdout + empty.stdout).not.toContain(k);
  });
});
