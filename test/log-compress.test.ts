import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packLog, unpackLog, type LogTexts } from '../runtime/state/log-compress.ts';
import { BENCH_PROMPT } from '../bench/prompt.ts';

describe('request log compression', () => {
  it('gives back exactly the four texts (nulls, empty, unicode, NUL, digits and colons)', () => {
    const cases: LogTexts[] = [
      [null, null, null, null],
      ['', '12:ab', null, '-'],
      ['{"a":"你好 😀"}', 'data: x\n\n\u0000', '3:abc', '[]'],
    ];
    for (const c of cases) expect(unpackLog(packLog(c))).toEqual(c);
    fc.assert(
      fc.property(fc.tuple(fc.option(fc.string()), fc.option(fc.string()), fc.option(fc.string()), fc.option(fc.string())), (t) => {
        expect(unpackLog(packLog(t as LogTexts))).toEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  it('a 1 KB chat request with its answer, decision and attempts takes well under half its size', () => {
    const req = JSON.stringify(BENCH_PROMPT);
    const resp = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'A short answer about books.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 250, completion_tokens: 9, total_tokens: 259 } });
    const texts: LogTexts = [req, resp, null, '[{"provider":"mock","model":"m","ok":true,"ms":1.2}]'];
    const size = texts.reduce((n, t) => n + (t?.length ?? 0), 0);
    expect(packLog(texts).length).toBeLessThan(size / 2);
  });
});
