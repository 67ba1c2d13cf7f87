import { createFetch } from 'ofetch';
import type { Readable } from 'node:stream';
import { classifyHttp, classifyNetwork, parseRetryAfter, type Failure } from './failure.ts';
import { HeadersTimeoutError, keepAliveFetch, type HeaderReader, type NodeFetchResponse } from './keep-alive-fetch.ts';
import { readCapped } from './sse.ts';

/** An upstream answer must not make the gateway buffer more than this (JSON answers and error bodies). */
export const MAX_UPSTREAM_BODY = 32 * 1024 * 1024;

export type Fetched = { ok: true; status: number; body: Readable; headers: HeaderReader } | { ok: false; failure: Failure };

/** ofetch over the keep-alive node:http transport (see keep-alive-fetch.ts). */
const upstream = createFetch({ fetch: keepAliveFetch as unknown as typeof globalThis.fetch });

/**
 * POST JSON to an upstream with ofetch. The provider's timeout bounds the wait for the response head (a stream may
 * then run for minutes); the client's signal cuts the call, body included, whenever the client leaves. Non-2xx
 * answers are classified into a Failure; so are network errors and timeouts. Never throws.
 */
export async function postUpstream(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<Fetched> {
  let payload: string;
  try {
    payload = JSON.stringify(body);
  } catch (e) {
    // the client's body cannot be serialised: a client error the upstream never saw
    return { ok: false, failure: { class: 'invalid_request', status: 400, message: `the request cannot be sent upstream (${(e as Error).message.slice(0, 120)})`, retryAfterMs: null, local: true } };
  }
  try {
    const res = (await upstream.raw(url, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', ...headers },
      responseType: 'stream',
      ignoreResponseError: true,
      retry: false,
      signal,
      headersTimeoutMs: timeoutMs,
    } as Parameters<typeof upstream.raw>[1])) as unknown as NodeFetchResponse;
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: res.body, headers: res.headers };
    if (res.status >= 300 && res.status < 400) {
      // not followed: the request carries the provider's key, which goes to that provider's base_url only; to this
      // request the model is out of order (another may answer it)
      res.body.resume();
      const to = (res.headers.get('location') ?? '').slice(0, 200);
      return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream redirects${to ? ` to ${to}` : ''}: set the provider base_url there`, retryAfterMs: null } };
    }
    let text = '';
    try {
      text = await readCapped(res.body, 64 * 1024, res.headers.get('content-length'));
    } catch {
      /* an unreadable error body is classified by status alone */
    }
    return { ok: false, failure: classifyHttp(res.status, text, parseRetryAfter(res.headers)) };
  } catch (e) {
    return { ok: false, failure: classifyNetwork(e instanceof HeadersTimeoutError ? { name: 'TimeoutError' } : e, timeoutMs) };
  }
}
