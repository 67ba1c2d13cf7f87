/**
 * Worst-case work per request (issue 10): for each input shape the pre-tokenizer does not split, 1 MB of it, the
 * longest the event loop is held by the request's token count (runtime/router/tokens.ts countTexts) and by its PII
 * scan (every detector), against counting a normal 1 KB prompt in the same run.
 *
 *   npm run bench:worst
 *
 * Each 1 MB figure is the worst of a bounded number of runs, the piece memo emptied before each (a cold process).
 */
import { detectAllPii } from '../runtime/pii/detect.ts';
import { clearPieceCache } from '../runtime/router/pretokenize.ts';
import { countTexts } from '../runtime/router/tokens.ts';
import { worstShapes } from '../test/helpers/worst-shapes.ts';

const RUNS = 3;

function worst(f: () => unknown, cold = true): number {
  let max = 0;
  for (let i = 0; i < RUNS; i++) {
    if (cold) clearPieceCache();
    const t0 = performance.now();
    f();
    max = Math.max(max, performance.now() - t0);
  }
  return max;
}

const normal = 'Please review this function and suggest a clearer name for it. 请帮我看看这个函数。 const total = items.reduce((a, b) => a + b, 0);\n';
const oneKb = normal.repeat(Math.ceil(1024 / Buffer.byteLength(normal))).slice(0, 1024);
worst(() => countTexts([oneKb]), false); // warm the JIT and the memo
const samples: number[] = [];
for (let i = 0; i < 200; i++) {
  const t0 = performance.now();
  countTexts([oneKb]);
  samples.push(performance.now() - t0);
}
const base = samples.sort((a, b) => a - b)[100];
console.log(`normal 1 KB prompt: count ${base.toFixed(3)} ms, warm memo, median of 200 (baseline)`);
console.log('shape (1 MB)            count ms   × 1 KB   exact chars   PII scan ms');
for (const [shape, text] of Object.entries(worstShapes(1 << 20))) {
  const c = countTexts([text]);
  const t = worst(() => countTexts([text]));
  const p = worst(() => detectAllPii(text));
  console.log(`${shape.padEnd(22)} ${t.toFixed(1).padStart(9)} ${(t / base).toFixed(0).padStart(8)}   ${String(c.exactChars).padStart(11)}   ${p.toFixed(1).padStart(11)}`);
}
