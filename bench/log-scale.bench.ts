/**
 * The request log's reads at scale: builds GW_BENCH_ROWS requests rows (default 1,000,000, spread evenly over the
 * 30 days a log keeps by default, one in 20 with a logged body) in a temporary database, then times what /stats,
 * the budget and /logs?date=… run: medians of 7 calls each, against the target of 20 ms; then the console's overview
 * (30 days, from the hourly rollups) and its log table (filters, keyset pages), against 300 ms.
 *
 *   npm run bench:logs        GW_BENCH_ROWS=200000 for a quicker run
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestLog } from '../runtime/state/request-log.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { BENCH_MODELS as models, BENCH_SCENARIOS as scenarios, fillRequestLog } from './log-rows.ts';
import { batchWriter, type Pending } from '../runtime/state/log-batch.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import { silentLogger } from '../runtime/log/logger.ts';
import { loadPolicy } from '../compiler/load-policy.ts';
import { overviewBody } from '../runtime/server/console/overview.ts';
import { logsPage } from '../runtime/server/console/logs.ts';

const ROWS = Math.max(1000, Number(process.env.GW_BENCH_ROWS ?? 1_000_000));
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'gw-log-scale-'));
const path = join(dir, 'state.db');
const db = openDatabase(path);
const now = Date.now();

/**
 * The log write path's price for the rollup triggers: batches of 256 rows through the
 * log-writer's own batchWriter into a fresh database, against the same database without them (the baseline), in this run.
 */
function writeCost(): string {
  const N = 60_000;
  const batch = (i: number): Pending[] =>
    Array.from({ length: 256 }, (_, k) => {
      const n = i + k;
      const free = n % 3 !== 0;
      return {
        row: { id: `w${n}`, ts: now - DAY + n * 1000, endpoint: 'chat.completions', requested_model: 'auto', model: models[n % models.length], scenario: scenarios[n % scenarios.length], tier: free ? 'free' : 'paid', status: n % 50 === 0 ? 502 : 200, stream: 0, latency_ms: 310, prompt_tokens: 100 + (n % 400), completion_tokens: 250, free_tokens: free ? 310 : 0, cost_usd: free ? 0 : 0.0004, saved_usd: free ? 0.0004 : 0, attempts: 1, error_type: null, pii: null, client: null },
        bodies: null,
      };
    });
  let runs = 0;
  const run = (strip: boolean) => {
    const file = join(dir, `write-${runs++}.db`);
    const d = openDatabase(file);
    if (strip) d.exec('DROP TRIGGER requests_rollup_add; DROP TRIGGER requests_rollup_remove;');
    const write = batchWriter(d, (m) => console.error(m));
    const batches = Array.from({ length: N / 256 }, (_, j) => batch(j * 256));
    const t = performance.now();
    for (const b of batches) write(b);
    const ms = performance.now() - t;
    d.close();
    return ms;
  };
  run(false); // warm-up
  const base = Math.min(run(true), run(true));
  const mine = Math.min(run(false), run(false));
  return `${((mine / N) * 1000).toFixed(1)} µs a row against ${((base / N) * 1000).toFixed(1)} µs without (×${(mine / base).toFixed(2)})`;
}

try {
  const built = fillRequestLog(db, ROWS, now);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const log = new RequestLog(db);
  const time = (f: () => unknown) => {
    f();
    const t: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      f();
      t.push(performance.now() - s);
    }
    return t.sort((a, b) => a - b)[3];
  };
  const day = new Date(now - DAY).toISOString().slice(0, 10);
  const from = Date.parse(`${day}T00:00:00Z`);
  const cases: [string, () => unknown][] = [
    ['/stats: aggregate, last 24 h', () => log.aggregate(now - DAY)],
    ['/stats: per model, last 24 h', () => log.groups(now - DAY, ['model'])],
    ['budget: spend since the UTC day start', () => log.spentSince(from + DAY)],
    ['/report/month: per model, scenario, tier', () => log.groups(now - 30 * DAY, ['model', 'scenario', 'tier'])],
    [`/logs?date=${day} (100 newest)`, () => log.list({ from, to: from + DAY }, 100)],
    ['/logs?limit=100', () => log.list(null, 100)],
  ];
  console.log(`gw bench:logs — ${ROWS.toLocaleString('en')} requests rows over 30 days (${Math.round(ROWS / 30).toLocaleString('en')} a day), built in ${(built / 1000).toFixed(1)} s, ${(statSync(path).size / 1e6).toFixed(0)} MB`);
  let stats = 0;
  for (const [name, f] of cases) {
    const ms = time(f);
    if (name.startsWith('/stats')) stats += ms;
    console.log(`  ${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms`);
  }
  console.log(`  ${stats <= 20 ? '✓' : '✗'} /stats's two queries together ${stats.toFixed(2)} ms (target ≤ 20 ms)`);
  // the console: its dashboard and log table, through the same functions its routes call
  const table = loadPolicy({ text: 'model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }\nscenario chat {\n  free any\n}\n', file: 'routes.gw', env: { GROQ_API_KEY: 'x' } }).table!;
  const ledger = new Ledger(db, { log: silentLogger, env: {} });
  const page1 = logsPage(ledger, new URLSearchParams('limit=50'));
  let deep = page1.next!;
  for (let i = 0; i < 100; i++) deep = logsPage(ledger, new URLSearchParams({ limit: '50', before: deep })).next!;
  const consoleCases: [string, () => unknown][] = [
    ['overview?range=today', () => overviewBody(table, ledger, 'today', now)],
    ['overview?range=7d', () => overviewBody(table, ledger, '7d', now)],
    ['overview?range=30d', () => overviewBody(table, ledger, '30d', now)],
    ['logs (newest 50)', () => logsPage(ledger, new URLSearchParams('limit=50'))],
    ['logs, 100 pages deep', () => logsPage(ledger, new URLSearchParams({ limit: '50', before: deep }))],
    ['logs?model=…', () => logsPage(ledger, new URLSearchParams({ model: models[3] }))],
    ['logs?status=502 (1 in 50)', () => logsPage(ledger, new URLSearchParams('status=502'))],
    ['logs?scenario=math&tier=paid', () => logsPage(ledger, new URLSearchParams('scenario=math&tier=paid'))],
    ['logs?from=…&to=… (a day 20 days back)', () => logsPage(ledger, new URLSearchParams({ from: String(now - 20 * DAY), to: String(now - 19 * DAY) }))],
    ['logs?model=…&status=error', () => logsPage(ledger, new URLSearchParams({ model: models[0], status: 'error' }))],
    ['logs?q=<an id>', () => logsPage(ledger, new URLSearchParams({ q: page1.rows[10].id }))],
    ['logs?q=qwen (a model name)', () => logsPage(ledger, new URLSearchParams({ q: 'qwen' }))],
    ['logs?q=<no such text> (one bounded scan)', () => logsPage(ledger, new URLSearchParams({ q: 'no-such-text' }))],
  ];
  let worst = 0;
  for (const [name, f] of consoleCases) {
    const ms = time(f);
    worst = Math.max(worst, ms);
    console.log(`  console ${name.padEnd(36)} ${ms.toFixed(2).padStart(8)} ms`);
  }
  console.log(`  ${worst <= 300 ? '✓' : '✗'} the console's slowest read ${worst.toFixed(2)} ms (target ≤ 300 ms)`);
  console.log(`  what the rollup triggers cost the log-writer thread: ${writeCost()}`);
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
