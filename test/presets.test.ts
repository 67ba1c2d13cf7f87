import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PROVIDER_PRESETS, UNSUPPORTED_PROVIDERS, findPreset, presetBaseUrl } from '../runtime/providers/presets.ts';
import { shippedCatalog } from '../runtime/catalog/catalog.ts';
import { loadPolicy } from '../compiler/load-policy.ts';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';
import type { ProviderListing } from '../cli/providers.ts';

// the providers issue 13 names (seeds 002–004), by their preset names
const SEEDS = ['zhipu', 'volcengine', 'qianfan', 'hunyuan', 'spark', 'stepfun', 'baichuan', 'lingyiwanwu', 'qiniu', 'modelscope', 'gemini', 'mistral', 'xai', 'together',
  'fireworks', 'cerebras', 'perplexity', 'huggingface', 'jina', 'cloudflare', 'azure_openai', 'lmstudio', 'localai', 'xinference', 'gpustack', 'vllm'];

describe('provider presets', () => {
  it('covers every OpenAI- or Anthropic-compatible provider of the seeds, each with region, docs and a key variable', () => {
    for (const name of SEEDS) expect(findPreset(name), name).toBeDefined();
    expect(new Set(PROVIDER_PRESETS.map((p) => p.name)).size).toBe(PROVIDER_PRESETS.length);
    for (const p of PROVIDER_PRESETS) {
      expect(['cn', 'global', 'local'], p.name).toContain(p.region);
      expect(p.docs, p.name).toMatch(/^https:\/\//);
      expect(p.local === true || p.keyEnv.length > 0, p.name).toBe(true);
      expect(p.region === 'local', p.name).toBe(p.local === true);
    }
    expect(UNSUPPORTED_PROVIDERS.map((p) => p.name)).toEqual(expect.arrayContaining(['bedrock', 'vertex']));
  });

  it("each preset's default models are ones the catalog knows and has not retired", () => {
    const c = shippedCatalog();
    const today = new Date().toISOString().slice(0, 10);
    for (const p of PROVIDER_PRESETS) {
      if (c.names(p.name).length === 0) continue; // no catalog data for this provider
      for (const m of p.defaultModels ?? []) {
        const e = c.lookup(p.name, m)?.entry;
        expect(e, `${p.name}/${m}`).toBeDefined();
        expect(e!.status, `${p.name}/${m}`).not.toBe('deprecated');
        expect(!e!.retires || e!.retires > today, `${p.name}/${m}`).toBe(true);
      }
    }
  });

  it('a ${VAR} in a base URL is filled from the environment, and the provider waits for it', () => {
    const cf = findPreset('cloudflare')!;
    expect(presetBaseUrl(cf, {})).toEqual({ url: null, missing: ['CLOUDFLARE_ACCOUNT_ID'] });
    expect(presetBaseUrl(cf, { CLOUDFLARE_ACCOUNT_ID: 'abc' }).url).toBe('https://api.cloudflare.com/client/v4/accounts/abc/ai/v1');
    expect(presetBaseUrl(findPreset('azure_openai')!, { AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com/' }).url).toBe('https://r.openai.azure.com/openai/v1');
    const text = 'model cloudflare/@cf/meta/llama-3.1-8b-instruct { context 8k }\nscenario chat {\n  paid cloudflare/@cf/meta/llama-3.1-8b-instruct\n}\n';
    const off = loadPolicy({ text, file: 'routes.gw', env: { CLOUDFLARE_API_TOKEN: 't' } }).table!.providers[0];
    expect(off).toMatchObject({ enabled: false, disabledReason: 'no base URL: set CLOUDFLARE_ACCOUNT_ID' });
    const on = loadPolicy({ text, file: 'routes.gw', env: { CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: 'abc' } }).table!.providers[0];
    expect(on).toMatchObject({ enabled: true, baseUrl: 'https://api.cloudflare.com/client/v4/accounts/abc/ai/v1' });
  });

  it('gw providers --region cn lists only mainland providers, and the other-protocol ones with what they need', async () => {
    const io = memoryIo(tmpdir());
    expect(await main(['providers', '--region', 'cn'], io)).toBe(0);
    for (const name of ['aliyun', 'zhipu', 'volcengine', 'qianfan', 'spark', 'baichuan']) expect(io.stdout).toMatch(new RegExp(`\\n[* ] +${name} `));
    for (const name of ['openai', 'groq', 'ollama']) expect(io.stdout).not.toMatch(new RegExp(`\\n[* ] +${name} `));
    expect(io.stdout).toMatch(/aliyun_pai +Aliyun PAI-EAS +cn\n +a per-deployment URL/);
    expect(io.stdout).not.toMatch(/\bbedrock\b/);
    const g = memoryIo(tmpdir());
    expect(await main(['providers', '--region', 'global'], g)).toBe(0);
    expect(g.stdout).toMatch(/bedrock +AWS Bedrock +global\n +SigV4/);
    expect(g.stdout).toMatch(/vertex +Google Vertex AI +global\n +OAuth2/);
    const j = memoryIo(tmpdir());
    expect(await main(['providers', '--region', 'local', '--json'], j)).toBe(0);
    const list = JSON.parse(j.stdout) as ProviderListing[];
    expect(list.every((p) => p.region === 'local' && p.local)).toBe(true);
    expect(list.map((p) => p.name)).toEqual(expect.arrayContaining(['ollama', 'vllm', 'lmstudio', 'localai', 'xinference', 'gpustack']));
    const bad = memoryIo(tmpdir());
    expect(await main(['providers', '--region', 'mars'], bad)).toBe(2);
  });
});
