// The console's pure parts: the editor's keywords are the lexer's, the review diff, and diagnostics placed in the text.
import { readFileSync } from 'node:fs';
import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { KEYWORDS, STATEMENT_KEYWORDS } from '../compiler/lexer.ts';
import { keywordsOf } from '../console/gw-keywords-plugin.ts';
import { changed, lineDiff } from '../console/src/policy/line-diff.ts';
import { toLint } from '../console/src/policy/diagnostics.ts';

describe('the routes.gw editor mode', () => {
  it('highlights exactly the lexer\'s keywords, statement starts apart', () => {
    const k = keywordsOf(readFileSync(new URL('../compiler/lexer.ts', import.meta.url), 'utf8'));
    expect([...k.statements, ...k.soft].sort()).toEqual([...KEYWORDS].sort());
    expect(k.statements.sort()).toEqual([...STATEMENT_KEYWORDS].sort());
  });
});

describe('lineDiff', () => {
  it('shows a changed line as removed then added, with context and gaps', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const b = a.replace('line 10', 'line ten');
    const d = lineDiff(a, b);
    expect(d.filter((l) => l.kind === 'del').map((l) => [l.text, l.line])).toEqual([['line 10', 10]]);
    expect(d.filter((l) => l.kind === 'add').map((l) => [l.text, l.line])).toEqual([['line ten', 10]]);
    expect(d.filter((l) => l.kind === 'same').map((l) => l.line)).toEqual([7, 8, 9, 11, 12, 13]);
    expect(d.filter((l) => l.kind === 'gap').map((l) => l.text)).toEqual(['… 6', '… 7']);
    expect(changed(d)).toBe(2);
  });

  it('finds insertions and deletions in the middle', () => {
    const d = lineDiff('a\nb\nc\nd', 'a\nc\nx\nd', 10);
    expect(d.map((l) => `${l.kind[0]}${l.text}`)).toEqual(['sa', 'db', 'sc', 'ax', 'sd']);
    expect(lineDiff('same', 'same')).toEqual([]);
  });

  it('stays bounded on large rewrites', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const t0 = performance.now();
    expect(changed(lineDiff(a, b))).toBe(10_000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('diagnostics in the editor', () => {
  const doc = Text.of(['model a/b {', '  context banana', '}']);
  it('spans the columns the compiler reports (end exclusive)', () => {
    const l = toLint(doc, { severity: 'error', code: 'GW002', message: 'm', line: 2, col: 11, endLine: 2, endCol: 17 });
    expect(doc.sliceString(l.from, l.to)).toBe('banana');
    expect(l.severity).toBe('error');
  });
  it('clamps positions outside the text and widens an empty span to one character', () => {
    const l = toLint(doc, { severity: 'warning', code: 'GW1', message: 'm', line: 99, col: 99 });
    expect(l.from).toBe(doc.length);
    expect(l.to).toBe(doc.length);
    const e = toLint(doc, { severity: 'error', code: 'GW1', message: 'm', line: 1, col: 1 });
    expect(doc.sliceString(e.from, e.to)).toBe('m');
  });
});
