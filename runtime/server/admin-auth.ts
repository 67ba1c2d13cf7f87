import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import { checkAuth, emptyAuthVariables, gatewayToken } from './auth.ts';
import { GwError } from './errors.ts';
import { nodeContext } from './node-context.ts';

/** A peer address on this machine (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export const isLoopback = (address: string | undefined | null) =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.') || address === 'localhost');

/**
 * Routes that change what the gateway does for everyone (registering or removing quotas) need the admin token: the
 * gateway token. With auth off they are taken only from this machine (a loopback peer).
 */
export function checkAdmin(req: Request, table: DecisionTable, env: Env): void {
  const token = gatewayToken(table, env);
  checkAuth(req.headers, token);
  if (token === null) {
    const peer = nodeContext(req)?.req?.socket.remoteAddress;
    if (peer !== undefined && !isLoopback(peer))
      throw new GwError(403, 'permission_error', 'admin routes answer other hosts only with gateway auth on: set `gateway { auth env … }` and send its token', 'admin_only');
  }
}

/** Refuse to start when an auth variable is set but empty: auth must not turn off by accident. Names the variable. */
export function authStartError(table: DecisionTable, env: Env): string | null {
  const empty = emptyAuthVariables(table, env);
  if (empty.length === 0) return null;
  return `${empty.join(', ')} ${empty.length === 1 ? 'is' : 'are'} set but empty (named by gateway { auth env … }): refusing to start with auth silently off. Set a token, or unset ${empty.length === 1 ? 'the variable' : 'them'} to run without auth.`;
}

/** The warning printed at start when the gateway listens beyond this machine with auth off; null otherwise. */
export function exposureWarning(table: DecisionTable, env: Env, hostname: string): string | null {
  if (gatewayToken(table, env) !== null) return null;
  const h = hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(h)) return null;
  return `warning: listening on ${hostname} (reachable from other hosts) with gateway auth off: anyone who can reach it can use your provider keys. Set gateway { auth env GATEWAY_AUTH_TOKEN } and the variable, or listen on 127.0.0.1.`;
}
