import { describe, expect, it } from 'vitest';
import { usageOf } from '../runtime/providers/openai-adapter.ts';
import { priceOf } from '../runtime/state/cost.ts';
import { compileText } from './helpers/policy.ts';

const table = compileText(
  `provider a { base_url "http://127.0.0.1:9/v1"  key env A_KEY }
model a/cached { context 200k  price 3 / 15 cache 0.3 / 3.75 }
model a/plain  { context 200k  price 3 / 15 }
scenario chat {
  paid a/cached
}`,
  { A_KEY: 'k' },
);
const model = (id: string) => table.models.find((m) => m.id === id)!;

describe('prompt-cache prices: price IN / OUT cache READ / WRITE', () => {
  it('compiles to price.cacheRead / cacheWrite', () => {
    expect(model('a/cached').price).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(model('a/plain').price).toEqual({ input: 3, output: 15 });
  });
  it('cache reads and writes are settled at their own prices (a read no longer costs the full input price)', () => {
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000, cached_tokens: 800_000, cache_write_tokens: 100_000 };
    // 100k plain × 3 + 800k × 0.3 + 100k × 3.75 = 0.3 + 0.24 + 0.375
    expect(priceOf(model('a/cached'), usage)).toBeCloseTo(0.915, 6);
    expect(priceOf(model('a/plain'), usage)).toBeCloseTo(3, 6);
  });
  it('cached tokens are read from OpenAI prompt_tokens_details and DeepSeek prompt_cache_hit_tokens', () => {
    expect(usageOf({ usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 64 } } })?.cached_tokens).toBe(64);
    expect(usageOf({ usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_cache_hit_tokens: 90, prompt_cache_miss_tokens: 10 } })?.cached_tokens).toBe(90);
    expect(usageOf({ usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 } })?.cached_tokens).toBeUndefined();
  });
});
