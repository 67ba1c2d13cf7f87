import { randomUUID } from 'node:crypto';
import { errorResponse, GwError, jsonResponse } from './errors.ts';
import { anthropicError } from './messages-route.ts';
import type { Logger } from '../log/logger.ts';

/** The Anthropic front door's paths answer errors in Anthropic's shape; every other path in OpenAI's. */
export function isAnthropicPath(pathname: string): boolean {
  return pathname === '/v1/messages' || pathname.startsWith('/v1/messages/');
}

/** The request's path, never throwing (a URL the parser refuses is "/"). */
export function pathnameOf(url: string): string {
  try {
    return new URL(url, 'http://gw.invalid').pathname;
  } catch {
    return '/';
  }
}

/** An error answer in the shape of the protocol the path belongs to. */
export function protocolErrorResponse(pathname: string, err: GwError, headers: Record<string, string> = {}): Response {
  if (!isAnthropicPath(pathname)) return errorResponse(err, headers);
  const id = randomUUID();
  const { status, body } = anthropicError(err, id);
  return jsonResponse(status, body, { 'request-id': id, ...headers });
}

/** `decodeURIComponent` that answers 400 instead of throwing on malformed percent-encoding. */
export function decodeParam(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GwError(400, 'invalid_request_error', `the ${name} in the URL is not valid percent-encoding`, 'invalid_url', { param: name });
  }
}

const MALFORMED_URL = Symbol.for('h3.internal.event.malformed');

/**
 * h3's last resort, made total: an error h3 raised about the request itself (a malformed URL, …) is the client's,
 * answered with its own 4xx in the path's protocol; anything else is the gateway's bug: logged with its stack, 500.
 */
export function lastResortError(error: unknown, event: { req: Request } & Record<symbol, unknown>, log: Logger): Response {
  const pathname = pathnameOf(event.req.url);
  const e = error as { status?: unknown; unhandled?: boolean; message?: string; cause?: unknown; stack?: string };
  const status = typeof e?.status === 'number' ? e.status : 500;
  if (!e?.unhandled && status >= 400 && status < 500) {
    const err = event[MALFORMED_URL]
      ? new GwError(400, 'invalid_request_error', 'the request URL is not valid percent-encoding', 'invalid_url')
      : new GwError(status, 'invalid_request_error', e.message || 'bad request', 'invalid_request');
    return protocolErrorResponse(pathname, err);
  }
  log.error(`unhandled error on ${event.req.method} ${pathname}: ${describe(e?.cause ?? error)}`);
  return protocolErrorResponse(pathname, new GwError(500, 'server_error', 'internal gateway error', 'internal_error'));
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  try {
    return JSON.stringify(e)?.slice(0, 500) ?? String(e);
  } catch {
    return String(e);
  }
}
