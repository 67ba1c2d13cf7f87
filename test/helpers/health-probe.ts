/**
 * /health latency while one big request is routed (issue 10): send `body` to `path`, and while it is in flight probe
 * `GET /health` every ~`everyMs` ms, each probe on its own connection-pool slot. The answer of the big request and the
 * worst probe come back; the caller decides what is correct and what bound applies.
 */
export interface ProbeResult {
  status: number;
  headers: Headers;
  text: string;
  /** wall time of the big request, ms */
  requestMs: number;
  /** every /health round trip, ms, in order */
  health: number[];
  worst: number;
}

export async function probeHealthDuring(base: string, path: string, body: Buffer | string, opts: { everyMs?: number; timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<ProbeResult> {
  const everyMs = opts.everyMs ?? 10;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let done = false;
  const t0 = performance.now();
  const big = fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...opts.headers }, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000) }).then(async (r) => {
    const text = await r.text();
    done = true;
    return { status: r.status, headers: r.headers, text, requestMs: performance.now() - t0 };
  }, (e: unknown) => {
    done = true;
    throw e;
  });
  const health: number[] = [];
  while (!done && Date.now() < deadline) {
    const p0 = performance.now();
    const r = await fetch(`${base}/health`);
    await r.arrayBuffer();
    health.push(performance.now() - p0);
    await new Promise((res) => setTimeout(res, everyMs));
  }
  const answer = await big;
  return { ...answer, health, worst: health.length ? Math.max(...health) : 0 };
}

/**
 * The policy of the /health-under-load checks (test/bounded-work-e2e.test.ts, bench:worst) without its providers:
 * a free, a paid and a local model of 2M context, a `text ~` scenario, and `pii` rules that route to the local model.
 */
export function boundedWorkPolicy(m: { free: string; paid: string; local: string }): string {
  return `
model ${m.free}  { context 2M  free 1000M tokens every day }
model ${m.paid}  { context 2M  price 1 / 2 }
model ${m.local} { context 2M }
scenario code when text ~ /python/i {
  paid ${m.paid}
  willingness 0%
}
scenario chat {
  free ${m.free}
  willingness 100%
}
pii {
  detect phone id_card bank_card email passport
  route ${m.local}
}
`;
}
