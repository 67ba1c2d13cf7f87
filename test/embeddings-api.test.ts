import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { policyFor, startGateway, TEST_KEYS } from './helpers/gateway.ts';
import { gatewaySuite } from './helpers/gateway-suite.ts';
import { main } from '../cli/main.ts';
import { memoryIo } from './helpers/mem-io.ts';

/**
 * POST /v1/embeddings end to end: the official openai SDK (its default base64, and float), the real HTTP stack, the
 * fake upstream's /embeddings (OpenAI's documented input limits). Routing keeps one embedding model per request.
 */

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const EMAIL = 'zhang.wei@163.com';

const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
provider ollama { base_url "${url}/ollama/v1"  local }
model freebie/free-model     { context 32k  free 1M tokens every day }
model paidco/paid-model      { context 128k  price 1 / 2 }
model freebie/BAAI/bge-m3    { context 8k  can embed  free 1M tokens every month }
model paidco/BAAI/bge-m3     { context 8k  can embed  price 0.02 / 0 }
model backup/text-embed-x    { context 8k  can embed  price 0.1 / 0 }
model claude/claude-embed    { context 8k  can embed  price 1 / 0 }
model ollama/nomic-embed     { context 8k  can embed }
model ollama/qwen-local      { context 32k }
scenario chat {
  paid paidco/paid-model
  free any
  willingness 100%
}
fallback backup/text-embed-x
pii {
  detect email
  route ollama/qwen-local
}
retry {
  attempts 3
  backoff 0ms
  on network rate_limit server quota
}
`;

const suite = gatewaySuite(body, { ...TEST_KEYS, CLAUDE_KEY });
afterEach(() => {
  suite.up.reset();
  (suite.g.gw.deps as { live: unknown }).live = new (suite.g.gw.live.constructor as new () => typeof suite.g.gw.live)();
});

async function post(path: string, payload: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(`${suite.g.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  return { status: r.status, body: await r.json(), headers: r.headers };
}

const sdkError = (p: Promise<unknown>) => p.then(() => null, (e: { status: number; error: { code: string; param?: string; message: string } }) => e);

