/** Small timing helpers for the benchmark scripts: medians and percentiles over bounded runs. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Run `fn` until `maxRuns` or `maxMs`, after `warmup` runs; returns per-run times in ms, sorted. */
export function timeRuns(fn: (i: number) => void, opts: { warmup?: number; maxRuns: number; maxMs: number }): number[] {
  for (let i = 0; i < (opts.warmup ?? 3); i++) fn(-1 - i);
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < opts.maxRuns && performance.now() - start < opts.maxMs; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export function fmtMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  return `${ms.toFixed(2)} ms`;
}
