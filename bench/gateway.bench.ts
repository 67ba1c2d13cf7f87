/**
 * Gateway overhead bench: gw versus calling the upstream directly, and versus the Portkey gateway.
 *
 *   npm run bench                      (GW_BENCH_SECONDS=10 per target; GW_BENCH_PROF=1 profiles the gw child)
 *
 * Everything runs on 127.0.0.1, each server in its own process: a fast mock OpenAI upstream
 * (bench/mock-upstream.ts), `gw serve` on a small realistic policy, and `@portkey-ai/gateway`. autocannon
 * (10 connections, a short warm-up, then a timed run) drives: the mock directly, gw (`model: "auto"`, JSON and
 * streamed), Portkey (JSON) and gw's `/v1/responses` (JSON and streamed, translated to the chat-only mock: its
 * throughput, CPU per request and first-event time against chat completions through the same gw). Then 200 sequential fetches measure the time to the first SSE `data:` frame,
 * directly and through gw. Latency percentiles come from every response time (sub-millisecond), not from
 * autocannon's whole-millisecond histogram. GW_BENCH_BASELINE=DIR also runs another checkout's gw, alone and then paired
 * with this one (both loaded at once, so the machine's other load weighs on both alike). gw (and the baseline) run with --trace-gc: the bench reads each collection of
 * their main thread and prints GC time and heap allocated per request (bench/gc-trace.ts). Exit code 0 even when a
 * target is missed; 1 if something could not run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { cpuMs, rssMb, freePort, killAllNow, spawnChild, stopAll, waitForHttp, waitForLine, type Child } from './children.ts';
import { summarize } from './cpuprofile-top.ts';
import { GcTrace } from './gc-trace.ts';
import { BENCH_PROMPT, BENCH_RESPONSES_PROMPT, benchPolicy } from './prompt.ts';
import { median, sequential, type Sequential } from './ttfb.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.GW_BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 10;
const SEQUENTIAL = 200;
const PROFILE = process.env.GW_BENCH_PROF === '1';
/** GW_BENCH_RSS_REQUESTS=N: after the timed runs, N more requests through gw, its RSS sampled along the way */
const RSS_REQUESTS = Number(process.env.GW_BENCH_RSS_REQUESTS ?? 0);
const DEADLINE_MS = 270_000 + RSS_REQUESTS * 2;

const PROMPT = BENCH_PROMPT;
const BODY = JSON.stringify(PROMPT);
const STREAM_BODY = JSON.stringify({ ...PROMPT, stream: true });
const RESPONSES_BODY = JSON.stringify(BENCH_RESPONSES_PROMPT);
const RESPONSES_STREAM_BODY = JSON.stringify({ ...BENCH_RESPONSES_PROMPT, stream: true });
const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer x' };

const policy = (mockPort: number) => benchPolicy(`http://127.0.0.1:${mockPort}/v1`);

interface Load {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  firstError?: string;
  /** performance.now() at the start and end of the measured run (after the warm-up) */
  from: number;
  to: number;
  /** CPU used during the measured run, in % of one core: the load generator (this process), the mock, the gateway */
  cpu: { bench: number; mock: number; proxy: number };
}

