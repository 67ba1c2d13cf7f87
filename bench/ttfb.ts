/** One request at a time with fetch: time to the first SSE `data:` frame and to the end of the body. */
export interface Sequential {
  /** ms from request start to the first `data:` seen in the body (NaN entries when none came). */
  firstData: number[];
  /** ms from request start to the end of the body. */
  total: number[];
  /** the gateway's own `x-gw-overhead-ms` header, where present. */
  overhead: number[];
  failures: number;
  firstFailure?: string;
}

export async function sequential(url: string, body: string, headers: Record<string, string>, n: number, maxMs = 15_000): Promise<Sequential> {
  const out: Sequential = { firstData: [], total: [], overhead: [], failures: 0 };
  const decoder = new TextDecoder();
  const stopAt = performance.now() + maxMs;
  for (let i = 0; i < n && performance.now() < stopAt; i++) {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
      let first = NaN;
      let seen = '';
      for await (const chunk of res.body!) {
        if (Number.isNaN(first)) {
          seen += decoder.decode(chunk as Uint8Array, { stream: true });
          if (seen.includes('data:')) first = performance.now() - t0;
        }
      }
      const total = performance.now() - t0;
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${seen.slice(0, 200)}`);
      out.firstData.push(first);
      out.total.push(total);
      const oh = Number(res.headers.get('x-gw-overhead-ms'));
      if (res.headers.has('x-gw-overhead-ms') && Number.isFinite(oh)) out.overhead.push(oh);
    } catch (e) {
      out.failures++;
      out.firstFailure ??= (e as Error).message;
    }
  }
  return out;
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
