/**
 * o200k token counting speed: gpt-tokenizer's countTokens vs regex split + per-piece memo vs the hand-written
 * pre-tokenizer (runtime/router/pretokenize.ts) + per-piece memo.
 *
 *   npx tsx bench/tokens.bench.ts
 *
 * Texts are cut from real corpora in node_modules (all devDependencies of this repo):
 *   English prose — sentences from the README.md files of the packages package.json names,
 *   Chinese prose — TypeScript's zh-cn diagnostic messages (Chinese technical text),
 *   prose en+zh   — the two interleaved line by line,
 *   code          — TypeScript declarations (typescript/lib/lib.es5.d.ts … lib.dom.d.ts).
 * Every run gets a different prefix ("Request 1017: …"), so nothing can answer from a whole-text cache. Two bodies:
 *   same  — the same window each run (steady state: the piece memo and the library's merge cache are warm);
 *   fresh — the next window of the corpus each run, wrapping around (many pieces are new to the memo).
 * A last table empties the piece memo before every text (worst case: a fresh process, or just after eviction).
 * Figures are medians over bounded runs, in µs per KB of UTF-8; the methods take turns on each text so that load
 * from other processes hits them alike. Every count is checked against countTokens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { clearPieceCache, countTokensExact } from '../runtime/router/pretokenize.ts';
import { percentile } from './stats.ts';

const NM = fileURLToPath(new URL('../node_modules/', import.meta.url));

function readmeProse(): string[] {
  // READMEs of the packages package.json names (stable; the rest of node_modules may change under us)
  const pkg = JSON.parse(readFileSync(join(NM, '../package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].sort();
  const lines: string[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = readFileSync(join(NM, name, 'README.md'), 'utf8');
    } catch {
      continue;
    }
    let inCode = false;
    for (const line of text.split('\n')) {
      if (line.startsWith('```')) inCode = !inCode;
      // sentences, not tables, badges or code
      if (!inCode && line.length > 60 && /^[A-Za-z*_`"(]/.test(line) && !line.includes('](http')) lines.push(line);
    }
  }
  return lines;
}

function chineseLines(): string[] {
  const msgs = JSON.parse(readFileSync(join(NM, 'typescript/lib/zh-cn/diagnosticMessages.generated.json'), 'utf8')) as Record<string, string>;
  return Object.values(msgs).filter((m) => /[\u4e00-\u9fff]{4}/.test(m));
}

function proseCorpus(): string {
  const en = readmeProse();
  const zh = chineseLines();
  const out: string[] = [];
  // roughly half the bytes each: a Chinese message is ~60 bytes, an English line ~120
  for (let i = 0, j = 0; i < en.length || j < zh.length; ) {
    if (i < en.length) out.push(en[i++]);
    for (let k = 0; k < 2 && j < zh.length; k++) out.push(zh[j++]);
  }
  return out.join('\n');
}

function codeCorpus(): string {
  const lib = join(NM, 'typescript/lib');
  return ['lib.es5.d.ts', 'lib.es2015.core.d.ts', 'lib.es2015.collection.d.ts', 'lib.dom.d.ts']
    .map((f) => readFileSync(join(lib, f), 'utf8'))
    .join('\n');
}

/** About `kb` KB of UTF-8 from `corpus` starting at `from` (wrapping), cut at a line boundary. */
function window(corpus: string, from: number, kb: number): string {
  let s = corpus.indexOf('\n', from % corpus.length) + 1;
  if (s <= 0 || s >= corpus.length - 1) s = 0;
  let out = '';
  while (Buffer.byteLength(out, 'utf8') < kb * 1024) {
    const take = Math.max(64, kb * 1024 - Buffer.byteLength(out, 'utf8'));
    out += corpus.slice(s, s + take);
    s += take;
    if (s >= corpus.length) s = 0;
  }
  // trim bytes overshoot (CJK is 3 bytes per char)
  while (Buffer.byteLength(out, 'utf8') > kb * 1024) out = out.slice(0, out.length - Math.max(1, (Buffer.byteLength(out, 'utf8') - kb * 1024) >> 2));
  return out;
}

const splitCache = new Map<string, number>();
function regexSplitCount(text: string): number {
  let n = 0;
  for (const m of text.matchAll(O200K_TOKEN_SPLIT_REGEX)) {
    const piece = m[0];
    let c = splitCache.get(piece);
    if (c === undefined) {
      c = countTokens(piece);
      if (splitCache.size >= 100_000) splitCache.delete(splitCache.keys().next().value as string);
      splitCache.set(piece, c);
    }
    n += c;
  }
  return n;
}