function runCannon(url: string, body: string, headers: Record<string, string>, seconds: number, onResponse?: (ms: number) => void, onError?: (e: Error) => void) {
  return new Promise<Result>((resolve, reject) => {
    const inst = autocannon({ url, method: 'POST', body, headers, connections: CONNECTIONS, duration: seconds, timeout: 10 }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
    if (onResponse) inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => status < 300 && onResponse(ms));
    if (onError) inst.on('reqError', onError);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

async function load(name: string, url: string, body: string, headers: Record<string, string>, mock: Child, proxy?: Child): Promise<Load> {
  process.stdout.write(`  ${name} … `);
  await runCannon(url, body, headers, WARMUP_SECONDS);
  const times: number[] = [];
  let firstError: string | undefined;
  const cpu0 = { bench: process.cpuUsage(), mock: cpuMs(mock), proxy: proxy ? cpuMs(proxy) : NaN };
  const from = performance.now();
  const r = await runCannon(url, body, headers, SECONDS, (ms) => times.push(ms), (e) => (firstError ??= e.message));
  const to = performance.now();
  const benchUs = process.cpuUsage(cpu0.bench);
  const share = (ms: number) => (100 * ms) / (to - from);
  const cpu = { bench: share((benchUs.user + benchUs.system) / 1000), mock: share(cpuMs(mock) - cpu0.mock), proxy: proxy ? share(cpuMs(proxy) - cpu0.proxy) : NaN };
  times.sort((a, b) => a - b);
  const l: Load = { name, rps: r.requests.average, p50: pct(times, 50), p99: pct(times, 99), non2xx: r.non2xx, errors: r.errors + r.timeouts, firstError, from, to, cpu };
  process.stdout.write(`${Math.round(l.rps)} req/s\n`);
  return l;
}

const RESPONSE_ROUNDS = 4;
const RESPONSE_ROUND_SECONDS = 2;

interface Tally {
  requests: number;
  ms: number;
  cpuMs: number;
  failed: number;
}

/** Targets of one gateway measured in interleaved rounds (A B … then … B A), after a warm-up each: totals per target. */
async function interleaved(targets: { url: string; body: string }[], proxy: Child): Promise<Tally[]> {
  const tally = targets.map(() => ({ requests: 0, ms: 0, cpuMs: 0, failed: 0 }));
  for (const t of targets) await runCannon(t.url, t.body, JSON_HEADERS, 1);
  for (let round = 0; round < RESPONSE_ROUNDS; round++) {
    const order = targets.map((_, i) => (round % 2 === 0 ? i : targets.length - 1 - i));
    for (const i of order) {
      const cpu0 = cpuMs(proxy);
      const t0 = performance.now();
      const r = await runCannon(targets[i].url, targets[i].body, JSON_HEADERS, RESPONSE_ROUND_SECONDS);
      tally[i].ms += performance.now() - t0;
      tally[i].cpuMs += cpuMs(proxy) - cpu0;
      tally[i].requests += r.requests.total;
      tally[i].failed += r.non2xx + r.errors + r.timeouts;
    }
  }
  return tally;
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

const tmp = mkdtempSync(join(tmpdir(), 'gw-bench-')); // the policy and gw's state database
async function cleanUp(): Promise<void> {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const profDir = PROFILE ? mkdtempSync(join(tmpdir(), 'gw-bench-prof-')) : ''; // kept: open it in Chrome DevTools
  try {
    console.log(`gw gateway bench — ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per target, ${BODY.length} B body, node ${process.version}, ${availableParallelism()} CPUs`);
    const load1 = loadavg()[0];
    if (load1 > availableParallelism() / 2)
      console.log(`  ⚠ load average ${load1.toFixed(2)} before the start: other processes compete for the CPUs, expect noisy figures`);
    if (PROFILE) console.log('  (GW_BENCH_PROF=1: gw runs under --cpu-prof and is slower; read its profile for shares, not its figures)');

    const mock = spawnChild('mock upstream', ['dist/mock-upstream.js'], { cwd: ROOT });
    const mockPort = Number((await waitForLine(mock, /listening (\d+)/))[1]);
    const direct = `http://127.0.0.1:${mockPort}/v1/chat/completions`;

    const policyPath = join(tmp, 'routes.gw');
    writeFileSync(policyPath, policy(mockPort));
    const gwPort = await freePort();
    const prof = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
    const gwStarted = performance.now();
    const gw = spawnChild('gw', [...prof, '--trace-gc', 'bin/gw.js', 'serve', '--config', policyPath, '--port', String(gwPort)], { cwd: ROOT, env: { MOCK_KEY: 'sk-bench-mock' } });
    const gwGc = new GcTrace(gw.proc.stdout!);
    await waitForHttp(gw, `http://127.0.0.1:${gwPort}/health`);
    const rssStart = rssMb(gw);
    const viaGw = `http://127.0.0.1:${gwPort}/v1/chat/completions`;
    const viaGwResponses = `http://127.0.0.1:${gwPort}/v1/responses`;

    const pkPort = await freePort();
    const pkBin = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
    const portkey = spawnChild('portkey', ['--import', './bench/loopback-only.mjs', pkBin, `--port=${pkPort}`, '--headless'], { cwd: ROOT });
    const viaPortkey = `http://127.0.0.1:${pkPort}/v1/chat/completions`;
    const pkHeaders = { ...JSON_HEADERS, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${mockPort}/v1` };
    await waitForHttp(portkey, viaPortkey, { method: 'POST', body: BODY, headers: pkHeaders });

    console.log('load (autocannon):');
    const loads = [
      await load('direct → mock, JSON', direct, BODY, JSON_HEADERS, mock),
      await load('direct → mock, stream', direct, STREAM_BODY, JSON_HEADERS, mock),
      await load('gw, JSON (model auto)', viaGw, BODY, JSON_HEADERS, mock, gw),
      await load('gw, stream (model auto)', viaGw, STREAM_BODY, JSON_HEADERS, mock, gw),
      await load('Portkey, JSON', viaPortkey, BODY, pkHeaders, mock, portkey),
    ];
    const [dJson, , gJson, gStream, pJson] = loads;
    // the Responses API through the same gw to the same chat-only mock, against chat completions: interleaved rounds
    // (A B B A …) so that load from other processes falls on both alike
    process.stdout.write(`  responses vs chat through gw, ${RESPONSE_ROUNDS} interleaved rounds of ${RESPONSE_ROUND_SECONDS} s … `);
    const [cJ, rJ, cS, rS] = await interleaved(
      [
        { url: viaGw, body: BODY },
        { url: viaGwResponses, body: RESPONSES_BODY },
        { url: viaGw, body: STREAM_BODY },
        { url: viaGwResponses, body: RESPONSES_STREAM_BODY },
      ],
      gw,
    );
    process.stdout.write('done\n');

    console.log(`sequential (fetch, one at a time, ${SEQUENTIAL} requests after 20 warm-up):`);
    const seq = async (url: string, body: string): Promise<Sequential> => {
      await sequential(url, body, JSON_HEADERS, 20);
      return sequential(url, body, JSON_HEADERS, SEQUENTIAL);
    };
    const sDirect = await seq(direct, STREAM_BODY);
    const sGw = await seq(viaGw, STREAM_BODY);
    const jDirect = await seq(direct, BODY);
    const jGw = await seq(viaGw, BODY);
    const sResp = await seq(viaGwResponses, RESPONSES_STREAM_BODY);
    let rssRun = '';
    if (RSS_REQUESTS > 0) {
      process.stdout.write(`  gw RSS over ${RSS_REQUESTS} more requests (JSON, ${CONNECTIONS} connections) … `);
      const samples = [rssMb(gw)];
      const timer = setInterval(() => samples.push(rssMb(gw)), 5000);
      const t0 = performance.now();
      await new Promise<Result>((resolve, reject) =>
        autocannon({ url: viaGw, method: 'POST', body: BODY, headers: JSON_HEADERS, connections: CONNECTIONS, amount: RSS_REQUESTS, timeout: 10 }, (err, r) => (err ? reject(err) : resolve(r))),
      );
      clearInterval(timer);
      samples.push(rssMb(gw));
      // a leak shows as a live heap that grows from one full collection to the next; garbage waiting for the next one
      // (RSS that rises and falls) does not
      const full = gwGc.events.filter((e) => e.kind === 'mark-compact' && e.at >= t0);
      const live = full.length ? `; live heap after its mark-compacts ${full.map((e) => e.afterMb.toFixed(0)).join(' → ')} MB` : '';
      rssRun = `    gw RSS over ${RSS_REQUESTS} requests (${((performance.now() - t0) / 1000).toFixed(0)} s): ${samples.map((m) => m.toFixed(0)).join(' → ')} MB (every 5 s)${live}`;
      process.stdout.write('done\n');
    }
    const rssEnd = rssMb(gw);
    const served = (await (await fetch(`http://127.0.0.1:${gwPort}/stats`)).json()) as { requests24h: number };

    // GW_BENCH_TSX=1: the same gateway run from the TypeScript sources through tsx (as before the compiled build), for
    // the compiled build's ratio in the same run.
    if (process.env.GW_BENCH_TSX === '1') {
      const tsxPort = await freePort();
      const viaTsx = spawnChild('gw from sources (tsx)', ['--import', 'tsx', 'cli/gw.ts', 'serve', '--config', policyPath, '--port', String(tsxPort)], { cwd: ROOT, env: { MOCK_KEY: 'sk-bench-mock' } });
      await waitForHttp(viaTsx, `http://127.0.0.1:${tsxPort}/health`, {}, 60_000);
      loads.push(await load('gw from sources (tsx), JSON', `http://127.0.0.1:${tsxPort}/v1/chat/completions`, BODY, JSON_HEADERS, mock, viaTsx));
      await viaTsx.stop(5000);
    }

    // GW_BENCH_BASELINE=DIR: the same gateway from another checkout's compiled build (DIR/bin/gw.js, built), with its
    // own state, for a before/after ratio of a change measured in the same run.
    const baselineDir = process.env.GW_BENCH_BASELINE;
    let gBase: Load | null = null;
    let baseGc: GcTrace | null = null;
    let paired: { gw: number; base: number; gwRps: number; baseRps: number; bad: number } | null = null;
    if (baselineDir) {
      const baseTmp = join(tmp, 'baseline');
      mkdirSync(baseTmp, { recursive: true });
      const basePolicy = join(baseTmp, 'routes.gw');
      writeFileSync(basePolicy, policy(mockPort));
      const basePort = await freePort();
      const base = spawnChild('gw baseline', ['--trace-gc', join(baselineDir, 'bin/gw.js'), 'serve', '--config', basePolicy, '--port', String(basePort)], { cwd: baselineDir, env: { MOCK_KEY: 'sk-bench-mock' } });
      baseGc = new GcTrace(base.proc.stdout!);
      await waitForHttp(base, `http://127.0.0.1:${basePort}/health`);
      gBase = await load('gw baseline, JSON', `http://127.0.0.1:${basePort}/v1/chat/completions`, BODY, JSON_HEADERS, mock, base);
      loads.push(gBase);
      // paired: both gateways loaded at once over the same seconds (each by its own autocannon), so whatever else runs
      // on the machine weighs on both alike; their CPU per request is the steadier before/after figure
      process.stdout.write('  paired: gw and the baseline at once, JSON … ');
      const c0 = { gw: cpuMs(gw), base: cpuMs(base) };
      const t0 = performance.now();
      const [rGw, rBase] = await Promise.all([
        runCannon(viaGw, BODY, JSON_HEADERS, SECONDS),
        runCannon(`http://127.0.0.1:${basePort}/v1/chat/completions`, BODY, JSON_HEADERS, SECONDS),
      ]);
      const secs = (performance.now() - t0) / 1000;
      const perReq = (ms: number, r: Result) => (ms * 1000) / Math.max(1, r.requests.total);
      paired = { gw: perReq(cpuMs(gw) - c0.gw, rGw), base: perReq(cpuMs(base) - c0.base, rBase), gwRps: rGw.requests.total / secs, baseRps: rBase.requests.total / secs, bad: rGw.non2xx + rGw.errors + rBase.non2xx + rBase.errors };
      process.stdout.write(`${Math.round(paired.gwRps)} + ${Math.round(paired.baseRps)} req/s\n`);
      await base.stop(5000);
    }

    // The ledger's cost: the same gateway with its state in memory and request logs off, against the run above
    // (state on disk, full logs on: the default).
    const bareDir = join(tmp, 'bare');
    mkdirSync(bareDir, { recursive: true });
    const barePolicy = join(bareDir, 'routes.gw');
    writeFileSync(barePolicy, `gateway {\n  state ":memory:"\n  logs off\n}\n${policy(mockPort)}`);
    const barePort = await freePort();
    const bare = spawnChild('gw (no ledger on disk)', ['bin/gw.js', 'serve', '--config', barePolicy, '--port', String(barePort)], { cwd: ROOT, env: { MOCK_KEY: 'sk-bench-mock' } });
    await waitForHttp(bare, `http://127.0.0.1:${barePort}/health`);
    const gBare = await load('gw, JSON, ledger in memory, logs off', `http://127.0.0.1:${barePort}/v1/chat/completions`, BODY, JSON_HEADERS, mock, bare);
    loads.push(gBare);
    await bare.stop(5000);

    // Floors: the least any proxy costs here (bench/bare-proxy.ts: forward and pipe back, nothing else).
    const floors: Load[] = [];
    const floorSeq: { stream: Sequential; json: Sequential }[] = [];
    for (const mode of ['node', 'h3'] as const) {
      const fp = spawnChild(`bare ${mode} proxy`, ['dist/bare-proxy.js', mode, String(mockPort)], { cwd: ROOT });
      const url = `http://127.0.0.1:${Number((await waitForLine(fp, /listening (\d+)/))[1])}/v1/chat/completions`;
      floors.push(await load(`floor: bare ${mode === 'node' ? 'node:http' : 'h3'} proxy`, url, BODY, JSON_HEADERS, mock, fp));
      floorSeq.push({ stream: await seq(url, STREAM_BODY), json: await seq(url, BODY) });
      await fp.stop(5000);
    }
    loads.push(...floors);
    const [nodeFloor, h3Floor] = floors;

    const bad = loads.filter((l) => l.non2xx > 0 || l.errors > 0);
    const seqBad = [sDirect, sGw, jDirect, jGw, sResp].filter((s) => s.failures > 0);

    console.log(`\nresults (load average now ${loadavg()[0].toFixed(2)})`);
    const cpuCols = 'CPU %: autocannon  mock  gateway   gateway CPU µs/req';
    console.log(`  ${'target'.padEnd(26)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'non-2xx'.padStart(8)} ${'errors'.padStart(7)}   ${cpuCols}`);
    for (const l of loads) {
      const c = l.cpu;
      const perReq = Number.isFinite(c.proxy) ? Math.round((c.proxy * 10_000) / l.rps).toString() : '';
      const cpuText = `${f(c.bench, 0).padStart(16)} ${f(c.mock, 0).padStart(5)} ${(Number.isFinite(c.proxy) ? f(c.proxy, 0) : '').padStart(8)} ${perReq.padStart(20)}`;
      console.log(`  ${l.name.padEnd(26)} ${Math.round(l.rps).toString().padStart(8)} ${f(l.p50).padStart(8)} ${f(l.p99).padStart(8)} ${String(l.non2xx).padStart(8)} ${String(l.errors).padStart(7)}   ${cpuText}`);
    }

    const gwVsDirect = gJson.rps / dJson.rps;
    const gwVsPortkey = gJson.rps / pJson.rps;
    const addedP50 = gJson.p50 - dJson.p50;
    const ttfbDirect = median(sDirect.firstData);
    const ttfbGw = median(sGw.firstData);
    const ttfbAdded = ttfbGw - ttfbDirect;
    console.log('\ntargets');
    console.log(`  ${mark(gwVsDirect >= 0.25)} gw / direct throughput      ${(100 * gwVsDirect).toFixed(1)}%      (target ≥ 25%)`);
    console.log(`  ${mark(gwVsPortkey >= 4)} gw / Portkey throughput     ${f(gwVsPortkey)}×       (target ≥ 4×)`);
    console.log(`  ${mark(addedP50 <= 1)} gw added p50 under load     ${f(addedP50, 3)} ms  (target ≤ 1 ms; ${f(gJson.p50, 3)} vs ${f(dJson.p50, 3)} direct)`);
    console.log(`  ${mark(ttfbAdded <= 1)} gw added first-chunk time   ${f(ttfbAdded, 3)} ms  (target ≤ 1 ms; median ${f(ttfbGw, 3)} vs ${f(ttfbDirect, 3)} direct)`);
    console.log(`  ${mark(gJson.rps >= 0.5 * nodeFloor!.rps)} gw / node:http floor        ${(100 * gJson.rps / nodeFloor!.rps).toFixed(1)}%      (target ≥ 50%; CPU per request ${Math.round((gJson.cpu.proxy * 10_000) / gJson.rps)} µs vs ${Math.round((nodeFloor!.cpu.proxy * 10_000) / nodeFloor!.rps)} µs = ${f((gJson.cpu.proxy / gJson.rps) / (nodeFloor!.cpu.proxy / nodeFloor!.rps))}×)`);
    const streamCost = gStream.cpu.proxy / gStream.rps / (gJson.cpu.proxy / gJson.rps);
    console.log(`  ${mark(streamCost <= 1.3)} gw stream / JSON cost       ${f(streamCost)}×       (target ≤ 1.3×, CPU per request)`);
    // /v1/responses translated to the chat-only mock against /v1/chat/completions, same gw, same run
    const rps = (t: Tally) => (1000 * t.requests) / t.ms;
    const perReq = (t: Tally) => t.cpuMs / t.requests;
    const respThroughput = Math.min(rps(rJ) / rps(cJ), rps(rS) / rps(cS));
    const respFirst = median(sResp.firstData) - ttfbGw;
    console.log(
      `  ${mark(respThroughput >= 0.85)} gw responses / chat         ${(100 * respThroughput).toFixed(1)}%      (target ≥ 85% throughput, the lower of JSON ${Math.round(rps(rJ))} vs ${Math.round(rps(cJ))} req/s and stream ${Math.round(rps(rS))} vs ${Math.round(rps(cS))}; gw CPU per request ${f(perReq(rJ) / perReq(cJ))}× JSON, ${f(perReq(rS) / perReq(cS))}× stream)`,
    );
    if (rJ.failed + rS.failed + cJ.failed + cS.failed > 0) console.log(`    !!! responses vs chat: ${rJ.failed + rS.failed + cJ.failed + cS.failed} failed requests: not trustworthy`);
    console.log(`  ${mark(respFirst <= 0.3)} responses added first event  ${f(respFirst, 3)} ms  (target ≤ 0.3 ms; median ${f(median(sResp.firstData), 3)} vs ${f(ttfbGw, 3)} chat stream)`);
    if (gBase)
      console.log(`    gw / baseline (${baselineDir}): throughput ${f(gJson.rps / gBase.rps)}×, CPU per request ${f((gJson.cpu.proxy / gJson.rps) / (gBase.cpu.proxy / gBase.rps))}×; baseline / node:http floor ${(100 * gBase.rps / nodeFloor!.rps).toFixed(1)}%`);
    const gcLine = (trace: GcTrace, l: Load) => {
      const w = trace.window(l.from, l.to);
      const n = Math.max(1, l.rps * ((l.to - l.from) / 1000));
      return `${f((1000 * w.gcMs) / n, 1)} µs GC and ${f((w.allocatedMb * 1e6) / n / 1024, 1)} KB allocated per request (${w.scavenges} scavenges, ${w.markCompacts} mark-compacts)`;
    };
    console.log(`    gw GC (main thread, --trace-gc): JSON ${gcLine(gwGc, gJson)}; stream ${gcLine(gwGc, gStream)}`);
    if (gBase && baseGc) console.log(`    baseline GC: JSON ${gcLine(baseGc, gBase)}`);
    if (paired)
      console.log(`    paired run (gw and the baseline loaded at once, ${SECONDS} s): CPU per request gw ${Math.round(paired.gw)} µs, baseline ${Math.round(paired.base)} µs = ${f(paired.gw / paired.base)}×; ${Math.round(paired.gwRps)} vs ${Math.round(paired.baseRps)} req/s${paired.bad ? ` (${paired.bad} failed: not trustworthy)` : ''}`);
    const lastFull = [...gwGc.events].reverse().find((e) => e.kind === 'mark-compact');
    console.log(`    gw RSS: ${f(rssStart, 1)} MB after start, ${f(rssEnd, 1)} MB after ${served.requests24h} requests${lastFull ? ` (live heap ${f(lastFull.afterMb, 1)} MB after its last mark-compact)` : ''}`);
    if (rssRun) console.log(rssRun);
    console.log(`    (floors, same run: a bare node:http proxy does ${Math.round(nodeFloor!.rps)} req/s = ${(100 * nodeFloor!.rps / dJson.rps).toFixed(1)}% of direct, a bare h3 proxy ${Math.round(h3Floor!.rps)} req/s = ${(100 * h3Floor!.rps / dJson.rps).toFixed(1)}%; gw is at ${(100 * gJson.rps / h3Floor!.rps).toFixed(0)}% of the h3 floor)`);
    const stateDb = join(tmp, '.gw', 'state.db');
    if (existsSync(stateDb)) {
      const db = new Database(stateDb, { readonly: true });
      const logged = (db.prepare('SELECT (SELECT COUNT(*) FROM request_bodies) + (SELECT COUNT(*) FROM request_logs) AS n').get() as { n: number }).n;
      db.close();
      const bytes = ['', '-wal', '-shm'].reduce((sum, ext) => sum + (existsSync(stateDb + ext) ? statSync(stateDb + ext).size : 0), 0);
      const cost = 1 - gJson.rps / gBare.rps;
      console.log(`  ${mark(cost <= 0.15)} ledger + full logs cost      ${(100 * cost).toFixed(1)}%      (target ≤ 15%; ${Math.round(gJson.rps)} req/s with them, ${Math.round(gBare.rps)} without)`);
      const wal = existsSync(`${stateDb}-wal`) ? statSync(`${stateDb}-wal`).size : 0;
      const file = statSync(stateDb).size;
      console.log(`    state database: ${(bytes / 1e6).toFixed(1)} MB for ${logged} logged requests = ${((bytes / Math.max(1, logged)) * 10_000 / 1e6).toFixed(1)} MB per 10k requests (${BODY.length} B prompts, WAL included); the file alone ${Math.round(file / Math.max(1, logged))} B per request, the WAL ${(wal / 1e6).toFixed(1)} MB (reused, at most journal_size_limit)`);
    }
    console.log('\nsequential detail (medians)');
    console.log(`  stream first data: direct ${f(ttfbDirect, 3)} ms, gw ${f(ttfbGw, 3)} ms; whole stream: direct ${f(median(sDirect.total), 3)} ms, gw ${f(median(sGw.total), 3)} ms`);
    console.log(`  JSON round trip:   direct ${f(median(jDirect.total), 3)} ms, gw ${f(median(jGw.total), 3)} ms, added ${f(median(jGw.total) - median(jDirect.total), 3)} ms`);
    for (const [i, name] of ['bare node:http proxy', 'bare h3 proxy'].entries()) {
      const fs = floorSeq[i]!;
      console.log(`  floor, ${name}: stream first data ${f(median(fs.stream.firstData), 3)} ms (added ${f(median(fs.stream.firstData) - ttfbDirect, 3)}), JSON round trip ${f(median(fs.json.total), 3)} ms (added ${f(median(fs.json.total) - median(jDirect.total), 3)})`);
    }
    console.log(`  gw's own estimate, x-gw-overhead-ms: JSON ${f(median(jGw.overhead), 3)} ms, stream ${f(median(sGw.overhead), 3)} ms`);

    if (bad.length || seqBad.length) {
      console.log('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
      for (const l of bad) console.log(`!!! ${l.name}: ${l.non2xx} non-2xx, ${l.errors} errors${l.firstError ? ` (first: ${l.firstError})` : ''}`);
      for (const s of seqBad) console.log(`!!! sequential: ${s.failures} failed (first: ${s.firstFailure})`);
      console.log('!!! the figures above are not trustworthy');
      console.log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    }

    if (PROFILE) {
      await gw.stop(10_000); // SIGINT: gw exits cleanly, which writes the profile
      const files = readdirSync(profDir).filter((n) => n.endsWith('.cpuprofile'));
      // the main thread's profile (the other is tsx's module loader thread), during the measured JSON and stream runs
      const main = files.find((n) => n.split('.')[4] === '0') ?? files[0]; // CPU.date.time.pid.thread.seq
      if (!main) console.log('\n(no gw profile was written)');
      for (const [what, l] of [['JSON', gJson], ['stream', gStream]] as const)
        if (main) console.log(`\n${summarize(join(profDir, main), { title: `gw under ${what} load:`, fromMs: l.from - gwStarted, toMs: l.to - gwStarted })}`);
      console.log(`\n(profiles kept in ${profDir}: open them in Chrome DevTools, or npx tsx bench/cpuprofile-top.ts FILE)`);
    }
  } finally {
    await cleanUp();
  }
}

const watchdog = setTimeout(() => {
  console.error(`\ngw bench: still running after ${DEADLINE_MS / 1000} s, giving up`);
  void cleanUp().finally(() => process.exit(1));
}, DEADLINE_MS);
watchdog.unref();
process.once('SIGINT', () => {
  console.error('\ngw bench: interrupted, stopping the servers');
  void cleanUp().finally(() => process.exit(130));
});
process.once('exit', killAllNow);

try {
  await main();
} catch (e) {
  console.error(`\ngw bench could not run: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
}
