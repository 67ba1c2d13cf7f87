import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { TEST_KEYS } from './helpers/gateway.ts';
import { suiteGateway } from './helpers/suite-gateway.ts';

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model paidco/paid-model     { context 128k  price 1 / 2 cache 0.1 / 1.25 }
model backup/deepseek-chat  { context 128k  price 0.28 / 0.42 cache 0.028 / 0.28 }
model claude/claude-native  { context 200k  price 3 / 15 cache 0.3 / 3.75 }
scenario chat {
  paid paidco/paid-model
}
`;

const suite = suiteGateway(body, { ...TEST_KEYS, CLAUDE_KEY });

const get = async (path: string) => (await fetch(`${suite.g().url}${path}`)).json() as Promise<Record<string, any>>;

/** The wire formats: OpenAI's details objects, DeepSeek's prompt_cache_hit_tokens, Anthropic's cache counters and thinking tokens. */
const OPENAI = { prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 7 } };
const DEEPSEEK = { prompt_cache_hit_tokens: 30, prompt_cache_miss_tokens: 70, completion_tokens_details: { reasoning_tokens: 5 } };
const ANTHROPIC = { cache_read_input_tokens: 50, cache_creation_input_tokens: 10, output_tokens_details: { thinking_tokens: 9 } };

describe('usage detail: reasoning and prompt-cache tokens, per request and in every report', () => {
  it('openai SDK (JSON and stream) and Anthropic SDK (JSON and stream): each row, /stats, /report/day and /metrics', async () => {
    const [up, g] = [suite.up(), suite.g()];
    const ids: Record<string, string> = {};
    const openai = g.client();
    for (const stream of [false, true]) {
      up.script('paid-model', { usage: { promptTokens: 100, completionTokens: 20 }, usageExtra: OPENAI });
      up.script('deepseek-chat', { usage: { promptTokens: 100, completionTokens: 20 }, usageExtra: DEEPSEEK });
      for (const model of ['paidco/paid-model', 'backup/deepseek-chat']) {
        if (stream) {
          const s = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
          for await (const _ of s.data) void _;
          ids[`${model} stream`] = s.response.headers.get('x-gw-request-id')!;
        } else {
          const r = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
          ids[model] = r.response.headers.get('x-gw-request-id')!;
        }
      }
    }
    const anthropic = new Anthropic({ baseURL: g.url, apiKey: 'not-needed', maxRetries: 0 });
    for (const stream of [false, true]) {
      up.script({ provider: 'claude' }, { usage: { promptTokens: 100, completionTokens: 20 }, usageExtra: ANTHROPIC });
      const r = stream
        ? await anthropic.messages.create({ model: 'claude/claude-native', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
        : await anthropic.messages.create({ model: 'claude/claude-native', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      if (stream) for await (const _ of r.data as AsyncIterable<unknown>) void _;
      ids[`claude${stream ? ' stream' : ''}`] = r.response.headers.get('x-gw-request-id')!;
    }

    const row = async (k: string) => {
      const l = await get(`/logs/${ids[k]}`);
      return [l.prompt_tokens, l.completion_tokens, l.reasoning_tokens, l.cached_tokens, l.cache_write_tokens];
    };
    for (const k of ['paidco/paid-model', 'paidco/paid-model stream']) expect(await row(k)).toEqual([100, 20, 7, 40, 0]);
    for (const k of ['backup/deepseek-chat', 'backup/deepseek-chat stream']) expect(await row(k)).toEqual([100, 20, 5, 30, 0]);
    // Anthropic's input_tokens leave out the cache: gw's prompt count adds reads and writes back
    for (const k of ['claude', 'claude stream']) expect(await row(k)).toEqual([160, 20, 9, 50, 10]);

    const stats = await get('/stats');
    expect(stats.tokens24h).toMatchObject({ prompt: 720, completion: 120, reasoning: 42, cacheRead: 240, cacheWrite: 20 });
    const perModel = Object.fromEntries((stats.perModel as { model: string }[]).map((m) => [m.model, m]));
    expect(perModel['claude/claude-native']).toMatchObject({ reasoning_tokens: 18, cached_tokens: 100, cache_write_tokens: 20 });
    const report = await get('/report/day');
    expect(report.totals).toMatchObject({ prompt_tokens: 720, reasoning_tokens: 42, cached_tokens: 240, cache_write_tokens: 20 });
    expect(report.byModel.find((m: { model: string }) => m.model === 'backup/deepseek-chat')).toMatchObject({ reasoning_tokens: 10, cached_tokens: 60 });
    // a cache read costs its cache price: DeepSeek's 30 cached of 100 at $0.028 instead of $0.28 per 1M
    const ds = await get(`/logs/${ids['backup/deepseek-chat']}`);
    expect(ds.cost_usd).toBeCloseTo((70 * 0.28 + 30 * 0.028 + 20 * 0.42) / 1e6, 12);

    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toContain('gw_tokens_total{model="claude/claude-native",kind="reasoning"} 18');
    expect(metrics).toContain('gw_tokens_total{model="paidco/paid-model",kind="cache_read"} 80');
    expect(metrics).toContain('gw_tokens_total{model="claude/claude-native",kind="cache_write"} 20');
    expect(metrics).toContain('gw_tokens_total{model="backup/deepseek-chat",kind="reasoning"} 10');
  });
});
