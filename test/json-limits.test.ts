import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anthropicPath, jsonLimitBreach, openaiPath, scanLimits } from '../runtime/server/json-limits.ts';

const L = (maxDepth: number, maxItems = 1e9) => ({ maxDepth, maxItems });

describe('jsonLimitBreach', () => {
  it('answers as the full scan does, whether its shortcut (few brackets, short text) applies or not', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 40 }), (text, maxDepth, maxItems) => {
        const limits = { maxDepth, maxItems };
        expect(jsonLimitBreach(text, limits)).toEqual(scanLimits(text, limits));
      }),
      { numRuns: 2000 },
    );
    expect(jsonLimitBreach('[[[]]]', L(2))).toEqual(scanLimits('[[[]]]', L(2)));
    expect(jsonLimitBreach('[[[]]]', L(2))?.kind).toBe('depth');
  });

  it('counts only brackets outside strings, escaped quotes included', () => {
    expect(jsonLimitBreach('{"a":"[[[[{{{{\\"[[[[\\\\","b":[1]}', L(2))).toBeNull();
    expect(jsonLimitBreach('{"a":"\\\\"}', L(1))).toBeNull();
  });

  it('names the path where the depth is passed', () => {
    const b = jsonLimitBreach('{"messages":[{"role":"user"},{"content":[[[1]]]}]}', L(4));
    expect(b).toEqual({ kind: 'depth', limit: 4, path: ['messages', 1, 'content', 0] });
    expect(openaiPath(b!.path)).toBe('messages[1].content[0]');
    expect(anthropicPath(b!.path)).toBe('messages.1.content.0');
  });

  it('decodes escaped keys and quotes odd ones', () => {
    const b = jsonLimitBreach('{"a\\"b":{"c d":[[]]}}', L(3));
    expect(b!.path).toEqual(['a"b', 'c d', 0]);
    expect(openaiPath(b!.path)).toBe('["a\\"b"]["c d"][0]');
  });

  it('counts array elements and object members', () => {
    expect(jsonLimitBreach('[1, 2, [], {}, {"a":1}]', L(10, 6))).toBeNull(); // 5 elements + 1 member
    expect(jsonLimitBreach('[1, 2, [], {}, {"a":1}]', L(10, 5))).toMatchObject({ kind: 'items' });
    expect(jsonLimitBreach('[ ]', L(10, 0))).toBeNull();
  });

  it('agrees with the real depth of any JSON value', () => {
    const depth = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, max) => {
        const text = JSON.stringify(v);
        const b = jsonLimitBreach(text, L(max));
        expect(b === null).toBe(depth(v) <= max);
      }),
      { numRuns: 300 },
    );
  });
});
