import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../compiler/load-policy.ts';
import { catalogPass } from '../compiler/catalog-pass.ts';
import { buildSymbols } from '../compiler/symbols.ts';
import { parsePolicy } from '../compiler/syntax.ts';
import { buildCatalog, rowToModelsDev, shippedCatalog } from '../runtime/catalog/catalog.ts';
import { fromModelsDev } from '../runtime/catalog/models-dev.ts';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';

const ENV = { DEEPSEEK_API_KEY: 'x', GROQ_API_KEY: 'x', ANTHROPIC_API_KEY: 'x', OPENAI_API_KEY: 'x' };
const SCEN = '\nscenario chat {\n  paid deepseek/deepseek-chat\n}\n';

function table(text: string, extra: Parameters<typeof loadPolicy>[0] & object = {}) {
  const r = loadPolicy({ text, file: 'routes.gw', env: ENV, ...extra });
  if (!r.table) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return { table: r.table, diagnostics: r.diagnostics };
}

describe('catalog: a model line inherits what it leaves out', () => {
  it('a bare model line gets context, max output, prices with cache prices, capabilities and dates', () => {
    const { table: t, diagnostics } = table(`model deepseek/deepseek-chat\n${SCEN}`);
    expect(diagnostics).toEqual([]);
    const m = t.models[0];
    const e = shippedCatalog().lookup('deepseek', 'deepseek-chat')!.entry;
    expect(m.context).toBe(e.context);
    expect(m.context).toBeGreaterThanOrEqual(64_000);
    expect(m.maxOutput).toBe(e.maxOutput);
    expect(m.price).toEqual(e.price);
    expect(m.price!.cacheRead).toBeGreaterThan(0);
    expect(m.capabilities).toContain('tools');
    expect(m.catalog).toMatchObject({ known: true, origin: { context: 'catalog', maxOutput: 'catalog', price: 'catalog', capabilities: 'catalog' } });
    expect(m.catalog!.modalities!.input).toContain('text');
  });

  it('what the block declares wins, field by field; the catalog still gives cache prices and max output', () => {
    const { table: t } = table(`model deepseek/deepseek-chat { context 64k  price 1 / 2  can code }\n${SCEN}`);
    const m = t.models[0];
    expect(m.context).toBe(64_000);
    expect(m.price).toMatchObject({ input: 1, output: 2 });
    expect(m.price!.cacheRead).toBe(shippedCatalog().lookup('deepseek', 'deepseek-chat')!.entry.price!.cacheRead);
    expect(m.capabilities).toEqual(['code']);
    expect(m.catalog!.origin).toEqual({ context: 'declared', maxOutput: 'catalog', price: 'declared', capabilities: 'declared' });
  });

  it('a free model needs no `context` line when the catalog knows its window', () => {
    const { table: t, diagnostics } = table(`model groq/llama-3.1-8b-instant { free 500k tokens every day }\nscenario chat {\n  free any\n}\n`);
    expect(diagnostics).toEqual([]);
    expect(t.models[0].context).toBeGreaterThan(100_000);
  });

  it('a model on a custom or local provider is not looked up and draws no catalog warning', () => {
    const { table: t, diagnostics } = table(`provider lab {\n  base_url "http://127.0.0.1:9/v1"\n}\nmodel lab/x { context 8k }\nscenario chat {\n  paid lab/x\n}\n`);
    expect(diagnostics).toEqual([]);
    expect(t.models[0].catalog).toMatchObject({ known: false, origin: { context: 'declared', price: null } });
  });

  it('layers: a higher layer wins each field it has; a newer models.dev layer without `status` clears `deprecated`', () => {
    const layer = (layer: 'package' | 'update' | 'overlay', modelsDev: boolean, entries: Record<string, object>) => ({
      layer,
      label: layer,
      modelsDev,
      models: (p: string) => new Map(p === 'deepseek' ? Object.entries(entries) : []),
    });
    const cat = buildCatalog([
      layer('package', true, { 'deepseek-chat': { context: 64_000, price: { input: 1, output: 2 }, status: 'deprecated' } }),
      layer('update', true, { 'deepseek-chat': { price: { input: 0.5, output: 1 } } }),
      layer('overlay', false, { 'deepseek-chat': { retires: '2099-01-01' } }),
    ]);
    const hit = cat.lookup('deepseek', 'DeepSeek-Chat')!;
    expect(hit.entry).toEqual({ context: 64_000, price: { input: 0.5, output: 1 }, retires: '2099-01-01' });
    expect(hit.from).toEqual({ context: 'package', price: 'update', retires: 'overlay' });
    const policy = parsePolicy(`model deepseek/deepseek-chat { context 8k }${SCEN}`, 'routes.gw').policy!;
    const r = catalogPass(buildSymbols(policy).models.values(), cat).get('deepseek/deepseek-chat')!;
    expect(r).toMatchObject({ context: 8000, price: { input: 0.5, output: 1 }, retires: '2099-01-01', layers: { price: 'update', retires: 'overlay' } });
  });

  it("the overlay's compact rows read back as models.dev entries", () => {
    const e = fromModelsDev('x', rowToModelsDev([200_000, 8192, 3, 15, 0.3, 3.75, 'tip', '2024-10-22', 'deprecated']));
    expect(e).toEqual({
      context: 200_000,
      maxOutput: 8192,
      price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      modalities: { input: ['text', 'image', 'pdf'], output: ['text'] },
      capabilities: ['tools', 'vision'],
      released: '2024-10-22',
      status: 'deprecated',
    });
  });

  it('the shipped catalog knows current models and marks retired ones', () => {
    const c = shippedCatalog();
    expect(c.lookup('anthropic', 'claude-3-5-sonnet-20241022')!.entry.retires).toBe('2025-10-22');
    expect(c.lookup('anthropic', 'claude-sonnet-4-6')!.entry.status).toBeUndefined();
    expect(c.lookup('aliyun', 'kimi-k2.5')!.entry.free).toMatchObject({ until: '2026-04-30' });
    expect(c.names('deepseek')).toContain('deepseek-v4-flash');
    expect(c.names('nope')).toEqual([]);
  });
});

