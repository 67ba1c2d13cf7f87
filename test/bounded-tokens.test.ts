import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { clearPieceCache, countedTo, countTokensExact, DEFAULT_TOKEN_BUDGET, TokenBudget } from '../runtime/router/pretokenize.ts';
import { countTexts } from '../runtime/router/tokens.ts';
import { worstShapes } from './helpers/worst-shapes.ts';

// Issue 10 item 1: token counting is linear with a hard, deterministic budget. Before, 1 MB of `a` never finished.
const shapes = worstShapes(1 << 20);

describe('bounded token counting', () => {
  for (const [shape, text] of Object.entries(shapes)) {
    it(`counts 1 MB of ${shape} within the budget, the same cold or warm`, () => {
      clearPieceCache();
      const cold = countTexts([text]);
      const warm = countTexts([text]);
      expect(warm).toEqual(cold); // what is charged depends on the text only: explain and serve agree
      expect(cold.totalChars).toBe(text.length);
      expect(cold.tokens).toBeGreaterThan(0);
      const b = new TokenBudget();
      countTokensExact(text, b);
      // past the budget by at most one piece: its scan (≤ 80 units per code unit) and one MAX_PIECE chunk
      expect(b.left).toBeGreaterThan(-80 * text.length - DEFAULT_TOKEN_BUDGET * 0.05);
      expect(countedTo()).toBe(cold.exactChars);
    });
  }

  it('estimates the rest of a text past the budget within a few percent for a uniform shape', () => {
    const text = shapes['unpunctuated Chinese'].slice(0, 100_000);
    const c = countTexts([text]);
    expect(c.exactChars).toBeLessThan(text.length); // the budget ran out
    const chunked = countTokensExact(text); // unbounded, linear
    expect(Math.abs(c.tokens - chunked) / chunked).toBeLessThan(0.05);
  });

  it('is exact (the library count) and fully counted for ordinary prompts', () => {
    const prose = 'The gateway routes every request to the cheapest model that fits. 路由器选择最便宜的模型。 const x = f(1, 2);\n';
    const text = prose.repeat(2000); // ~200 KB
    clearPieceCache();
    const c = countTexts([text]);
    expect(c.exactChars).toBe(text.length);
    expect(c.tokens).toBe(countTokens(text));
  });

  it('still throws on a special token past a long run, without the quadratic library path', () => {
    expect(() => countTexts(['a'.repeat(1 << 20) + ' <|endoftext|>'])).toThrow(/Disallowed special token found: <\|endoftext\|>/);
    const s = 'a'.repeat(200) + ' <|notspecial|> b';
    expect(countTexts([s]).tokens).toBe(countTokens(s));
  });
});

describe('bounded token counting at the 10 MB body limit', () => {
  it('counts the reachable prefix exactly and estimates the rest (same result every time)', () => {
    const text = 'a'.repeat(10 << 20);
    const a = countTexts([text]);
    expect(a.exactChars).toBeGreaterThan(0);
    expect(a.exactChars).toBeLessThan(text.length);
    expect(a.tokens).toBeGreaterThan(text.length / 16); // ≥ bytes/4 floor would be 2.6M; the run is 8 chars per token
    expect(countTexts([text])).toEqual(a);
  });
});
