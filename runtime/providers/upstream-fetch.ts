import type { Readable } from 'node:stream';
import type { Provider } from '../types/decision-table.ts';
import type { Scrubber } from '../secrets/scrubber.ts';
import type { UpstreamCall } from './adapter.ts';
import { classifyErrorBody, classifyHttp, classifyNetwork, parseRetryAfter, type Failure } from './failure.ts';
import { HeadersTimeoutError, keepAliveFetch, type HeaderReader, type NodeFetchResponse } from './keep-alive-fetch.ts';
import { readCapped } from './sse.ts';

/** An upstream answer must not make the gateway buffer more than this (JSON answers and error bodies). */
export const MAX_UPSTREAM_BODY = 32 * 1024 * 1024;

export type Fetched = { ok: true; status: number; body: Readable; headers: HeaderReader } | { ok: false; failure: Failure };

export interface PostOptions {
  /** the wait for the response head */
  timeoutMs: number;
  /** the longest silence between body bytes (0: none) */
  idleTimeoutMs?: number;
  /** the whole attempt, head and body (0: none) */
  deadlineMs?: number;
  /** the client's signal: cuts the call, body included, whenever the client leaves */
  signal: AbortSignal;
  /** secrets scrubbed from every byte of the answer (a Scrubber's bytes() form) */
  scrubber?: Scrubber | null;
  /** the request asked for an event stream: a 2xx answer that is not one is a failure (see notAStream) */
  stream?: boolean;
}

/** The transport limits of a provider's calls, from its `timeout`, `idle_timeout` and `deadline` lines. */
export function providerLimits(p: Provider): Pick<PostOptions, 'timeoutMs' | 'idleTimeoutMs' | 'deadlineMs'> {
  return { timeoutMs: p.timeoutMs, idleTimeoutMs: p.idleTimeoutMs, deadlineMs: p.deadlineMs };
}

/** A 2xx JSON answer read whole (capped) and parsed: a cut is a network failure, invalid JSON a server failure. */
export async function readJsonAnswer(res: Extract<Fetched, { ok: true }>): Promise<{ ok: true; text: string; parsed: unknown } | { ok: false; failure: Failure }> {
  let text: string;
  try {
    text = await readCapped(res.body, MAX_UPSTREAM_BODY, res.headers.get('content-length'));
  } catch (e) {
    return { ok: false, failure: { class: 'network', status: res.status, message: `connection cut while reading the answer (${(e as Error).message})`, retryAfterMs: null } };
  }
  try {
    return { ok: true, text, parsed: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, failure: { class: 'server', status: res.status, message: `${res.status} the upstream answered with invalid JSON`, retryAfterMs: null } };
  }
}

/** What every adapter's upstream call is bounded and scrubbed by: the provider's time limits, the client's signal. */
export function postOptions(call: UpstreamCall): PostOptions {
  return { ...providerLimits(call.provider), signal: call.signal, scrubber: call.scrubber.bytes(), stream: call.stream };
}

/**
 * POST JSON to an upstream over the keep-alive node:http transport (keep-alive-fetch.ts), called directly: ofetch's
 * layer over it (a Headers object, its options and context per call, its error wrapping) was most of the call's
 * allocations and did nothing a call here uses (no retries, no response parsing). The provider's timeout bounds the wait for the response head, its idle
 * timeout each silence of the body, its deadline the whole attempt. Non-2xx answers are classified into a Failure;
 * so are network errors, timeouts, and a stream request answered with something other than an event stream. Never
 * throws.
 */
export async function postUpstream(url: string, body: unknown, headers: Record<string, string>, o: PostOptions): Promise<Fetched> {
  let payload: string;
  try {
    payload = JSON.stringify(body);
  } catch (e) {
    // the client's body cannot be serialised: a client error the upstream never saw
    return { ok: false, failure: { class: 'invalid_request', status: 400, message: `the request cannot be sent upstream (${(e as Error).message.slice(0, 120)})`, retryAfterMs: null, local: true } };
  }
  try {
    const res = await keepAliveFetch(url, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', ...headers },
      signal: o.signal,
      headersTimeoutMs: o.timeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      deadlineMs: o.deadlineMs,
      scrubber: o.scrubber ?? null,
    });
    if (res.status >= 200 && res.status < 300) {
      if (o.stream && !/^\s*text\/event-stream/i.test(res.headers.get('content-type') ?? '')) return { ok: false, failure: await notAStream(res) };
      return { ok: true, status: res.status, body: res.body, headers: res.headers };
    }
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
    return { ok: false, failure: classifyNetwork(e instanceof HeadersTimeoutError ? { name: 'TimeoutError' } : e, o.timeoutMs) };
  }
}

/**
 * A stream request answered 2xx with another content type: an error object is the upstream's error class; HTML, an
 * empty body or anything else is a server failure (retried elsewhere before the client got a byte).
 */
async function notAStream(res: NodeFetchResponse): Promise<Failure> {
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || 'no content type';
  let text = '';
  try {
    text = await readCapped(res.body, 64 * 1024, res.headers.get('content-length'));
  } catch (e) {
    return classifyNetwork(e, 0);
  }
  if (text.trim() === '') return { class: 'server', status: res.status, message: `${res.status} the upstream answered a stream request with an empty body`, retryAfterMs: null };
  if (/^\s*\{/.test(text) && /"error"|"type"\s*:\s*"error"/.test(text)) return classifyErrorBody(res.status, text);
  return { class: 'server', status: res.status, message: `${res.status} the upstream answered a stream request with ${type} instead of an event stream`, retryAfterMs: null };
}
