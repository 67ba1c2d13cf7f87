import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clearPieceCache,
  countTokensExact,
  MAX_PIECE,
  pieceCacheSize,
  pretokenize,
  setPieceCacheLimit,
} from '../runtime/router/pretokenize.ts';

const regexPieces = (s: string): string[] => s.match(O200K_TOKEN_SPLIT_REGEX) ?? [];

/** Fragments that exercise every branch of the pattern, joined in random order. */
const FRAGMENTS = [
  // ASCII letters, case runs, contractions (ASCII apostrophe only; ’ is punctuation)
  'a', 'A', 'word', 'Word', 'WORD', 'HTMLParser', 'iPhone', 'camelCase', 'snake_case', 'x',
  "I'M", "they'll", "it’s", "don't", "WE'VE", "you're", "'s", "'S", "'t", "'ll", "'Ll", "'ve", "'RE", "'d", "'m", "'", "''", "'x",
  's', 'S', 'll', 've', 're', 'd', 'm', 't',
  // digits, ASCII and not
  '1', '12', '123', '1234567', '٣٤٥', '²', 'Ⅻ', '𝟎𝟏', '①',
  // punctuation, slashes, symbols
  '.', ',', '!', '?', '...', '//', '/', '/*', '*/', '(', ')', '{', '}', '=>', '<', '>', '<|', '|>', '-', '_', '#', '$', '€', '©', '\u0000', '\u007f',
  // whitespace of every kind
  ' ', '  ', '   ', '\t', '\t\t', '\n', '\n\n', '\r', '\r\n', ' \n', '\n ', '\u000b', '\u000c', '\u00a0', '\u2003', '\u2028', '\u3000', '\ufeff', '\u0085', '\u180e',
  // non-ASCII letters: Latin-1, Greek, Cyrillic, titlecase, modifier letters
  'é', 'É', 'ß', 'Straße', 'ÅNGSTRÖM', 'Ωμέγα', 'Москва', 'ǅ', 'ǈa', 'ʰ', 'ʼ', 'ª',
  // CJK, kana, Hangul, fullwidth
  '中', '中文', '你好，世界。', '東京タワー', 'ひらがな', 'カタカナー', '한국어', '가', 'ＡＢＣ', 'ａｂｃ', '１２３', '！', '「', '」',
  // combining marks and other marks
  '\u0301', 'e\u0301', 'E\u0301\u0301', '\u0903', 'क्ष', '\u20dd', 'a\u0301b',
  // astral: emoji, ZWJ sequences, math letters, CJK extension B, lone surrogates
  '😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '𝐀', '𝐚', '𝔄𝔞', '𠀀', '\ud800', '\udc00', '\udbff\udbff',
];

const mixes = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 })), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

const arbitraries: [string, fc.Arbitrary<string>][] = [
  ['unicode graphemes', fc.string({ unit: 'grapheme', maxLength: 80 })],
  ['any code points (full unicode)', fc.string({ unit: 'binary', maxLength: 80 })],
  ['ASCII', fc.string({ unit: 'binary-ascii', maxLength: 80 })],
  ['code units incl. lone surrogates', fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((a) => String.fromCharCode(...a))],
  ['mixes of words, digits, punctuation, whitespace, CJK, emoji, marks, contractions', mixes],
];