describe('catalog lints', () => {
  const codes = (text: string, now?: number) => loadPolicy({ text, file: 'routes.gw', env: ENV, now }).diagnostics.map((d) => d.code);
  it('GW197 fires once the `until` date has passed, not before', () => {
    const text = `model groq/llama-3.1-8b-instant { free 1M tokens once until 2026-06-30 }\nscenario chat {\n  free any\n}\n`;
    expect(codes(text, Date.parse('2026-06-01'))).toEqual([]);
    expect(codes(text, Date.parse('2026-07-01'))).toEqual(['GW197']);
  });
  it('GW196 fires from the retirement day on', () => {
    const text = `model anthropic/claude-sonnet-4-20250514\nscenario chat {\n  paid anthropic/claude-sonnet-4-20250514\n}\n`;
    expect(codes(text, Date.parse('2026-06-14'))).toEqual([]);
    expect(codes(text, Date.parse('2026-06-15'))).toEqual(['GW196']);
  });
});

describe('gw catalog update', () => {
  let server: Server;
  let base = '';
  let body = '';
  let dir = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api.json') {
        res.setHeader('content-type', 'application/json');
        res.end(body);
      } else if (req.url === '/broken') {
        res.end('<html>not json</html>');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'gw-catalog-'));
    writeFileSync(join(dir, 'routes.gw'), `gateway {\n  state "./state/gw.db"\n}\nmodel deepseek/deepseek-chat\n${SCEN}`);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches api.json into the state folder, and the next load uses its prices', async () => {
    body = JSON.stringify({ deepseek: { id: 'deepseek', models: { 'deepseek-chat': { id: 'deepseek-chat', tool_call: true, cost: { input: 0.11, output: 0.22, cache_read: 0.01 }, limit: { context: 500_000, output: 8000 } } } } });
    const io = memoryIo(dir, ENV);
    expect(await main(['catalog', 'update', '--url', `${base}/api.json`], io)).toBe(0);
    expect(io.stdout).toMatch(/1 providers, 1 models/);
    const file = join(dir, 'state', 'catalog.json');
    expect(existsSync(file)).toBe(true);
    const r = loadPolicy({ path: join(dir, 'routes.gw'), env: ENV });
    expect(r.table!.models[0]).toMatchObject({ context: 500_000, maxOutput: 8000, price: { input: 0.11, output: 0.22, cacheRead: 0.01 } });
    expect(r.table!.models[0].catalog!.layers).toMatchObject({ price: 'update', context: 'update' });
    const show = memoryIo(dir, ENV);
    expect(await main(['catalog', 'show'], show)).toBe(0);
    expect(show.stdout).toMatch(/update: models\.dev api\.json fetched/);
  });

  it('an answer that is not the catalog fails with a clear message and keeps the previous file', async () => {
    const before = readFileSync(join(dir, 'state', 'catalog.json'), 'utf8');
    for (const url of [`${base}/broken`, `${base}/missing`, 'http://127.0.0.1:1/api.json']) {
      const io = memoryIo(dir, ENV);
      expect(await main(['catalog', 'update', '--url', url], io)).toBe(1);
      expect(io.stderr).toMatch(/did not answer JSON|HTTP 404|cannot reach/);
      expect(io.stderr).toContain('the previous catalog is kept');
    }
    expect(readFileSync(join(dir, 'state', 'catalog.json'), 'utf8')).toBe(before);
  });
});

describe('catalog fixes (gw overlay)', () => {
  it("SiliconFlow's free Qwen models are priced 0 / 0 (models.dev's $0.05–0.06 is the paid variants'), from the overlay", () => {
    for (const name of ['Qwen/Qwen3-8B', 'Qwen/Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-Coder-7B-Instruct']) {
      const hit = shippedCatalog().lookup('siliconflow', name)!;
      expect(hit.entry.price).toEqual({ input: 0, output: 0 });
      expect(hit.from.price).toBe('overlay');
    }
  });

  it('o1-mini and o1-preview are retired (OpenAI shut them down 2025-10-27 and 2025-07-28): GW196', () => {
    expect(shippedCatalog().lookup('openai', 'o1-mini')?.entry.retires).toBe('2025-10-27');
    expect(shippedCatalog().lookup('openai', 'o1-preview')?.entry.retires).toBe('2025-07-28');
    const r = loadPolicy({ text: 'model openai/o1-mini\nscenario chat {\n  paid openai/o1-mini\n}\n', file: 'routes.gw', env: { OPENAI_API_KEY: 'x' } });
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^GW196 .*o1-mini.*2025-10-27/)]);
  });
});
