import { describe, expect, it } from 'vitest';
import { catastrophicBacktracking } from '../compiler/checks/regex-backtracking.ts';

describe('catastrophicBacktracking (GW190)', () => {
  it('flags nested repetitions and repeated overlapping alternatives', () => {
    for (const re of ['(a+)+$', '(a*)*b', '(\\w+\\s?)*$', '(?:\\d+,?)+x', '(?<n>a+)+', '(a{2,})*', '(x|xx)*y', '(a|\\w)+!', '(.|\\n)*z'])
      expect(catastrophicBacktracking(re), re).not.toBeNull();
  });
  it('leaves ordinary patterns alone', () => {
    for (const re of ['python', '\\b(refactor|debug)\\b', '```', 'foo.*bar', '(?:ab|cd)+', '[a-z]+@[a-z]+\\.com', '^(\\d+)$', '(a|b)?c', '[(]+\\)', '\\(a+\\)+'])
      expect(catastrophicBacktracking(re), re).toBeNull();
  });
});
