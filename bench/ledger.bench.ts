/**
 * npm run bench:ledger — the ledger's cost per request, without HTTP: what `gw serve` does in runtime/state for each
 * routed request (quota snapshot for the router, reserve in the decision's tick, complete() with settle + metrics +
 * the log row, and the batched write on the next turn), on a state database on disk (temp dir) and in `:memory:`,
 * with request logs on and off.
 *
 * The policy is the gateway bench's (one free and one paid model, two regex scenarios and the default); the decisions
 * come from the real `decide` on the gateway bench's 1.1 KB chat prompt (draws spread over 0..1, so about as many go
 * free as under the gateway bench); the answer is the bench mock's ~300 B JSON with its usage. Requests complete in
 * batches of BATCH per event-loop turn (the gateway bench keeps 10 connections busy), then the queue is flushed as
 * the server's setImmediate would. Bounded: at most MAX requests or SECONDS per figure.
 *
 *   GW_LEDGER_SECONDS=2  GW_LEDGER_MAX=20000  GW_LEDGER_BATCH=5  GW_LEDGER_WILLINGNESS=30  GW_LEDGER_PROMPT_KB=20
 *   GW_LEDGER_PROF=disk|memory   just that case with logs on, e.g. under `npx tsx --cpu-prof bench/ledger.bench.ts`
 *
 * Prints CPU and wall µs per request (medians of rounds; CPU time is the steadier figure on a shared machine), ratios
 * (logs on vs off, disk vs memory), and the database file's growth per request (WAL checkpointed). A disk case also
 * runs with one request per turn: each turn's transaction is then one commit per request, the worst case.
 * Measurements, not a pass/fail test.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../compiler/load-policy.ts';
import { decide } from '../runtime/router/decide.ts';
import type { Decision, RouteRequest } from '../runtime/router/types.ts';
import type { CompletedRequest } from '../runtime/state/accounting.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { silentLogger } from '../runtime/log/logger.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';
import { BENCH_PROMPT, benchPolicy } from './prompt.ts';

const SECONDS = Number(process.env.GW_LEDGER_SECONDS ?? 2);
const MAX = Number(process.env.GW_LEDGER_MAX ?? 20_000);
const BATCH = Number(process.env.GW_LEDGER_BATCH ?? 5);
/** profile one figure only: GW_LEDGER_PROF=disk or memory (logs on) */
const PROF = process.env.GW_LEDGER_PROF === 'memory' ? 'memory' : process.env.GW_LEDGER_PROF ? 'disk' : null;
const ROUND = 500;
/** the default scenario's willingness (the share of requests that go free): the gateway bench's 30% by default */
const WILLINGNESS = Number(process.env.GW_LEDGER_WILLINGNESS ?? 30);

const BASE_PROMPT = BENCH_PROMPT;

/** GW_LEDGER_PROMPT_KB: the user message repeated to about that many KB (a larger body than the gateway bench's) */
const PROMPT_KB = Number(process.env.GW_LEDGER_PROMPT_KB ?? 0);
const PROMPT = PROMPT_KB > 0 ? { ...BASE_PROMPT, messages: [BASE_PROMPT.messages[0], { role: 'user', content: longer(BASE_PROMPT.messages[1].content, PROMPT_KB * 1024) }] } : BASE_PROMPT;

function longer(text: string, chars: number): string {
  let out = text;
  while (out.length < chars) out += ` ${text}`;
  return out;
}

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok from the bench mock upstream', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 250, completion_tokens: 8, total_tokens: 258 },
});
const USAGE = { prompt_tokens: 250, completion_tokens: 8, total_tokens: 258 };

const policy = (logs: boolean) => `gateway { ${logs ? '' : 'logs off'} }\n${benchPolicy('http://127.0.0.1:9/v1', WILLINGNESS)}`;

