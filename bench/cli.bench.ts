/**
 * Cold start of the compiled CLI against `node -e 0`, in the same run: each command is spawned `GW_BENCH_CLI_RUNS`
 * times (default 15), interleaved with the baseline, and the medians are compared. Run after `npm run build`
 * (`npm run bench:cli` does both).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Math.max(3, Number(process.env.GW_BENCH_CLI_RUNS ?? 15));

const cases: { name: string; args: string[] }[] = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'gw check routes.gw', args: ['bin/gw.js', 'check', 'routes.gw'] },
  { name: 'gw --help', args: ['bin/gw.js', '--help'] },  // exits 0; explain exits 2 here (no key set: no eligible model)
  { name: 'gw explain "hello"', args: ['bin/gw.js', 'explain', 'hello'] },
  // what `gw check` cost before the compiled build: the sources through tsx's loader
  { name: 'gw check, sources via tsx', args: ['--import', 'tsx', 'cli/gw.ts', 'check', 'routes.gw'] },
];

const times = cases.map(() => [] as number[]);
for (let r = 0; r < RUNS; r++) {
  cases.forEach((c, i) => {
    const t0 = performance.now();
    const out = spawnSync(process.execPath, c.args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    times[i].push(performance.now() - t0);
    if (out.status !== 0 && c.name.startsWith('gw check')) throw new Error(`${c.name} exited ${out.status}: ${out.stderr}`);
  });
}
const med = times.map((t) => percentile(t.sort((a, b) => a - b), 50));
console.log(`cold start, median of ${RUNS} interleaved runs (load average ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
cases.forEach((c, i) => {
  const ratio = i === 0 ? '' : `  ${(med[i] / med[0]).toFixed(2)}× node -e 0${c.name === 'gw check routes.gw' ? ' (target ≤ 5×)' : ''}`;
  console.log(`  ${c.name.padEnd(24)} ${med[i].toFixed(0).padStart(5)} ms  (p10 ${percentile(times[i], 10).toFixed(0)}, p90 ${percentile(times[i], 90).toFixed(0)})${ratio}`);
});