describe('pretokenize', () => {
  for (const [name, arb] of arbitraries) {
    it(`gives the same pieces as O200K_TOKEN_SPLIT_REGEX on ${name}`, () => {
      fc.assert(
        fc.property(arb, (s) => {
          expect(pretokenize(s)).toEqual(regexPieces(s));
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('yields pieces that split into themselves again (so counting a piece on its own is counting it in context)', () => {
    fc.assert(
      fc.property(fc.oneof(...arbitraries.map(([, a]) => a)), (s) => {
        for (const piece of pretokenize(s)) expect(regexPieces(piece)).toEqual([piece]);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the regex on every code point, each in several contexts', () => {
    const ctx = ['a', 'A', "'s", ' ', '\n', '1', '!', '\u0301', 'ǅ', '中', 'ʰ', '  ', '\t'];
    for (let block = 0; block <= 0x10ffff; block += 0x1000) {
      // all of the BMP and planes 1–2 (CJK extensions, emoji, math letters), every 31st code point beyond
      const step = block < 0x30000 ? 1 : 31;
      let s = '';
      for (let cp = block; cp < block + 0x1000 && cp <= 0x10ffff; cp += step) {
        const ch = String.fromCodePoint(cp);
        s += ctx[cp % ctx.length] + ch + ctx[(cp >> 3) % ctx.length] + ch + ch + ctx[(cp >> 5) % ctx.length];
      }
      const got = pretokenize(s);
      const want = regexPieces(s);
      if (got.length !== want.length || got.some((p, k) => p !== want[k])) expect(got, `block ${block.toString(16)}`).toEqual(want);
    }
  });

  it('handles the edge cases of the pattern', () => {
    const cases = [
      '',
      'a',
      ' ',
      '\n',
      "I'M they'll it’s DON'T we've",
      'HELLO world HelloWorld HTMLParser',
      '   indented\n\n\tcode  \r\n  ',
      'x  \n  y',
      'trailing spaces   ',
      ' !!\n\n/ ok //\n/',
      '1234567 ٣٤٥٦ ²³',
      '中文abc ABC中文 中文。Hello',
      '\u0301\u0301 a\u0301 !\u0301 !!\u0301 \u0301\'s',
      '😀😀 a😀 👍🏽ok',
      '\ud800a \udc00b \ud800\ud800',
      "'s's 's",
    ];
    for (const s of cases) expect(pretokenize(s), JSON.stringify(s)).toEqual(regexPieces(s));
  });
});

const ENGLISH = `The gateway routes each request to the cheapest healthy provider. When a provider answers 429 or a 5xx error, it
falls back to the next candidate with exponential backoff, capped at thirty seconds. "It's simple," she said, "but they'll
need to watch the quotas: we've seen free tiers reset at midnight UTC, and some don't reset at all." I'M NOT SURE THAT'S
RIGHT, replied the reviewer — the docs (v2.14.3, updated 2024-01-15) say otherwise… Anyway, that's what the tests are for.
`;

const CHINESE = `网关会根据路由策略选择免费额度最多的模型。如果上游返回限流错误，就自动切换到下一个候选模型，并记录失败次数。
人工智能在医疗领域的应用越来越广泛，从影像诊断到药物研发，都出现了新的突破。这个函数的时间复杂度是 O(n log n)，
空间复杂度是 O(n)，在 100000 条数据上大约耗时 35 毫秒。「引号」和《书名号》也要正确处理；ＡＢＣ全角字母与１２３全角数字亦然。
`;

const ROOT = new URL('../', import.meta.url);
const CODE = readFileSync(fileURLToPath(new URL('node_modules/typescript/lib/lib.es5.d.ts', ROOT)), 'utf8').slice(0, 60_000);
const JSON_TEXT = JSON.stringify(
  {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: `${ENGLISH}\n${CHINESE}` },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    temperature: 0.2,
    max_tokens: 1024,
  },
  null,
  2,
);

function mixed(bytes: number): string {
  const parts = [ENGLISH, CHINESE, CODE.slice(0, 4000), JSON_TEXT, '👍🏽 emoji 😀 and e\u0301 marks\r\n'];
  let out = '';
  for (let i = 0; Buffer.byteLength(out, 'utf8') < bytes; i++) out += `${i} ${parts[i % parts.length]}\n\n`;
  return out;
}

describe('countTokensExact', () => {
  afterAll(() => setPieceCacheLimit(100_000));

  const texts: [string, string][] = [
    ['English prose', ENGLISH],
    ['Chinese prose', CHINESE],
    ['TypeScript code', CODE],
    ['JSON', JSON_TEXT],
    ['200 KB mixed text', mixed(200 * 1024)],
  ];
  for (const [name, text] of texts) {
    it(`equals countTokens on ${name}`, () => {
      clearPieceCache();
      expect(countTokensExact(text)).toBe(countTokens(text)); // cold memo
      expect(countTokensExact(text)).toBe(countTokens(text)); // warm memo
    });
  }

  it('equals countTokens on generated strings', () => {
    for (const [, arb] of arbitraries) {
      fc.assert(
        fc.property(arb, (s) => {
          expect(countTokensExact(s)).toBe(countTokens(s));
        }),
        { numRuns: 400 },
      );
    }
  });

  it('is 0 on the empty string, exact on single pieces up to MAX_PIECE and counts longer ones in chunks', () => {
    expect(countTokensExact('')).toBe(0);
    for (const s of ['中'.repeat(MAX_PIECE), ' '.repeat(MAX_PIECE), 'a'.repeat(MAX_PIECE), '!'.repeat(MAX_PIECE - 10) + '\n'.repeat(10), '1'.repeat(999), '-'.repeat(120)]) {
      expect(countTokensExact(s)).toBe(countTokens(s));
    }
    // longer unbroken runs: the sum of the library's counts of MAX_PIECE-long chunks (a surrogate pair never cut)
    const chunked = (s: string): number => {
      let n = 0;
      for (let i = 0; i < s.length; ) {
        let e = Math.min(s.length, i + MAX_PIECE);
        if (e < s.length && /[\ud800-\udbff]/.test(s[e - 1])) e--;
        n += countTokens(s.slice(i, e));
        i = e;
      }
      return n;
    };
    for (const s of ['中'.repeat(5000), 'a'.repeat(4000), '😀'.repeat(999), '!'.repeat(2000)]) {
      expect(countTokensExact(s)).toBe(chunked(s));
      expect(Math.abs(countTokensExact(s) - countTokens(s)) / countTokens(s)).toBeLessThan(0.02); // and close to it
    }
  });

  it('behaves like countTokens on special tokens (throws) and on look-alikes (counts)', () => {
    expect(() => countTokens('say <|endoftext|> now')).toThrow();
    expect(() => countTokensExact('say <|endoftext|> now')).toThrow();
    for (const s of ['a <|notspecial|> b', 'x <| y |> z', '<|', '|>']) expect(countTokensExact(s)).toBe(countTokens(s));
  });

  it('keeps the per-piece memo bounded and stays exact while evicting', () => {
    setPieceCacheLimit(64);
    const text = mixed(30 * 1024); // thousands of distinct pieces
    expect(countTokensExact(text)).toBe(countTokens(text));
    expect(pieceCacheSize()).toBeGreaterThan(0);
    expect(pieceCacheSize()).toBeLessThanOrEqual(64);
    expect(countTokensExact(text)).toBe(countTokens(text));
    expect(pieceCacheSize()).toBeLessThanOrEqual(64);
    clearPieceCache();
    expect(pieceCacheSize()).toBe(0);
    setPieceCacheLimit(100_000);
    countTokensExact(text);
    const distinct = new Set(pretokenize(text).filter((p) => p.length > 1 || p.charCodeAt(0) >= 128)).size;
    expect(pieceCacheSize()).toBe(distinct);
  });
});