function compile(logs: boolean): DecisionTable {
  const r = loadPolicy({ text: policy(logs), file: 'routes.gw', env: { MOCK_KEY: 'x' } });
  if (!r.table) throw new Error(`bench policy did not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.table;
}

/** Ten decisions with draws 0.05 … 0.95: the gateway bench's mix of free and paid answers. */
function decisions(table: DecisionTable, ledger: Ledger, now: number): Decision[] {
  const route: RouteRequest = { model: 'auto', messages: PROMPT.messages, maxTokens: PROMPT.max_tokens, pii: null };
  return Array.from({ length: 10 }, (_, i) => decide(table, route, ledger.snapshot(table, now), now, (i + 0.5) / 10));
}

interface Figure {
  /** wall time per request, median of rounds */
  usPerReq: number;
  /** CPU time (user + system) per request, median of rounds: steadier than wall time on a shared machine */
  cpuPerReq: number;
  p90: number;
  requests: number;
  bytesPerReq: number | null;
  /** what a logged request stores (bodies, decision, attempts: UTF-8 bytes), before pages and indexes */
  payloadPerReq: number | null;
  freeShare: number;
}

/** Average stored log payload per logged request, over the tables that hold bodies (request_logs before schema 2). */
function payload(ledger: Ledger): number | null {
  let bytes = 0;
  let rows = 0;
  const tables = ledger.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('request_bodies', 'request_logs')").all() as { name: string }[];
  for (const { name } of tables) {
    const r = ledger.db
      .prepare(
        `SELECT COUNT(*) AS n, COALESCE(SUM(COALESCE(length(CAST(request_body AS BLOB)), 0) + COALESCE(length(CAST(response_body AS BLOB)), 0) + COALESCE(length(CAST(decision AS BLOB)), 0) + COALESCE(length(CAST(attempts AS BLOB)), 0)), 0) AS b FROM ${name}`,
      )
      .get() as { n: number; b: number };
    rows += r.n;
    bytes += r.b;
  }
  return rows ? bytes / rows : null;
}

function dbBytes(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

/** `journal`: the answered-requests journal the serving gateway keeps beside a database on disk (Ledger.openJournal). */
function run(where: 'disk' | 'memory', logs: boolean, batch: number, journal = where === 'disk'): Figure {
  const dir = mkdtempSync(join(tmpdir(), 'gw-ledger-bench-'));
  const path = where === 'disk' ? join(dir, 'state.db') : ':memory:';
  const table = compile(logs);
  const ledger = new Ledger(openDatabase(path), { log: silentLogger, env: {} });
  if (journal) ledger.openJournal();
  try {
    const t0 = Date.now();
    ledger.prune(table, t0);
    const ds = decisions(table, ledger, t0);
    const body = PROMPT as unknown as Record<string, unknown>;
    let seq = 0;
    let free = 0;
    /** one request: the router's snapshot, reserve in the decision's tick, then its completion */
    const one = () => {
      const now = Date.now();
      ledger.snapshot(table, now);
      const decision = ds[seq % ds.length];
      const reservation = ledger.reserve(table, decision, now);
      if (reservation) free++;
      const req: CompletedRequest = {
        id: `bench-${where}-${logs ? 'on' : 'off'}-${seq++}-4f1c2b7e-9a8d-4e3b-b1f0`,
        startedAt: now,
        endpoint: 'chat.completions',
        stream: false,
        requestBody: body,
        responseBody: ANSWER,
        requestedModel: 'auto',
        decision,
        model: decision.model,
        status: 200,
        attempts: [{ provider: 'mock', model: decision.model!.split('/')[1], ok: true, ms: 0.84 }],
        usage: USAGE,
        latencyMs: 1.2345,
        error: null,
        reservation,
      };
      ledger.complete(table, req);
    };
    const turn = () => {
      for (let i = 0; i < batch; i++) one();
      ledger.requests.flush();
    };
    for (let i = 0; i < Math.ceil(200 / batch); i++) turn(); // warm-up (JIT, statements, pages)
    const startBytes = where === 'disk' ? checkpoint(ledger, path) : 0;
    const startSeq = seq;
    const rounds: number[] = [];
    const cpu: number[] = [];
    const start = performance.now();
    while (seq - startSeq < MAX && performance.now() - start < SECONDS * 1000) {
      const c0 = process.cpuUsage();
      const r0 = performance.now();
      const n0 = seq;
      while (seq - n0 < ROUND) turn();
      rounds.push(((performance.now() - r0) * 1000) / (seq - n0));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / (seq - n0));
    }
    const requests = seq - startSeq;
    const bytesPerReq = where === 'disk' ? (checkpoint(ledger, path) - startBytes) / requests : null;
    ledger.requests.flush();
    const payloadPerReq = payload(ledger);
    rounds.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return { usPerReq: rounds[Math.floor(rounds.length / 2)], cpuPerReq: cpu[Math.floor(cpu.length / 2)], p90: rounds[Math.min(rounds.length - 1, Math.floor(rounds.length * 0.9))], requests, bytesPerReq, payloadPerReq, freeShare: free / seq };
  } finally {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Database size after folding the WAL in (what the state file keeps). */
function checkpoint(ledger: Ledger, path: string): number {
  ledger.requests.flush();
  ledger.db.pragma('wal_checkpoint(TRUNCATE)');
  return dbBytes(path);
}

console.log(
  `gw bench:ledger — node ${process.version}, ${new Date().toISOString()}; ≤ ${MAX} requests or ${SECONDS} s per figure, chat willingness ${WILLINGNESS}%, request body ${(JSON.stringify(PROMPT).length / 1024).toFixed(1)} KB`,
);
console.log('per request: snapshot + reserve + complete + its share of the batched write; medians over rounds of 500 requests\n');
if (PROF) {
  const f = run(PROF, true, BATCH);
  console.log(`${PROF}, logs on, ${BATCH} per turn: ${f.usPerReq.toFixed(1)} µs/request wall, ${f.cpuPerReq.toFixed(1)} µs CPU, over ${f.requests} requests`);
} else {
  const figures = new Map<string, Figure>();
  const configs: ['disk' | 'memory', boolean, number, boolean?][] = [
    ['disk', true, BATCH],
    ['disk', true, BATCH, false],
    ['disk', false, BATCH],
    ['memory', true, BATCH],
    ['memory', false, BATCH],
    ['disk', true, 1],
    ['disk', false, 1],
  ];
  console.log('state   logs  per turn        CPU µs/req   wall µs/req (p90 of rounds)   requests   free   DB file B/req   log payload B/req');
  for (const [where, logs, batch, journal] of configs) {
    const f = run(where, logs, batch, journal);
    figures.set(`${where}/${logs}/${batch}${journal === false ? '/no-journal' : ''}`, f);
    console.log(
      `${(journal === false ? `${where}*` : where).padEnd(6)}  ${logs ? 'on ' : 'off'}   ${String(batch).padStart(8)}   ${f.cpuPerReq.toFixed(1).padStart(12)}   ${f.usPerReq.toFixed(1).padStart(11)} (${f.p90.toFixed(1).padStart(6)})          ${String(f.requests).padStart(8)}   ${`${Math.round(f.freeShare * 100)}%`.padStart(4)}   ${(f.bytesPerReq !== null ? Math.round(f.bytesPerReq).toLocaleString('en') : '').padStart(13)}   ${(f.payloadPerReq !== null ? Math.round(f.payloadPerReq).toLocaleString('en') : '').padStart(17)}`,
    );
  }
  const ratio = (key: 'cpuPerReq' | 'usPerReq', a: string, b: string) => {
    const x = figures.get(a)![key];
    const y = figures.get(b)![key];
    return `${(x / y).toFixed(2)}× (${x >= y ? '+' : ''}${(x - y).toFixed(1)} µs)`;
  };
  console.log('');
  for (const key of ['cpuPerReq', 'usPerReq'] as const) {
    const k = key === 'cpuPerReq' ? 'CPU ' : 'wall';
    console.log(`${k}  answered-requests journal (disk, logs on): with vs without (disk* above) ${ratio(key, `disk/true/${BATCH}`, `disk/true/${BATCH}/no-journal`)}`);
    console.log(`${k}  logs on vs off: disk ${ratio(key, `disk/true/${BATCH}`, `disk/false/${BATCH}`)}, memory ${ratio(key, `memory/true/${BATCH}`, `memory/false/${BATCH}`)}, disk 1 per turn ${ratio(key, 'disk/true/1', 'disk/false/1')}`);
    console.log(`${k}  disk vs memory: logs on ${ratio(key, `disk/true/${BATCH}`, `memory/true/${BATCH}`)}, logs off ${ratio(key, `disk/false/${BATCH}`, `memory/false/${BATCH}`)}`);
    console.log(`${k}  disk + logs vs memory + logs off (the gateway bench's two gw setups): ${ratio(key, `disk/true/${BATCH}`, `memory/false/${BATCH}`)}; 1 per turn ${ratio(key, 'disk/true/1', `memory/false/${BATCH}`)}`);
  }
}