const METHODS: [string, (t: string) => number][] = [
  ['countTokens', (t) => countTokens(t)],
  ['regex split + memo', regexSplitCount],
  ['scanner + memo', countTokensExact],
];

/**
 * Medians (µs per KB) of each method over the same texts. The methods take turns on every text, in rotating order,
 * so load from other processes hits them alike.
 */
function bench(corpus: string, kb: number, fresh: boolean, methods: [string, (t: string) => number][]): number[] {
  const runs = kb >= 100 ? 25 : kb >= 10 ? 80 : 300;
  const body = window(corpus, corpus.length >> 1, kb);
  // fresh: consecutive windows through the corpus (wrapping around when it is used up)
  const bodyAt = (i: number): string => (fresh ? window(corpus, Math.floor(i * kb * 1024 * 1.1), kb) : body);
  // A different prefix per run, so nothing can answer from a whole-text cache; texts prepared outside the timing.
  const texts = Array.from({ length: runs + 2 }, (_, i) => `Request ${i + 1000 * kb}: ${bodyAt(i)}`);
  const expected = texts.map((t) => countTokens(t));
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0) / texts.length;
  const times: number[][] = methods.map(() => []);
  const deadline = performance.now() + 20_000;
  for (let i = 0; i < texts.length && performance.now() < deadline; i++) {
    for (let k = 0; k < methods.length; k++) {
      const m = (i + k) % methods.length;
      const t0 = performance.now();
      const n = methods[m][1](texts[i]);
      const dt = performance.now() - t0;
      if (n !== expected[i]) throw new Error(`${methods[m][0]}: ${n} tokens, countTokens says ${expected[i]} (${kb} KB)`);
      if (i >= 2) times[m].push(dt); // the first two texts are warm-up
    }
  }
  return times.map((ts) => (percentile(ts.sort((a, b) => a - b), 50) * 1000) / (bytes / 1024));
}

const corpora: [string, string][] = [
  ['English prose', readmeProse().join('\n')],
  ['Chinese prose', chineseLines().join('\n')],
  ['prose en+zh', proseCorpus()],
  ['code (TS)', codeCorpus()],
];
for (const [name, c] of corpora) console.log(`${name}: corpus ${(Buffer.byteLength(c, 'utf8') / 1024).toFixed(0)} KB`);

// Warm the engines once so the first row does not carry JIT warm-up.
for (const [, c] of corpora) for (const [, fn] of METHODS) fn(window(c, 12345, 20));
clearPieceCache();

console.log('\nµs per KB (UTF-8), median; speed-up of the scanner over countTokens in brackets');
console.log(`${'text'.padEnd(28)}${METHODS.map(([m]) => m.padStart(20)).join('')}`);
for (const fresh of [false, true]) {
  for (const [name, corpus] of corpora) {
    for (const kb of [1, 10, 200]) {
      const r = bench(corpus, kb, fresh, METHODS);
      const label = `${name} ${kb} KB ${fresh ? 'fresh' : 'same'}`;
      console.log(`${label.padEnd(28)}${r.map((x) => x.toFixed(1).padStart(20)).join('')}   (×${(r[0] / r[2]).toFixed(1)})`);
    }
  }
}

// Worst case: the piece memo emptied before every text (a fresh process, or right after the memo was full).
console.log('\nscanner with the piece memo emptied before each text (fresh windows), µs per KB, median:');
const emptied: [string, (t: string) => number][] = [
  ['countTokens', (t) => countTokens(t)],
  ['scanner, empty memo', (t) => (clearPieceCache(), countTokensExact(t))],
];
for (const [name, corpus] of corpora.slice(2)) {
  for (const kb of [1, 10, 200]) {
    const r = bench(corpus, kb, true, emptied);
    console.log(`  ${`${name} ${kb} KB`.padEnd(24)} countTokens ${r[0].toFixed(1).padStart(6)}   scanner ${r[1].toFixed(1).padStart(6)}   (×${(r[0] / r[1]).toFixed(1)})`);
  }
}
console.log('\ntargets for the scanner (warm memo): ≤ 15 µs/KB at 1 KB, ≤ 10 µs/KB at 200 KB');
