import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, usage } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { EXAMPLE } from './helpers/policy.ts';
import type { ProviderListing } from '../cli/providers.ts';
import type { ModelListing } from '../cli/models.ts';
import { displayWidth } from '../compiler/format-diagnostics.ts';
import { PROVIDER_PRESETS } from '../runtime/providers/presets.ts';

const SECRET = 'sk-secret-value';


/** The table row of a provider: `[*]  NAME  TITLE …` (its detail line follows). */
function rowOf(out: string, name: string): string {
  const line = out.split('\n').find((l) => new RegExp(`^[* ] +${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `).test(l));
  if (!line) throw new Error(`no row for ${name} in:\n${out}`);
  return line;
}

const CUSTOM = `provider mylab { base_url "https://llm.mylab.example/v1"  key env MYLAB_KEY }
provider nvidia { key env NVIDIA_API_KEY }

model mylab/big { context 32k  price 1 / 2 }
model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6  limit 200k tpm }

scenario chat {
  paid openai/gpt-4o-mini, mylab/big
}
`;

const BROKEN = `model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }

scenario chat {
  paid openai/gpt-4o-mni
}
`;

const MUST_LIST = ['aliyun', 'moonshot', 'siliconflow', 'deepseek', 'groq', 'minimax', 'nvidia', 'iflow', 'openrouter', 'ollama', 'vllm', 'openai', 'anthropic'];

