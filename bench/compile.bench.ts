// npm run bench:compile — compile time of routes.gw and of a large generated policy, and decide() per request.
// Figures are medians over bounded runs; each is printed with a ratio against a baseline measured in the same run.
import { readFileSync } from 'node:fs';
import { loadPolicy } from '../compiler/load-policy.ts';
import { decide } from '../runtime/router/decide.ts';
import type { RouteRequest } from '../runtime/router/types.ts';
import { fmtMs, percentile, timeRuns } from './stats.ts';

const env = { ALIYUN_API_KEY: 'x', GROQ_API_KEY: 'x', SILICONFLOW_API_KEY: 'x', MOONSHOT_API_KEY: 'x', DEEPSEEK_API_KEY: 'x', OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'x' };
const median = (xs: number[]) => percentile(xs, 50);

function generatedPolicy(models: number, scenarios: number): string {
  const out: string[] = ['provider openai { key env OPENAI_API_KEY }', 'provider groq { key env GROQ_API_KEY }', ''];
  for (let i = 0; i < models; i++) {
    const free = i % 3 === 0;
    const p = free ? 'groq' : 'openai';
    out.push(
      free
        ? `model ${p}/m-${i} {\n  context ${8 + (i % 120)}k\n  speed ${100 + i}\n  free ${1 + (i % 9)}M tokens every ${['day', 'week', 'month'][i % 3]} at 00:00 Asia/Shanghai\n  limit ${30 + i} rpm\n}`
        : `model ${p}/m-${i} { context ${8 + (i % 120)}k  price ${(i % 7) + 0.5} / ${(i % 11) + 1}  can code tools }`,
    );
  }
  for (let s = 0; s < scenarios - 1; s++) {
    const a = (s * 5) % models;
    const b = (a + 3) % models;
    out.push(
      `scenario s${s} when text ~ /topic${s}\\b|主题${s}/i and not has image or tokens > ${10 + s}k {\n  paid openai/m-${(a + 1) % models === 0 ? 1 : a % 3 === 0 ? a + 1 : a}\n  free groq/m-${a - (a % 3)}, groq/m-${b - (b % 3)}\n  willingness ${s % 101}%\n  rank ${['expiry', 'speed', 'capability', 'cost'][s % 4]}\n}`,
    );
  }
  out.push('scenario chat {\n  paid openai/m-1\n  free any\n  willingness 30%\n}');
  out.push('fallback openai/m-1 -> openai/m-2');
  return `${out.join('\n')}\n`;
}

function compileFigure(label: string, text: string) {
  const check = loadPolicy({ text, file: 'routes.gw', env });
  if (!check.table) throw new Error(`${label} did not compile: ${check.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
  const times = timeRuns(() => loadPolicy({ text, file: 'routes.gw', env }), { warmup: 3, maxRuns: 50, maxMs: 8000 });
  const json = JSON.stringify(check.table);
  const base = timeRuns(() => JSON.parse(json), { warmup: 3, maxRuns: 200, maxMs: 2000 });
  console.log(
    `compile ${label.padEnd(38)} ${(text.length / 1024).toFixed(1).padStart(6)} KB  median ${fmtMs(median(times)).padStart(10)}  p90 ${fmtMs(percentile(times, 90)).padStart(10)}  (${(median(times) / median(base)).toFixed(0)}× JSON.parse of its table)`,
  );
  return check.table;
}

console.log(`gw bench:compile — node ${process.version}, ${new Date().toISOString()}\n`);
const table = compileFigure('routes.gw', readFileSync(new URL('../routes.gw', import.meta.url), 'utf8'));
compileFigure('generated: 1,000 models, 200 scenarios', generatedPolicy(1000, 200));

const filler = 'Please review the quarterly numbers and summarise the trends. 请总结一下本季度的销售趋势和主要风险。 ';
/** A prompt of `bytes` UTF-8 bytes (cut at a character boundary): mixed English and Chinese prose. */
function prompt(bytes: number, salt: number): string {
  let s = `${salt} `;
  while (Buffer.byteLength(s) < bytes) s += filler;
  let out = Buffer.from(s).subarray(0, bytes).toString('utf8');
  while (Buffer.byteLength(out) > bytes || out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return out;
}
const now = Date.parse('2026-03-10T08:00:00Z');
// V8 optimizes decide() and its helpers only after a few thousand calls (the larger a function, the later): without a
// warm-up the first row would time that tier-up, not a request. Prompts of its own, none of them measured below.
for (let i = 0; i < 4000; i++) decide(table, { model: 'auto', messages: [{ role: 'user', content: prompt(1024, 1_000_000 + i) }] }, {}, now, 0.5);
console.log('\ndecide() per request (routes.gw, model "auto"); cold = a new prompt every call, warm = the same prompt again');
let perKbSmall = 0;
for (const size of [1024, 10 * 1024, 200 * 1024]) {
  const runs = size > 100_000 ? 60 : 2000;
  const prompts = Array.from({ length: runs + 5 }, (_, i) => prompt(size, i));
  const reqs: RouteRequest[] = prompts.map((p) => ({ model: 'auto', messages: [{ role: 'user', content: p }] }));
  const bodies = reqs.map((r) => JSON.stringify(r));
  const cold = timeRuns((i) => decide(table, reqs[i < 0 ? runs - i : i], {}, now, 0.5), { warmup: 3, maxRuns: runs, maxMs: 8000 });
  const warm = timeRuns(() => decide(table, reqs[0], {}, now, 0.5), { warmup: 3, maxRuns: runs, maxMs: 4000 });
  const parse = timeRuns((i) => JSON.parse(bodies[i < 0 ? 0 : i]), { warmup: 3, maxRuns: runs, maxMs: 2000 });
  const perKb = median(cold) / (size / 1024);
  if (size === 1024) perKbSmall = perKb;
  console.log(
    `  ${String(size / 1024).padStart(4)} KB prompt: cold median ${fmtMs(median(cold)).padStart(10)} p99 ${fmtMs(percentile(cold, 99)).padStart(10)} · warm median ${fmtMs(median(warm)).padStart(9)} · ${fmtMs(perKb)}/KB (${(perKb / perKbSmall).toFixed(2)}× the 1 KB rate) · ${(median(cold) / median(parse)).toFixed(1)}× JSON.parse of the body`,
  );
}
