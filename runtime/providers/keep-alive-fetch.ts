import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Scrubber } from '../secrets/scrubber.ts';
import { BodyGuard, UpstreamTimeoutError } from './body-guard.ts';
import { proxyAgentFor } from './proxy-agent.ts';

/**
 * The transport of upstream calls (postUpstream calls it directly): a fetch-shaped function on node:http(s) with
 * keep-alive agents, answering with the status, a read-only view of the headers and the body as the Node stream itself.
 * Node's built-in fetch converts every body into a Web stream and every header list into a Headers object: on a
 * fast upstream that conversion was the largest share of the gateway's CPU time per request.
 */

/** One connection pool per scheme for the whole process; sockets stay open between requests. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' }),
};

/** The part of a response's headers gw reads. */
export interface HeaderReader {
  get(name: string): string | null;
}

class NodeHeaders implements HeaderReader {
  private readonly raw: IncomingHttpHeaders;
  constructor(raw: IncomingHttpHeaders) {
    this.raw = raw;
  }
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

export interface NodeFetchResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: HeaderReader;
  /**
   * the body as it arrives, decompressed when the upstream sent it compressed, scrubbed of `scrubber`'s secrets and
   * guarded by the idle timeout and the deadline; destroy it to cut the connection
   */
  body: Readable;
}

interface FetchInit {
  method?: string;
  headers?: Iterable<[string, string]> | Record<string, string>;
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
  /** give up when no response head arrived within it */
  headersTimeoutMs?: number;
  /** gw's own: fail the body when no byte arrived for this long (while the reader waits) */
  idleTimeoutMs?: number;
  /** gw's own: the whole exchange, response head and body, must be over within this */
  deadlineMs?: number;
  /** gw's own: secrets removed from the body's bytes (a Scrubber's bytes() form, see body-guard.ts) */
  scrubber?: Scrubber | null;
  /** gw's own: the environment HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read from (default: the process's, see proxy-agent.ts) */
  proxyEnv?: Readonly<Record<string, string | undefined>>;
}

/** The error of a request that got no response head in time. */
export class HeadersTimeoutError extends Error {
  override name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

function headerObject(h: FetchInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Symbol.iterator in h) for (const [k, v] of h as Iterable<[string, string]>) out[k] = v;
  else Object.assign(out, h);
  return out;
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason as unknown;
  if (r instanceof Error) return r;
  return new DOMException('This operation was aborted', 'AbortError');
}

/**
 * fetch(url, init) over node:http(s). Resolves when the response headers arrive; rejects with the socket's error
 * (its `code`: ECONNREFUSED, ECONNRESET, …) or the signal's reason. Aborting the signal later destroys the body.
 */
export function keepAliveFetch(input: string | URL, init: FetchInit = {}): Promise<NodeFetchResponse> {
  return new Promise((resolve, reject) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY: a tunnel agent when a proxy applies (proxy-agent.ts)
    const agent = proxyAgentFor(url, init.proxyEnv) ?? (url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null);
    if (!agent) {
      reject(new TypeError(`unsupported protocol ${url.protocol}`));
      return;
    }
    const signal = init.signal ?? null;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const body = init.body ?? null;
    const headers = headerObject(init.headers);
    if (body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: init.method ?? 'GET', headers, agent });
    let response: IncomingMessage | null = null;
    const timer = init.headersTimeoutMs ? setTimeout(() => req.destroy(new HeadersTimeoutError(init.headersTimeoutMs!)), init.headersTimeoutMs) : null;
    let guarded: Readable | null = null;
    const deadline = init.deadlineMs
      ? setTimeout(() => {
          const err = new UpstreamTimeoutError('GW_DEADLINE', init.deadlineMs!);
          if (guarded) guarded.destroy(err);
          if (response) response.destroy(err);
          req.destroy(err);
        }, init.deadlineMs)
      : null;
    deadline?.unref?.();
    const onAbort = () => {
      const err = abortError(signal!);
      if (response) response.destroy(err);
      req.destroy(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const unlisten = () => signal?.removeEventListener('abort', onAbort);
    req.on('error', (e) => {
      if (timer) clearTimeout(timer);
      if (deadline && !response) clearTimeout(deadline);
      unlisten();
      reject(e);
    });
    req.once('response', (res) => {
      if (timer) clearTimeout(timer);
      response = res;
      res.once('close', unlisten);
      // a cut after the headers reaches whoever reads the body (their own listeners); unread, it must not crash
      res.on('error', () => {});
      const status = res.statusCode ?? 0;
      const guard = new BodyGuard({ scrubber: init.scrubber ?? null, idleTimeoutMs: init.idleTimeoutMs });
      guard.source = res;
      guarded = guard;
      // the deadline ends with the body (read to its end, cut or destroyed by the reader)
      if (deadline) guard.once('close', () => clearTimeout(deadline));
      pipeInto(decoded(res), guard);
      resolve({ status, statusText: res.statusMessage ?? '', ok: status >= 200 && status < 300, headers: new NodeHeaders(res.headers), body: guard });
    });
    req.end(body ?? undefined);
  });
}

/**
 * `src` piped into the guard with what `stream.pipeline` would do for the two, without its per-call AbortController
 * and end-of-stream bookkeeping (a tenth of the gateway's CPU per request went there, the abort's DOMException the
 * most): an error or a cut of the source fails the guard, and a guard destroyed by its reader destroys the source.
 */
function pipeInto(src: Readable, guard: BodyGuard): void {
  src.pipe(guard);
  src.on('error', (e) => guard.destroy(e));
  src.once('close', () => {
    if (!src.readableEnded && !guard.destroyed) guard.destroy(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  guard.once('close', () => {
    if (!src.destroyed && !src.readableEnded) src.destroy();
  });
}

/**
 * The body as text bytes. gw asks for no encoding, but some upstreams (or the CDN in front of them) compress anyway;
 * what fetch would have undone is undone here: gzip, deflate, br.
 */
function decoded(res: IncomingMessage): Readable {
  const enc = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = enc === 'gzip' || enc === 'x-gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : enc === 'br' ? createBrotliDecompress() : null;
  if (!decoder) return res;
  // a cut of the response, or an abort (which destroys it), reaches the reader through the decoder
  return pipeline(res, decoder, () => {});
}