describe('gw providers', () => {
  let empty: string;
  let custom: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'gw-providers-'));
    custom = mkdtempSync(join(tmpdir(), 'gw-providers-custom-'));
    writeFileSync(join(custom, 'routes.gw'), CUSTOM);
  });
  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(custom, { recursive: true, force: true });
  });

  it('lists every preset even without a policy, and says the policy could not be read', async () => {
    const io = memoryIo(empty);
    expect(await main(['providers'], io)).toBe(0);
    expect(io.stdout).toContain('the policy could not be read');
    expect(io.stdout).toContain('no such file');
    expect(PROVIDER_PRESETS.length).toBeGreaterThanOrEqual(25);
    for (const p of PROVIDER_PRESETS) rowOf(io.stdout, p.name);
    for (const name of MUST_LIST) expect(rowOf(io.stdout, name)).toContain(name);
    expect(rowOf(io.stdout, 'groq')).toContain('disabled: set GROQ_API_KEY');
    expect(rowOf(io.stdout, 'ollama')).toContain('enabled: local');
    expect(io.stdout).toContain('https://api.groq.com/openai/v1');
    expect(io.stdout).toContain('key ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN');
  });

  it('a set key enables its provider and its value is never printed', async () => {
    for (const args of [['providers'], ['providers', '--config', EXAMPLE], ['providers', '--json'], ['providers', '--config', EXAMPLE, '--json']]) {
      const io = memoryIo(empty, { GROQ_API_KEY: SECRET, OLLAMA_HOST: 'http://admin:hunter2@gpu-box:11434' });
      expect(await main(args, io)).toBe(0);
      const all = io.stdout + io.stderr;
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain('hunter2');
      if (!args.includes('--json')) expect(rowOf(io.stdout, 'groq')).toMatch(/enabled: GROQ_API_KEY set/);
    }
  });

  it('--json is an array of every provider with status and key variable names', async () => {
    const io = memoryIo(empty, { GROQ_API_KEY: SECRET });
    expect(await main(['providers', '--json'], io)).toBe(0);
    const list = JSON.parse(io.stdout) as ProviderListing[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBeGreaterThanOrEqual(25);
    for (const name of MUST_LIST) expect(list.map((p) => p.name)).toContain(name);
    const groq = list.find((p) => p.name === 'groq')!;
    expect(groq).toMatchObject({ status: 'enabled', disabledReason: null, keyEnv: [{ name: 'GROQ_API_KEY', set: true }], local: false, preset: true, policy: null });
    expect(list.find((p) => p.name === 'openai')).toMatchObject({ status: 'disabled', disabledReason: 'set OPENAI_API_KEY' });
    expect(list.find((p) => p.name === 'vllm')).toMatchObject({ status: 'enabled', local: true });
    expect(io.stderr).toContain('could not be read');
  });

  it('marks the providers the example policy uses', async () => {
    const io = memoryIo(empty);
    expect(await main(['providers', '--config', EXAMPLE], io)).toBe(0);
    expect(io.stdout).not.toContain('could not be read');
    expect(rowOf(io.stdout, 'openai')).toMatch(/^\* .*used: 3 models/);
    expect(rowOf(io.stdout, 'ollama')).toMatch(/^\* .*used: 1 model /);
    expect(rowOf(io.stdout, 'minimax')).toMatch(/^ /);
    for (const line of io.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(120);
  });

  it("lists the policy's custom providers, marked as such, with the policy's key variables", async () => {
    const io = memoryIo(custom, { MYLAB_KEY: SECRET });
    expect(await main(['providers'], io)).toBe(0);
    const row = rowOf(io.stdout, 'mylab');
    expect(row).toMatch(/^\* +mylab +custom provider .*used: 1 model .*enabled: MYLAB_KEY set/);
    for (const line of io.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(120);
    expect(io.stdout).toContain('https://llm.mylab.example/v1');
    expect(rowOf(io.stdout, 'nvidia')).toContain('declared, unused');
    expect(io.stdout).not.toContain(SECRET);

    const j = memoryIo(custom, { MYLAB_KEY: SECRET });
    expect(await main(['providers', '--json'], j)).toBe(0);
    const list = JSON.parse(j.stdout) as ProviderListing[];
    expect(list.at(-1)).toMatchObject({ name: 'mylab', preset: false, status: 'enabled', keyEnv: [{ name: 'MYLAB_KEY', set: true }], policy: { models: 1, used: true } });
    expect(list.filter((p) => p.name === 'nvidia')).toHaveLength(1);
  });

  it('a policy with errors still lists the presets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-providers-broken-'));
    try {
      writeFileSync(join(dir, 'routes.gw'), BROKEN);
      const io = memoryIo(dir);
      expect(await main(['providers'], io)).toBe(0);
      expect(io.stdout).toContain('the policy could not be read: routes.gw has errors');
      rowOf(io.stdout, 'groq');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gw models', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-models-'));
    writeFileSync(join(dir, 'routes.gw'), BROKEN);
    writeFileSync(join(dir, 'custom.gw'), CUSTOM);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the example's models with prices, free quotas and provider status", async () => {
    const io = memoryIo(dir, { GROQ_API_KEY: SECRET });
    expect(await main(['models', '--config', EXAMPLE], io)).toBe(0);
    expect(io.stderr).toBe('');
    const lines = io.stdout.split('\n');
    const qwen = lines.filter((l) => l.includes('siliconflow/Qwen/Qwen2.5-7B-Instruct'));
    expect(qwen.some((l) => /500k\s+every day at 00:00 Asia\/Shanghai/.test(l))).toBe(true);
    expect(lines.some((l) => /aliyun\/qwen3-max-preview\s+1M\s+once until 2026-12-31/.test(l))).toBe(true);
    const gpt4o = lines.find((l) => l.startsWith('openai/gpt-4o '))!;
    expect(gpt4o).toMatch(/disabled\s+128k\s+\$5\s+\$15\s+vision tools/);
    expect(lines.find((l) => l.startsWith('groq/llama-3.1-8b-instant '))).toMatch(/enabled\s+128k.*800\s+1M\s+30 rpm/);
    expect(io.stdout).toMatch(/openai\s+set OPENAI_API_KEY/);
    expect(io.stdout).not.toContain(SECRET);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(120);
  });

  it('--json is an array of models', async () => {
    const io = memoryIo(dir);
    expect(await main(['models', '--config', EXAMPLE, '--json'], io)).toBe(0);
    const list = JSON.parse(io.stdout) as ModelListing[];
    expect(list).toHaveLength(11);
    expect(list.find((m) => m.id === 'openai/gpt-4o')).toMatchObject({ provider: 'openai', providerStatus: 'disabled', context: 128000, price: { input: 5, output: 15 }, capabilities: ['vision', 'tools'], free: null });
    expect(list.find((m) => m.id === 'siliconflow/Qwen/Qwen2.5-7B-Instruct')!.free).toEqual({
      tokens: 500000,
      period: 'every day at 00:00 Asia/Shanghai',
      until: null,
      zone: 'Asia/Shanghai',
    });
    expect(list.find((m) => m.id === 'aliyun/qwen3-max-preview')!.free).toMatchObject({ tokens: 1000000, period: 'once until 2026-12-31', until: '2026-12-31' });
  });

  it('shows rate limits', async () => {
    const io = memoryIo(dir, { OPENAI_API_KEY: 'x' });
    expect(await main(['models', '--config', 'custom.gw'], io)).toBe(0);
    expect(io.stdout.split('\n').find((l) => l.startsWith('openai/gpt-4o-mini '))).toMatch(/enabled.*\$0\.15\s+\$0\.6.*200k tpm/);
  });

  it('a broken policy prints its diagnostics and exits 1', async () => {
    const io = memoryIo(dir);
    expect(await main(['models'], io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/^routes\.gw:\d+:\d+: error\[GW\d{3}\]/m);
  });
});

describe('gw usage', () => {
  it('names both commands', async () => {
    expect(usage).toMatch(/\n {2}providers {2}/);
    expect(usage).toMatch(/\n {2}models {5}/);
    const io = memoryIo(tmpdir());
    expect(await main(['providers', '--help'], io)).toBe(0);
    expect(io.stdout).toContain('gw providers [--config FILE] [--json]');
  });
});
