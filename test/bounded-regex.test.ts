import { describe, expect, it } from 'vitest';
import { evaluate, matchWindow, TEXT_MATCH_HEAD, TEXT_MATCH_TAIL } from '../runtime/router/conditions.ts';
import type { Condition } from '../runtime/types/decision-table.ts';

const textCond = (source: string, flags = ''): Condition => ({ op: 'text', regex: { source, flags } }) as unknown as Condition;
const input = (text: string) => ({ tokens: 0, text, model: 'auto', images: 0, hasTools: false, headers: {} });

describe('bounded `text ~` matching', () => {
  it('matches a short text whole', () => {
    expect(matchWindow('hello')).toBe('hello');
    expect(evaluate(textCond('python', 'i'), input('I write Python'), [])).toBe(true);
  });

  it('reads the start and the end of a long text, documented by TEXT_MATCH_HEAD/TAIL', () => {
    const filler = 'x '.repeat(1 << 19);
    expect(matchWindow(filler).length).toBe(TEXT_MATCH_HEAD + TEXT_MATCH_TAIL + 1);
    expect(evaluate(textCond('python'), input(`python ${filler}`), [])).toBe(true);
    expect(evaluate(textCond('python'), input(`${filler} python`), [])).toBe(true);
    expect(evaluate(textCond('python'), input(`${filler} python ${filler}`), [])).toBe(false); // the middle is not read
    expect(matchWindow('😀'.repeat(1 << 18))).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no pair cut
  });

  it('finishes a polynomially backtracking pattern on 1 MB of one letter (before: hours)', () => {
    expect(evaluate(textCond('a.*b'), input('a'.repeat(1 << 20)), [])).toBe(false);
  });
});