describe('POST /v1/embeddings with the openai SDK', () => {
  it('embeddings.create (SDK default: base64 on the wire, decoded by the SDK) equals the float answer to float32 precision', async () => {
    const c = suite.g.client();
    const { data: viaBase64, response } = await c.embeddings.create({ model: 'freebie/BAAI/bge-m3', input: ['first text', 'second text'] }).withResponse();
    expect(suite.up.requests[0].endpoint).toBe('embeddings');
    expect(suite.up.requests[0].body).toMatchObject({ model: 'BAAI/bge-m3', input: ['first text', 'second text'], encoding_format: 'base64' });
    expect(suite.up.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEYS.FREEBIE_KEY}`);
    expect(response.headers.get('x-gw-model')).toBe('freebie/BAAI/bge-m3');
    expect(response.headers.get('x-gw-tier')).toBe('free');
    const viaFloat = await c.embeddings.create({ model: 'freebie/BAAI/bge-m3', input: ['first text', 'second text'], encoding_format: 'float' });
    expect(viaFloat.object).toBe('list');
    expect(viaFloat.model).toBe('BAAI/bge-m3');
    expect(viaFloat.data.map((d) => d.index)).toEqual([0, 1]);
    expect(viaFloat.data[0].embedding).toHaveLength(8);
    expect(viaFloat.data[0].embedding).not.toEqual(viaFloat.data[1].embedding);
    for (let i = 0; i < 2; i++) expect(Array.from(viaBase64.data[i].embedding)).toEqual(viaFloat.data[i].embedding.map((x) => Math.fround(x)));
    expect(viaFloat.usage.prompt_tokens).toBeGreaterThan(0);
    expect(viaFloat.usage.total_tokens).toBe(viaFloat.usage.prompt_tokens);
  });

  it('encoding_format base64 answers base64 even when the upstream sends floats; float answers floats when it sends base64', async () => {
    const floats = [0.5, -0.25, 0.125];
    suite.up.script('BAAI/bge-m3', { body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: floats }], model: 'BAAI/bge-m3', usage: { prompt_tokens: 3, total_tokens: 3 } } });
    const b = await suite.g.client().embeddings.create({ model: 'freebie/BAAI/bge-m3', input: 'x', encoding_format: 'base64' });
    expect(typeof b.data[0].embedding).toBe('string');
    const bytes = Buffer.from(b.data[0].embedding as unknown as string, 'base64');
    expect([0, 1, 2].map((i) => bytes.readFloatLE(i * 4))).toEqual(floats);
    const b64 = Buffer.alloc(12);
    floats.forEach((x, i) => b64.writeFloatLE(x, i * 4));
    suite.up.script('BAAI/bge-m3', { body: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: b64.toString('base64') }], model: 'BAAI/bge-m3', usage: { prompt_tokens: 3, total_tokens: 3 } } });
    const f = await suite.g.client().embeddings.create({ model: 'freebie/BAAI/bge-m3', input: 'x', encoding_format: 'float' });
    expect(f.data[0].embedding).toEqual(floats);
  });

  it('passes dimensions and user; counts usage against the free quota and logs the request', async () => {
    const c = suite.g.client();
    suite.up.script('BAAI/bge-m3', { usage: { promptTokens: 5 } });
    const { data, response } = await c.embeddings.create({ model: 'freebie/BAAI/bge-m3', input: ['first', 'second'], dimensions: 4, user: 'u-1', encoding_format: 'float' }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0].embedding).toHaveLength(4);
    expect(suite.up.requests[0].body).toMatchObject({ input: ['first', 'second'], dimensions: 4, user: 'u-1' });
    expect(data.usage.prompt_tokens).toBe(5);
    const id = response.headers.get('x-gw-request-id');
    const log = (await (await fetch(`${suite.g.url}/logs/${id}`)).json()) as any;
    expect(log).toMatchObject({ endpoint: 'embeddings', model: 'freebie/BAAI/bge-m3', status: 200, prompt_tokens: 5, completion_tokens: 0 });
    const quota = (await (await fetch(`${suite.g.url}/quota`)).json()) as any;
    const q = (quota.quotas ?? quota).find((x: any) => x.model === 'freebie/BAAI/bge-m3');
    expect(q.used).toBeGreaterThanOrEqual(5);
  });

  it('token-id inputs cannot be checked for personal data: under a pii block they go to a local embedding model', async () => {
    const { data, response } = await suite.g.client().embeddings.create({ model: 'freebie/BAAI/bge-m3', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(response.headers.get('x-gw-model')).toBe('ollama/nomic-embed');
    expect(suite.up.requests.map((r) => r.provider)).toEqual(['ollama']);
  });

  it('falls back only to the same model at another provider: never to another embedding model', async () => {
    suite.up.script({ model: 'BAAI/bge-m3', provider: 'freebie' }, { status: 500 });
    suite.up.script({ model: 'BAAI/bge-m3', provider: 'paidco' }, { status: 500 });
    const e = await sdkError(suite.g.client().embeddings.create({ model: 'freebie/BAAI/bge-m3', input: 'hello' }));
    expect(e?.status).toBe(502);
    expect(suite.up.requests.map((r) => `${r.provider}/${r.body.model}`)).toEqual(['freebie/BAAI/bge-m3', 'paidco/BAAI/bge-m3']);
    suite.up.reset();
    suite.up.script({ model: 'BAAI/bge-m3', provider: 'freebie' }, { status: 500 });
    const { response } = await suite.g.client().embeddings.create({ model: 'freebie/BAAI/bge-m3', input: 'hello' }).withResponse();
    expect(response.headers.get('x-gw-model')).toBe('paidco/BAAI/bge-m3');
    expect(response.headers.get('x-gw-attempts')).toBe('2');
  });

  it('model auto with several embedding models is a clear 400 (model_required); a chat model asked for embeddings is a 400', async () => {
    const auto = await sdkError(suite.g.client().embeddings.create({ model: 'auto', input: 'hello' }));
    expect(auto?.status).toBe(400);
    expect(auto?.error.code).toBe('model_required');
    expect(auto?.error.message).toMatch(/BAAI\/bge-m3.*text-embed-x|text-embed-x.*BAAI\/bge-m3/);
    const chat = await sdkError(suite.g.client().embeddings.create({ model: 'paidco/paid-model', input: 'hello' }));
    expect(chat?.status).toBe(400);
    expect(chat?.error.code).toBe('unsupported_request');
    expect(chat?.error.message).toContain('not an embeddings model');
    // and the other way round: an embedding model takes no chat
    const back = await sdkError(suite.g.client().chat.completions.create({ model: 'paidco/BAAI/bge-m3', messages: [{ role: 'user', content: 'hi' }] }));
    expect(back?.status).toBe(400);
    expect(suite.up.requests).toHaveLength(0);
  });

  it('an Anthropic provider is never eligible for embeddings', async () => {
    const e = await sdkError(suite.g.client().embeddings.create({ model: 'claude/claude-embed', input: 'hello' }));
    expect(e?.status).toBe(400);
    expect(e?.error.message).toContain('serves no embeddings');
    expect(suite.up.requests).toHaveLength(0);
  });

  it('personal data goes to a local embedding model only', async () => {
    const { data, response } = await suite.g.client().embeddings.create({ model: 'paidco/BAAI/bge-m3', input: `mail ${EMAIL} please`, encoding_format: 'float' }).withResponse();
    expect(data.data).toHaveLength(1);
    expect(response.headers.get('x-gw-model')).toBe('ollama/nomic-embed');
    expect(suite.up.requests.map((r) => r.provider)).toEqual(['ollama']);
  });

  it('bad input is a 400 in OpenAI’s shape with the param', async () => {
    const cases: [unknown, string][] = [
      [{ model: 'freebie/BAAI/bge-m3' }, 'input'],
      [{ model: 'freebie/BAAI/bge-m3', input: '' }, 'input'],
      [{ model: 'freebie/BAAI/bge-m3', input: [] }, 'input'],
      [{ model: 'freebie/BAAI/bge-m3', input: ['a', ''] }, 'input[1]'],
      [{ model: 'freebie/BAAI/bge-m3', input: ['a', [1, 2]] }, 'input[1]'],
      [{ model: 'freebie/BAAI/bge-m3', input: [[1, -2]] }, 'input[0]'],
      [{ model: 'freebie/BAAI/bge-m3', input: Array.from({ length: 2049 }, () => 'x') }, 'input'],
      [{ model: 'freebie/BAAI/bge-m3', input: 'a', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: 'freebie/BAAI/bge-m3', input: 'a', dimensions: 0 }, 'dimensions'],
      [{ model: 'freebie/BAAI/bge-m3', input: 'a', user: 5 }, 'user'],
      [{ input: 'a' }, 'model'],
    ];
    for (const [payload, param] of cases) {
      const r = await post('/v1/embeddings', payload);
      expect(r.status, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(r.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect(suite.up.requests).toHaveLength(0);
  });

  it('an input over the model’s context is a 400 before any upstream; the fake enforces OpenAI’s per-request sum', async () => {
    const long = 'word '.repeat(9000);
    const r = await post('/v1/embeddings', { model: 'freebie/BAAI/bge-m3', input: long });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('context_length_exceeded');
    expect(suite.up.requests).toHaveLength(0);
    // 40 inputs of ~7.5k tokens each: each fits, the sum (300k+) is over OpenAI's per-request limit
    const direct = await fetch(`${suite.up.url}/freebie/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.FREEBIE_KEY}` },
      body: JSON.stringify({ model: 'BAAI/bge-m3', input: Array.from({ length: 41 }, () => 'abcd'.repeat(7500)) }),
    });
    expect(direct.status).toBe(400);
    expect(((await direct.json()) as any).error.message).toMatch(/max 300000 tokens per request/);
  });

  it('models.retrieve finds an embedding model whose id holds two slashes', async () => {
    const m = await suite.g.client().models.retrieve('freebie/BAAI/bge-m3');
    expect(m).toMatchObject({ id: 'freebie/BAAI/bge-m3', object: 'model', owned_by: 'freebie' });
    expect((m as any).gw.capabilities).toContain('embed');
    const e = await sdkError(suite.g.client().models.retrieve('freebie/BAAI/nope'));
    expect(e?.status).toBe(404);
    expect(e?.error.code).toBe('model_not_found');
  });
});

describe('embeddings under pii { redact }', () => {
  const redact = (url: string) => `
provider ollama { base_url "${url}/ollama/v1"  local }
model paidco/BAAI/bge-m3    { context 8k  can embed  price 0.02 / 0 }
model ollama/nomic-embed    { context 8k  can embed }
model paidco/paid-model     { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
}
pii {
  detect email
  redact
}
`;

  it('is not masked (the vector would be the placeholder’s): routed to the local embedding model, and the headers say so', async () => {
    const g2 = await startGateway(policyFor(suite.up, redact(suite.up.url)));
    try {
      const { response } = await g2.client().embeddings.create({ model: 'paidco/BAAI/bge-m3', input: `mail ${EMAIL}`, encoding_format: 'float' }).withResponse();
      expect(response.headers.get('x-gw-model')).toBe('ollama/nomic-embed');
      expect(response.headers.get('x-gw-pii')).toBe('route:email');
      const sent = suite.up.requests.filter((r) => r.endpoint === 'embeddings');
      expect(sent.map((r) => r.provider)).toEqual(['ollama']);
      expect(sent[0].body.input).toBe(`mail ${EMAIL}`);
      // without personal data: the model asked for
      const { response: clean } = await g2.client().embeddings.create({ model: 'paidco/BAAI/bge-m3', input: 'plain text', encoding_format: 'float' }).withResponse();
      expect(clean.headers.get('x-gw-model')).toBe('paidco/BAAI/bge-m3');
    } finally {
      await g2.close();
    }
  });
});

describe('model auto with one embedding model, and gw explain --endpoint embeddings', () => {
  const one = (url: string) => `
model freebie/free-model    { context 32k  free 1M tokens every day }
model freebie/BAAI/bge-m3   { context 8k  can embed  free 1M tokens every month }
model paidco/BAAI/bge-m3    { context 8k  can embed  price 0.02 / 0 }
scenario chat {
  free any
  willingness 100%
}
retry { attempts 2  backoff 0ms }
# ${url}
`;

  it('auto uses the policy’s one embedding model, free quota first; token arrays are counted as given', async () => {
    const g1 = await startGateway(policyFor(suite.up, one(suite.up.url)));
    try {
      const { data, response } = await g1.client().embeddings.create({ model: 'auto', input: 'hello' }).withResponse();
      expect(data.data).toHaveLength(1);
      expect(response.headers.get('x-gw-model')).toBe('freebie/BAAI/bge-m3');
      expect(response.headers.get('x-gw-tier')).toBe('free');
      const arrays = await g1.client().embeddings.create({ model: 'auto', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' });
      expect(arrays.data).toHaveLength(2);
      expect(arrays.usage.prompt_tokens).toBe(5);
      const single = await g1.client().embeddings.create({ model: 'auto', input: [7, 8, 9, 10], encoding_format: 'float' });
      expect(single.data).toHaveLength(1);
      expect(suite.up.requests.at(-1)?.body.input).toEqual([7, 8, 9, 10]);
    } finally {
      await g1.close();
    }
  });

  it('gw explain --endpoint embeddings shows the embedding route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-embed-'));
    writeFileSync(join(dir, 'routes.gw'), policyFor(suite.up, one(suite.up.url)));
    const io = memoryIo(dir, TEST_KEYS);
    expect(await main(['explain', '--json', '--draw', '0.5', '--endpoint', 'embeddings', 'hello world'], io)).toBe(0);
    const d = JSON.parse(io.stdout);
    expect(d.model).toBe('freebie/BAAI/bge-m3');
    expect(d.next).toEqual(['paidco/BAAI/bge-m3']);
    expect(d.estimate).toBe(d.tokens);
    expect(d.trace[0]).toMatchObject({ step: 'request', message: expect.stringMatching(/^1 input, ~\d+ input tokens \(o200k\), [\d,]+ reserved with the answer; model "auto"$/) });
    expect(d.candidates.find((c: any) => c.model === 'freebie/free-model')).toBeUndefined();
    const text = memoryIo(dir, TEST_KEYS);
    expect(await main(['explain', '--draw', '0.5', '--endpoint', 'embeddings', 'hello world'], text)).toBe(0);
    expect(text.stdout).toContain("the policy's one embedding model");
  });
});
