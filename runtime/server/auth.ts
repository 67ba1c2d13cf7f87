import { createHash, timingSafeEqual } from 'node:crypto';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import { GwError } from './errors.ts';

/**
 * What `gatewayToken` answers when a variable of `gateway { auth … }` is set but empty and none holds a token: auth
 * fails closed (every request is refused) instead of turning off.
 */
export const AUTH_MISCONFIGURED = Symbol('gateway auth variable set but empty');

/** Variables of `gateway { auth env … }` that are set but hold nothing (or only blanks). */
export function emptyAuthVariables(table: DecisionTable, env: Env): string[] {
  return (table.gateway.auth?.env ?? []).filter((name) => env[name] !== undefined && env[name]!.trim() === '');
}

/**
 * The bearer token clients must send, or null when auth is off (no variable of `gateway { auth … }` is set), or
 * AUTH_MISCONFIGURED when one is set but empty.
 */
export function gatewayToken(table: DecisionTable, env: Env): string | null | typeof AUTH_MISCONFIGURED {
  for (const name of table.gateway.auth?.env ?? []) if (env[name] && env[name]!.trim() !== '') return env[name]!;
  return emptyAuthVariables(table, env).length ? AUTH_MISCONFIGURED : null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether `given` is `token`, compared in constant time (over their digests, so lengths leak nothing either). */
export function sameSecret(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** Constant-time check of `Authorization: Bearer …` (or `x-api-key`, which Anthropic clients send). */
export function checkAuth(headers: Headers, token: string | null | typeof AUTH_MISCONFIGURED): void {
  if (token === null) return;
  if (token === AUTH_MISCONFIGURED)
    throw new GwError(401, 'authentication_error', "the gateway's auth variable is set but empty: every request is refused until it holds a token", 'auth_misconfigured');
  const auth = headers.get('authorization');
  const given = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : headers.get('x-api-key');
  if (given === null || !sameSecret(given, token)) {
    throw new GwError(401, 'authentication_error', given === null ? 'missing gateway token: send Authorization: Bearer <token>' : 'invalid gateway token', 'invalid_api_key');
  }
}
