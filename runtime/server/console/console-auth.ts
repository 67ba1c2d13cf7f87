import { createHash } from 'node:crypto';
import type { DecisionTable } from '../../types/decision-table.ts';
import type { Env } from '../../providers/keys.ts';
import { AUTH_MISCONFIGURED, gatewayToken, sameSecret } from '../auth.ts';
import { isLoopback } from '../admin-auth.ts';
import { nodeContext } from '../node-context.ts';
import { consoleError } from './console-errors.ts';
import { SESSION_MS, type ConsoleSession, type SessionStore } from './session-store.ts';

export const COOKIE = 'gw_console';

/** The console cookie's value in a request, or null. */
export function sessionCookie(headers: Headers): string | null {
  const raw = headers.get('cookie');
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim() || null;
  }
  return null;
}

/** `Set-Cookie` for a new session: httpOnly, SameSite=Strict, scoped to /console, 12 h. */
export function setCookie(s: ConsoleSession, secure: boolean): string {
  return `${COOKIE}=${s.id}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that removes the session cookie. */
export function clearCookie(): string {
  return `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0`;
}

/** The admin token the console's login compares against; null: none configured (loopback only). */
export function consoleToken(table: DecisionTable, env: Env): string | null {
  const t = gatewayToken(table, env);
  if (t === AUTH_MISCONFIGURED) throw consoleError(401, "the gateway's auth variable is set but empty: the console is closed until it holds a token", 'auth_misconfigured');
  return t;
}

/** What a session remembers of the token that opened it: a digest, never the token. */
export const tokenTag = (token: string | null) => (token === null ? '' : createHash('sha256').update(`gw-console:${token}`).digest('hex'));

/** Whether `given` is the admin token (constant time). */
export function tokenMatches(given: unknown, token: string): boolean {
  return typeof given === 'string' && sameSecret(given, token);
}

/** Without an admin token the console answers this machine only: 403 for any other peer. */
export function requireLoopback(req: Request): void {
  const peer = nodeContext(req)?.req?.socket.remoteAddress;
  if (peer !== undefined && !isLoopback(peer))
    throw consoleError(403, 'the console answers other hosts only with gateway auth on: set `gateway { auth env … }` and log in with its token', 'loopback_only');
}

/** A state-changing request's Origin, when sent, must be the gateway's own (its Host). */
export function checkOrigin(req: Request): void {
  const origin = req.headers.get('origin');
  if (origin === null) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host === null || host !== req.headers.get('host')) throw consoleError(403, `cross-origin request refused (Origin ${origin.slice(0, 100)})`, 'bad_origin');
}

/** A state-changing request must carry the session's CSRF token in `x-gw-csrf`. */
export function checkCsrf(req: Request, s: ConsoleSession): void {
  const given = req.headers.get('x-gw-csrf');
  if (given === null || !sameSecret(given, s.csrf)) throw consoleError(403, 'missing or wrong x-gw-csrf header: send the csrf token that /console/api/session gave', 'csrf');
}

/** Methods that change nothing (no CSRF token needed). */
export const isSafeMethod = (m: string) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS';

/**
 * The session a console API request runs in, or a 401/403 GwError. With an admin token, the cookie's session; without
 * one, loopback peers only, each given a session on its first call (so CSRF works the same). Non-GET requests need the
 * CSRF header and, when they send an Origin, the gateway's own.
 */
export function consoleSession(req: Request, table: DecisionTable, env: Env, store: SessionStore): { session: ConsoleSession; fresh: boolean; authRequired: boolean } {
  const token = consoleToken(table, env);
  if (token === null) requireLoopback(req);
  const unsafe = !isSafeMethod(req.method);
  if (unsafe) checkOrigin(req);
  let session = store.get(sessionCookie(req.headers));
  // opened under another admin token (or none): not a session any more
  if (session && session.tokenTag !== tokenTag(token)) {
    store.delete(session.id);
    session = null;
  }
  let fresh = false;
  if (!session) {
    if (token !== null) throw consoleError(401, 'not logged in: POST /console/api/login with the admin token', 'not_logged_in', { auth_required: true });
    if (unsafe) throw consoleError(403, 'no console session: GET /console/api/session first for its csrf token', 'csrf');
    session = store.create(tokenTag(null));
    fresh = true;
  }
  if (unsafe) checkCsrf(req, session);
  return { session, fresh, authRequired: token !== null };
}
