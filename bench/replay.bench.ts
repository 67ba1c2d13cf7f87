// npm run bench:replay — a month of 100,000 synthetic requests replayed under routes.gw (target ≤ 10 s on this
// machine), against the baseline of calling decide() alone on the same requests in the same run: what the replay's
// ledger, PII scan and request building add to the decisions themselves.
import { loadPolicy } from '../compiler/load-policy.ts';
import { decide } from '../runtime/router/decide.ts';
import { runReplay } from '../runtime/replay/replay.ts';
import { replayRouteRequest } from '../runtime/replay/route-request.ts';
import { parseMix, synthTraffic } from '../runtime/replay/synth.ts';
import { parseTraffic, trafficLineText } from '../runtime/replay/traffic.ts';

const N = Number(process.env.GW_BENCH_REPLAY_REQUESTS ?? 100_000);
const env = { ALIYUN_API_KEY: 'x', GROQ_API_KEY: 'x', SILICONFLOW_API_KEY: 'x', MOONSHOT_API_KEY: 'x', DEEPSEEK_API_KEY: 'x', OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'x' };
const table = loadPolicy({ path: new URL('../routes.gw', import.meta.url).pathname, file: 'routes.gw', env }).table!;

let t = performance.now();
const lines = [...synthTraffic({ days: 30, perDay: Math.ceil(N / 30), mix: parseMix('code=35%,chat=60%,tools=5%'), seed: 1, start: Date.UTC(2026, 10, 1) })].slice(0, N);
const text = lines.map(trafficLineText).join('\n');
const traffic = parseTraffic(text);
const prepMs = performance.now() - t;

t = performance.now();
for (const r of traffic) decide(table, replayRouteRequest(table, r), {}, r.t, 0.5);
const decideMs = performance.now() - t;

t = performance.now();
const run = runReplay(table, 'routes.gw', traffic);
const replayMs = performance.now() - t;

console.log(`traffic: ${traffic.length} requests over 30 days (${(text.length / 1e6).toFixed(1)} MB JSONL, generated and parsed in ${(prepMs / 1000).toFixed(2)} s)`);
console.log(`baseline, decide() alone on each request:  ${(decideMs / 1000).toFixed(2)} s  (${Math.round(traffic.length / (decideMs / 1000))} req/s)`);
console.log(`gw replay (ledger, quotas, budget, report): ${(replayMs / 1000).toFixed(2)} s  (${Math.round(traffic.length / (replayMs / 1000))} req/s) = ${(replayMs / decideMs).toFixed(2)}× decide alone; target ≤ 10 s`);
console.log(`replayed: spent $${run.spentUsd.toFixed(2)}, all paid $${run.allPaidUsd.toFixed(2)}, free tokens used ${run.freeTokensUsed}, expired unused ${run.freeTokensExpiredUnused}`);
