import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../runtime/router/conditions.ts';
import { boundedPattern, linearProblem, policyRegex } from '../runtime/router/linear-regex.ts';
import type { Condition } from '../runtime/types/decision-table.ts';

// Issue 10: `text ~` regexes are matched in linear time. Before, /a.*b/ over the 16 KiB windows of a long prompt of
// `a` cost ≈ 0.5 s (JavaScript's engine tries every start and every length).

const textCond = (source: string, flags = ''): Condition => ({ op: 'text', regex: { source, flags } }) as unknown as Condition;
const input = (text: string) => ({ tokens: 0, text, model: 'auto', images: 0, hasTools: false, headers: {} });

describe('which engine matches a policy regex', () => {
  it('JavaScript for patterns that cannot backtrack, RE2 for the others, JavaScript again only for what RE2 cannot express', () => {
    for (const p of ['python', '\\b(refactor|debug)\\b', '\\d{7}', '```', '(?:ab|cd)?x', '(?=a)b', '(a)\\1', '[*+]{2}', '[\\u4e00-\\u9fff]'])
      expect([p, policyRegex(p, 'i').engine]).toEqual([p, 'js']);
    for (const p of ['a.*b', '(a+)+$', '(\\w+\\s?)*$', '(?:a|b)+', 'x{2,}', 'a{1,100}', '(a?){10}', '(?<n>\\d+)-', '(?<=a)b+'])
      expect([p, policyRegex(p, '').engine]).toEqual([p, 're2']);
    for (const p of ['(\\w+)\\s+\\1', 'a+(?=b)', '(?!x).*y']) {
      expect([p, policyRegex(p, '').engine]).toEqual([p, 'js-fallback']);
      expect(linearProblem(p, '')).toMatch(/^a (backreference|lookahead)$/);
    }
    expect(boundedPattern('(?:x?){64}')).toBe(false); // a repetition of a group that repeats
    // optional parts and ranges in a row multiply the ways to try: 64 × 64 per position is not bounded enough
    expect(policyRegex('\\d{0,63}\\d{0,63}x', '').engine).toBe('re2');
    expect(policyRegex('a?'.repeat(12), '').engine).toBe('re2');
    expect(policyRegex('\\d{3}-\\d{4}', '').engine).toBe('js');
  });
});

describe('linear-time matching', () => {
  it('/a.*b/ over 1 MB of `a` (two 16 KiB windows) takes milliseconds (before: ≈ 500 ms)', () => {
    const text = 'a'.repeat(1 << 20);
    const t0 = performance.now();
    expect(evaluate(textCond('a.*b'), input(text), [])).toBe(false);
    expect(evaluate(textCond('(a|aa)+$'), input(`${text}!`), [])).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200); // generous: ≈ 1 ms idle
  });

  it('means what JavaScript means: same first match (index and text) on generated inputs', () => {
    const patterns: [string, string][] = [
      ['a.*b', ''],
      ['a.*b', 's'],
      ['\\s+x', ''],
      ['[\\s,]+y', ''],
      ['\\S+@\\S+', ''],
      ['^a.+$', 'm'],
      ['(?:ab|a)+c', 'i'],
      ['\\bfoo\\w*', ''],
      ['\\d{2,}', ''],
      ['[^a]+', ''],
      ['(?<n>b+)a', ''],
      ['.+', ''],
    ];
    const alphabet = fc.constantFrom('a', 'b', 'c', 'x', 'y', 'A', 'B', 'foo', '1', '23', ' ', '\n', '\r', '\t', '\u2028', '\u3000', '\u00a0', ',', '@', '😀', '中');
    for (const [source, flags] of patterns) {
      const linear = policyRegex(source, flags);
      expect(linear.engine).toBe('re2');
      const js = new RegExp(source, flags);
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
          const s = parts.join('');
          const m = js.exec(s);
          expect(linear.exec(s), `/${source}/${flags} on ${JSON.stringify(s)}`).toEqual(m ? { index: m.index, text: m[0] } : null);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('quotes the match in the trace as before', () => {
    const why: string[] = [];
    expect(evaluate(textCond('py.*on', 'i'), input('I write PyThOn code'), why)).toBe(true);
    expect(why).toEqual(['text matches /py.*on/ at "PyThOn"']);
  });
});
