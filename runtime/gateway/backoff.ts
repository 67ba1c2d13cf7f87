import type { RetryPolicy } from '../types/decision-table.ts';

/** Delay before retry number `retry` (1 = the first retry): initial × factor^(retry-1), capped. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, retry - 1));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
