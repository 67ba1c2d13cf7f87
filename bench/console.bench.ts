/**
 * The console's budget: its built assets gzipped against 400 KB, and the dashboard's and the logs page's answers over
 * a request log of GW_BENCH_ROWS rows (default 1,000,000; bench/log-rows.ts) against 300 ms — the API calls each page
 * makes (medians of 7, through the real gateway on 127.0.0.1), then, when /usr/bin/chromium is there, each page
 * loaded in headless Chromium until its figures or rows are shown.
 *
 *   npm run bench:console          GW_BENCH_ROWS=200000 for a quicker run
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createGateway } from '../runtime/server/app.ts';
import { serveGateway } from '../runtime/server/listen.ts';
import { silentLogger } from '../runtime/log/logger.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { fillRequestLog } from './log-rows.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist', 'console');
const BUDGET_KB = 400;
const TARGET_MS = 300;
const ROWS = Math.max(1000, Number(process.env.GW_BENCH_ROWS ?? 1_000_000));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

function assetSizes(): boolean {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/console/ is not built: npm run build');
  const sizes = files(DIST).map((f) => ({ f: relative(DIST, f), raw: statSync(f).size, gz: gzipSync(readFileSync(f), { level: 9 }).length }));
  sizes.sort((a, b) => b.gz - a.gz);
  const raw = sizes.reduce((a, s) => a + s.raw, 0);
  const gz = sizes.reduce((a, s) => a + s.gz, 0);
  console.log(`gw bench:console — ${sizes.length} files in dist/console/`);
  for (const s of sizes.slice(0, 6)) console.log(`  ${s.f.padEnd(44)} ${(s.raw / 1024).toFixed(1).padStart(7)} KB  ${(s.gz / 1024).toFixed(1).padStart(6)} KB gzipped`);
  const ok = gz <= BUDGET_KB * 1024;
  console.log(`  ${ok ? '✓' : '✗'} all assets ${(raw / 1024).toFixed(0)} KB, ${(gz / 1024).toFixed(1)} KB gzipped = ${((gz / (BUDGET_KB * 1024)) * 100).toFixed(0)}% of the ${BUDGET_KB} KB budget`);
  return ok;
}

async function median(f: () => Promise<unknown>, n = 7): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

async function answers(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-console-bench-'));
  const policyPath = join(dir, 'routes.gw');
  const statePath = join(dir, 'state.db');
  const TOKEN = 'console-bench-token-0123456789';
  writeFileSync(policyPath, `gateway { auth env GW_BENCH_TOKEN }\nprovider p { base_url "http://127.0.0.1:9/v1"  key env P_KEY }\nmodel p/m { context 8k  price 1 / 1 }\nscenario chat {\n  paid p/m\n}\n`);
  let ok = true;
  try {
    const db = openDatabase(statePath);
    const now = Date.now();
    const built = fillRequestLog(db, ROWS, now);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    console.log(`  ${ROWS.toLocaleString('en')} requests rows over 30 days, built in ${(built / 1000).toFixed(1)} s, ${(statSync(statePath).size / 1e6).toFixed(0)} MB`);
    const gw = createGateway({ policyPath, statePath, env: { GW_BENCH_TOKEN: TOKEN, P_KEY: 'k' }, log: silentLogger, watch: false });
    const listener = await serveGateway(gw, 0, '127.0.0.1');
    const base = listener.url.replace(/\/$/, '');
    try {
      const login = await fetch(`${base}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token: TOKEN }) });
      if (login.status !== 200) throw new Error(`console login answered ${login.status}: ${await login.text()}`);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const get = async (path: string) => {
        const r = await fetch(`${base}${path}`, { headers: { cookie } });
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
        return r.json() as Promise<Record<string, unknown>>;
      };
      const first = (await get('/console/api/logs?limit=50')) as { rows: { id: string }[]; next: string | null };
      const cases: [string, string][] = [
        ['dashboard: overview today', '/console/api/overview?range=today'],
        ['dashboard: overview 7 days', '/console/api/overview?range=7d'],
        ['dashboard: overview 30 days', '/console/api/overview?range=30d'],
        ['logs: newest 50', '/console/api/logs?limit=50'],
        ['logs: the next 50 (keyset cursor)', `/console/api/logs?limit=50&before=${encodeURIComponent(first.next ?? '')}`],
        ['logs: one model, tier free', '/console/api/logs?limit=50&model=openai/gpt-4o&tier=free'],
        ['logs: status 502', '/console/api/logs?limit=50&status=502'],
        ["logs: a request's page", `/console/api/logs/${encodeURIComponent(first.rows[0]?.id ?? 'x')}`],
      ];
      for (const [name, path] of cases) {
        const ms = await median(() => get(path));
        if (ms > TARGET_MS) ok = false;
        console.log(`  ${ms <= TARGET_MS ? '✓' : '✗'} ${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms  (${((ms / TARGET_MS) * 100).toFixed(0)}% of ${TARGET_MS} ms)`);
      }
      if (existsSync('/usr/bin/chromium')) ok = (await inBrowser(base, TOKEN)) && ok;
    } finally {
      await gw.close();
      await listener.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ok;
}

/** The dashboard and the logs page loaded in headless Chromium until their data is shown (after a first, warm load). */
async function inBrowser(base: string, token: string): Promise<boolean> {
  const { launchChromium } = await import('../test/helpers/browser.ts');
  // the browser's share is CPU-bound: a loaded machine slows it, so the load is printed beside the figures
  console.log(`  in Chromium (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`);
  const chrome = await launchChromium();
  let ok = true;
  try {
    const ctx = await chrome.context();
    const page = await ctx.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('input[name=token]', token);
    await page.click('form[data-test=login] button[type=submit]');
    await page.waitForURL(`${base}/console/`, { timeout: 15_000 }).catch(() => page.waitForURL(`${base}/console`, { timeout: 5_000 }));
    for (const [name, path, ready] of [
      ['dashboard page in Chromium', '/console', '[data-test=figures] [data-k=requests]'],
      ['logs page in Chromium', '/console/logs', '[data-test=logs] tbody tr'],
    ] as const) {
      const ms = await median(async () => {
        await page.goto(`${base}${path}`, { waitUntil: 'commit' });
        await page.waitForSelector(ready, { timeout: 15_000 });
      }, 5);
      if (ms > TARGET_MS) ok = false;
      console.log(`  ${ms <= TARGET_MS ? '✓' : '✗'} ${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms  (${((ms / TARGET_MS) * 100).toFixed(0)}% of ${TARGET_MS} ms)`);
    }
  } finally {
    await chrome.close();
  }
  return ok;
}

const sized = assetSizes();
const fast = await answers();
console.log(sized && fast ? '  ✓ within budget' : '  ✗ over budget');
