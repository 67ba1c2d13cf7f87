import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import type { RouteRequest } from '../runtime/router/types.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './helpers/gateway.ts';
import { compileText } from './helpers/policy.ts';

const policy = (gateway = '') => `
${gateway}
provider freebie { base_url "http://127.0.0.1:9/v1"  key env FREEBIE_KEY }
provider paidco  { base_url "http://127.0.0.1:9/v1"  key env PAIDCO_KEY }
model freebie/small { context 32k  max_output 8k  free 1M tokens every day }
model paidco/big    { context 200k  price 1 / 2 }
scenario chat {
  free freebie/small
  paid paidco/big
  willingness 100%
}
`;
const env = { FREEBIE_KEY: 'k1', PAIDCO_KEY: 'k2' };
const ask = (maxTokens: number): RouteRequest => ({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }], maxTokens });
const NOW = Date.parse('2026-12-03T10:00:00Z');

describe('max_output N on a model', () => {
  it('compiles to maxOutput; clamp_max_tokens defaults on', () => {
    const t = compileText(policy(), env);
    expect(t.models.find((m) => m.id === 'freebie/small')!.maxOutput).toBe(8000);
    expect(t.models.find((m) => m.id === 'paidco/big')!.maxOutput).toBeNull();
    expect(t.gateway.clampMaxTokens).toBe(true);
    expect(compileText(policy('gateway { clamp_max_tokens off }'), env).gateway.clampMaxTokens).toBe(false);
  });

  it('eligibility and the reservation use min(max_tokens, max_output): 64k asked of a 32k model that writes 8k fits', () => {
    const d = decide(compileText(policy(), env), ask(64_000), {}, NOW, 0);
    expect(d.model).toBe('freebie/small');
    expect(d.clamp).toEqual({ from: 64_000, to: 8_000 });
    expect(d.estimate).toBe(d.tokens + 8_000);
    expect(d.trace.some((l) => l.message.includes('max_tokens 64,000 > max_output 8k of freebie/small → lowered to 8,000'))).toBe(true);
  });

  it('no clamp when max_tokens fits', () => {
    const d = decide(compileText(policy(), env), ask(4_000), {}, NOW, 0);
    expect(d.model).toBe('freebie/small');
    expect(d.clamp ?? null).toBeNull();
    expect(d.estimate).toBe(d.tokens + 4_000);
  });

  it('clamp_max_tokens off: a model whose max_output is below max_tokens is not eligible', () => {
    const d = decide(compileText(policy('gateway { clamp_max_tokens off }'), env), ask(64_000), {}, NOW, 0);
    expect(d.model).toBe('paidco/big');
    const small = d.candidates.find((c) => c.model === 'freebie/small')!;
    expect(small.eligible).toBe(false);
    expect(small.reason).toBe('max_tokens 64,000 > max_output 8k (clamp_max_tokens off)');
  });
});

describe('max_output end to end: the upstream that caps output gets a max_tokens it takes', () => {
  let up: FakeUpstream;
  let g: RunningGateway;
  beforeAll(async () => {
    up = await startFakeUpstream({ maxOutput: { 'free-model': 8000 } });
    g = await startGateway(
      policyFor(
        up,
        `model freebie/free-model { context 32k  max_output 8k  free 1M tokens every day }
model paidco/paid-model { context 200k  price 1 / 2 }
scenario chat {
  free freebie/free-model
  paid paidco/paid-model
  willingness 100%
}`,
      ),
    );
  });
  afterAll(async () => {
    await g?.close();
    await up?.close();
  });

  it('Claude Code’s max_tokens 64000 is lowered to the model’s cap, said in x-gw-max-tokens and the log', async () => {
    const client = new Anthropic({ baseURL: g.url, apiKey: 'x', maxRetries: 0, timeout: 15_000 });
    const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64_000, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'ok from free-model' });
    expect(response.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(response.headers.get('x-gw-max-tokens')).toBe('8000');
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.max_tokens).toBe(8000);
    expect(g.log.lines.some((l) => /max_tokens 64000 → 8000 \(max_output of freebie\/free-model\)/.test(l))).toBe(true);
  });

  it('on /v1/chat/completions too (max_completion_tokens)', async () => {
    up.reset();
    const res = await g.client().chat.completions.create({ model: 'auto', max_completion_tokens: 50_000, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(res.response.headers.get('x-gw-max-tokens')).toBe('8000');
    const sent = up.requests.find((r) => r.endpoint === 'chat.completions')!;
    expect(sent.body.max_completion_tokens).toBe(8000);
  });
});
