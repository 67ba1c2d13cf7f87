// The console session: whether this browser is logged in, and the CSRF token the API wants on every non-GET.
import { reactive } from 'vue';

export const session = reactive({ checked: false, authenticated: false, authRequired: true, csrf: '', expiresAt: '' });

interface SessionBody {
  authenticated: boolean;
  csrf?: string;
  expires_at?: string;
  auth_required?: boolean;
}

/** The session as last seen in this tab (sessionStorage): a page opened again within its expiry skips the check; a
 * session that ended meanwhile answers 401 to the page's first call, which sends the user to the login. */
const STORE = 'gw.console.session';

function remember(): void {
  if (session.authenticated) sessionStorage.setItem(STORE, JSON.stringify({ csrf: session.csrf, expiresAt: session.expiresAt, authRequired: session.authRequired }));
  else sessionStorage.removeItem(STORE);
}

function remembered(): boolean {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as { csrf: string; expiresAt: string; authRequired: boolean } | null;
    if (!s || !s.csrf || !(Date.parse(s.expiresAt) > Date.now() + 60_000)) return false;
    Object.assign(session, { checked: true, authenticated: true, csrf: s.csrf, expiresAt: s.expiresAt, authRequired: s.authRequired });
    return true;
  } catch {
    return false;
  }
}

export async function checkSession(): Promise<boolean> {
  if (remembered()) return true;
  try {
    const res = await fetch('/console/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    const body = (await res.json().catch(() => ({}))) as SessionBody;
    session.authenticated = res.ok && body.authenticated === true;
    session.authRequired = body.auth_required !== false;
    session.csrf = body.csrf ?? '';
    session.expiresAt = body.expires_at ?? '';
  } catch {
    session.authenticated = false;
  }
  session.checked = true;
  remember();
  return session.authenticated;
}

export function loggedIn(csrf: string, expiresAt: string, authRequired = true): void {
  Object.assign(session, { checked: true, authenticated: true, csrf, expiresAt, authRequired });
  remember();
}

export function loggedOut(): void {
  Object.assign(session, { authenticated: false, csrf: '', expiresAt: '' });
  remember();
}
