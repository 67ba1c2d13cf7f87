import { createFetch } from 'ofetch';
import type { IncomingMessage } from 'node:http';
import { classifyHttp, classifyNetwork, parseRetryAfter, type Failure } from './failure.ts';
import { keepAliveFetch, type HeaderReader, type NodeFetchResponse } from './keep-alive-fetch.ts';
import { readCapped } from './sse.ts';

/** An upstream answer must not make the gateway buffer more than this (JSON answers and error bodies). */
export const MAX_UPSTREAM_BODY = 32 * 1024 * 1024;

export type Fetched = { ok: true; status: number; body: IncomingMessage; headers: HeaderReader; done(): void } | { ok: false; failure: Failure };

/** ofetch over the keep-alive node:http transport (see keep-alive-fetch.ts). */
const upstream = createFetch({ fetch: keepAliveFetch as unknown as typeof globalThis.fetch });

/**
 * POST JSON to an upstream with ofetch. The provider's timeout bounds the wait for the response headers; once
 * they arrive the body (a stream may run for minutes) is bounded by `idleMs` between chunks instead. Non-2xx answers
 * are classified into a Failure; so are network errors and timeouts. Never throws.
 */
export async function postUpstream(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<Fetched> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  if (signal.aborted) ctl.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
  const done = () => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  };
  try {
    const res = (await upstream.raw(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
      responseType: 'stream',
      ignoreResponseError: true,
      retry: false,
      signal: ctl.signal,
    })) as unknown as NodeFetchResponse;
    clearTimeout(timer);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: res.body, headers: res.headers, done };
    let text = '';
    try {
      text = await readCapped(res.body, 64 * 1024, res.headers.get('content-length'));
    } catch {
      /* an unreadable error body is classified by status alone */
    }
    done();
    return { ok: false, failure: classifyHttp(res.status, text, parseRetryAfter(res.headers)) };
  } catch (e) {
    done();
    const reason = ctl.signal.reason as { name?: string } | undefined;
    const timedOut = reason?.name === 'TimeoutError';
    return { ok: false, failure: classifyNetwork(timedOut ? { name: 'TimeoutError' } : e, timeoutMs) };
  }
}
