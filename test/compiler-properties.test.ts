import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { KEYWORDS } from '../compiler/lexer.ts';
import { loadPolicy } from '../compiler/load-policy.ts';
import { lineCol, type Loc } from '../compiler/source.ts';

/**
 * Whatever text it is given, `loadPolicy` never throws, returns a table or at least one error, and every location it
 * reports lies inside the text it returns (and agrees with that text's line/column count).
 */
const EXAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'routes.gw'), 'utf8');
const ENV = { GROQ_API_KEY: 'x', OPENAI_API_KEY: 'x' };
const RUNS = Number(process.env.RUNS ?? 400);

function checkLoc(text: string, loc: Loc, what: string): void {
  expect(loc.line, what).toBeGreaterThanOrEqual(1);
  expect(loc.col, what).toBeGreaterThanOrEqual(1);
  expect(loc.offset, what).toBeGreaterThanOrEqual(0);
  expect(loc.offset, what).toBeLessThanOrEqual(text.length);
  expect(loc.endOffset, what).toBeGreaterThanOrEqual(loc.offset);
  expect(loc.endOffset, what).toBeLessThanOrEqual(text.length + 1); // a caret just past the last character
  expect({ line: loc.line, col: loc.col }, what).toEqual(lineCol(text, loc.offset));
}

function holds(input: string): void {
  let r: ReturnType<typeof loadPolicy>;
  try {
    r = loadPolicy({ text: input, file: 'routes.gw', env: ENV });
  } catch (e) {
    throw new Error(`loadPolicy threw on ${JSON.stringify(input)}: ${(e as Error).stack}`);
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  // a table or an error, never both, never neither
  expect(r.table !== undefined, JSON.stringify(input)).toBe(errors.length === 0);
  // no internal errors: the schema validation must accept whatever the checks let through
  expect(r.diagnostics.filter((d) => d.code === 'GW900')).toEqual([]);
  for (const d of r.diagnostics) {
    const what = `${d.code} ${d.message} in ${JSON.stringify(input)}`;
    checkLoc(r.text, d.loc, what);
    for (const n of d.notes) if (n.loc) checkLoc(r.text, n.loc, `note of ${what}`);
  }
  const offsets = r.diagnostics.map((d) => d.loc.offset);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  // rendering never throws either
  formatReport(r.diagnostics, r.text);
}

// ---- token soups ---------------------------------------------------------------------------------------------------
const PUNCTUATION = ['{', '}', '(', ')', ',', '->', '~', '>', '>=', '<', '<=', '=', '/'];
const LITERALS = [
  '"text"',
  '"https://api.example.com/v1"',
  '"unterminated',
  '""',
  '/re/i',
  '/```|\\bdef /',
  '/(/',
  '//',
  '0',
  '3',
  '8k',
  '1M',
  '0.15',
  '70%',
  '120%',
  '500ms',
  '3s',
  '10m',
  '24h',
  '7d',
  '8kb',
  '2026-12-31',
  '2026-02-30',
  '00:00',
  '24:00',
  'UTC',
  'Asia/Shanghai',
  'openai/gpt-4o-mini',
  'groq/llama-3.1-8b-instant',
  'ollama/qwen2.5:7b',
  'siliconflow/Qwen/Qwen2.5-7B-Instruct',
  'nobody/x',
  'chat',
  'code',
  'rpm',
  'tpm',
  'expiry',
  'image',
  'phone',
  'network',
  'free_only',
  'ENV_VAR',
  '# a comment',
  ';',
  '@',
  '\u00e9',
  '代码',
];
const SEPARATORS = [' ', ' ', ' ', '\n', '\n', '', '\t', '\r\n', '  '];
const token = fc.constantFrom(...KEYWORDS, ...PUNCTUATION, ...LITERALS);
const soup = fc
  .array(fc.tuple(token, fc.constantFrom(...SEPARATORS)), { maxLength: 60 })
  .map((parts) => parts.map(([t, s]) => t + s).join(''));

/** Soups shaped like declarations: a keyword, a few words, and a block of statement-like lines. */
const statement = fc.array(token, { minLength: 1, maxLength: 5 }).map((ws) => ws.join(' '));
const declaration = fc
  .tuple(fc.constantFrom('gateway', 'provider', 'model', 'scenario', 'pii', 'retry', 'fallback', 'budget', 'alert'), fc.array(token, { maxLength: 4 }), fc.option(fc.array(statement, { maxLength: 5 })))
  .map(([kw, words, body]) => `${kw} ${words.join(' ')}${body ? ` {\n  ${body.join('\n  ')}\n}` : ''}`);
const structuredSoup = fc.array(declaration, { maxLength: 8 }).map((ds) => ds.join('\n'));

// ---- mutations of the example policy ------------------------------------------------------------------------------
type Mutation = (text: string) => string;
const at = (text: string, f: number) => Math.floor(f * (text.length + 1));
/** a uniform position in [0, 1): fast-check's default bias would cluster every edit at the start or end of the file */
const unit = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
const insertion = fc.oneof(token, fc.string({ maxLength: 3 }), fc.constantFrom('{', '}', '"', '/', '\n', '#', '~'));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // delete a range of characters
  fc.tuple(unit, fc.integer({ min: 1, max: 20 })).map(([f, n]): Mutation => (t) => t.slice(0, at(t, f)) + t.slice(at(t, f) + n)),
  // insert a token or a few characters
  fc.tuple(unit, insertion).map(([f, s]): Mutation => (t) => t.slice(0, at(t, f)) + s + t.slice(at(t, f))),
  // swap two characters
  fc.tuple(unit, unit).map(([f, g]): Mutation => (t) => {
    const [i, j] = [Math.min(at(t, f), t.length - 1), Math.min(at(t, g), t.length - 1)];
    if (i < 0 || j < 0) return t;
    const a = [...t];
    [a[i], a[j]] = [a[j], a[i]];
    return a.join('');
  }),
  // swap, drop or duplicate whole lines
  fc.tuple(unit, unit, fc.constantFrom('swap', 'drop', 'dup')).map(([f, g, op]): Mutation => (t) => {
    const lines = t.split('\n');
    const i = Math.floor(f * lines.length);
    const j = Math.floor(g * lines.length);
    if (op === 'swap') [lines[i], lines[j]] = [lines[j], lines[i]];
    else if (op === 'drop') lines.splice(i, 1);
    else lines.splice(j, 0, lines[i]);
    return lines.join('\n');
  }),
);
const mutated = fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => ms.reduce((t, m) => m(t), EXAMPLE));

describe('loadPolicy on arbitrary input', () => {
  it('the unmutated example compiles', () => {
    const r = loadPolicy({ text: EXAMPLE, file: 'routes.gw', env: ENV });
    expect(r.table).toBeDefined();
    holds(EXAMPLE);
  });

  it('edge cases', () => {
    for (const t of ['', '\n', '\r\n', '\uFEFF', '\uFEFFscenario chat { free any }', '}', '{', '"', '/', '~', '#', 'scenario', 'scenario chat {', 'model a/b { context 8k', '\r', 'a\rb'])
      holds(t);
  });

  it('arbitrary ASCII strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), holds), { numRuns: RUNS });
  });

  it('arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), holds), { numRuns: RUNS });
  });

  it('token soups from the language', () => {
    fc.assert(fc.property(soup, holds), { numRuns: RUNS });
  });

  it('declaration-shaped token soups', () => {
    fc.assert(fc.property(structuredSoup, holds), { numRuns: RUNS });
  });

  it('random mutations of the example policy', () => {
    fc.assert(fc.property(mutated, holds), { numRuns: RUNS });
  });
});
