import { randomBytes } from 'node:crypto';

/** How long a console login lasts (the cookie's Max-Age): 12 hours. */
export const SESSION_MS = 12 * 3600_000;
/** The most sessions kept at once: a login past it drops the oldest (logins are the admin's, a handful at most). */
const MAX_SESSIONS = 1000;

export interface ConsoleSession {
  /** the cookie's value: 32 random bytes, hex */
  id: string;
  /** what every non-GET must send as `x-gw-csrf`: 16 random bytes, hex */
  csrf: string;
  expiresAt: number;
  /** which admin token opened it (a digest; '' without one): a session outlives no change of token */
  tokenTag: string;
}

/**
 * The console's logins, in memory only (a restart logs everyone out): keyed by a random id the browser holds in an
 * httpOnly cookie, each with its CSRF token and expiry. Expired sessions are dropped when looked up and on each login.
 */
export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  create(tokenTag = ''): ConsoleSession {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const s: ConsoleSession = { id: randomBytes(32).toString('hex'), csrf: randomBytes(16).toString('hex'), expiresAt: now + SESSION_MS, tokenTag };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session behind a cookie value, or null (unknown, or expired: then forgotten). */
  get(id: string | null): ConsoleSession | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  delete(id: string | null): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}
