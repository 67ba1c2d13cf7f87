// The console session: whether this browser is logged in, and the CSRF token the API wants on every non-GET.
import { reactive } from 'vue';

export const session = reactive({ checked: false, authenticated: false, authRequired: true, csrf: '', expiresAt: '' });

interface SessionBody {
  authenticated: boolean;
  csrf?: string;
  expires_at?: string;
  auth_required?: boolean;
}

export async function checkSession(): Promise<boolean> {
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
  return session.authenticated;
}

export function loggedIn(csrf: string, expiresAt: string): void {
  Object.assign(session, { checked: true, authenticated: true, csrf, expiresAt });
}

export function loggedOut(): void {
  Object.assign(session, { authenticated: false, csrf: '', expiresAt: '' });
}
