import { createHash, timingSafeEqual } from 'node:crypto';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import { GwError } from './errors.ts';

/** The bearer token clients must send, or null when auth is off (no variable of `gateway { auth … }` is set). */
export function gatewayToken(table: DecisionTable, env: Env): string | null {
  for (const name of table.gateway.auth?.env ?? []) if (env[name]) return env[name]!;
  return null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check of `Authorization: Bearer …` (or `x-api-key`, which Anthropic clients send). */
export function checkAuth(headers: Headers, token: string | null): void {
  if (token === null) return;
  const auth = headers.get('authorization');
  const given = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : headers.get('x-api-key');
  if (given === null || !timingSafeEqual(digest(given), digest(token))) {
    throw new GwError(401, 'authentication_error', given === null ? 'missing gateway token: send Authorization: Bearer <token>' : 'invalid gateway token', 'invalid_api_key');
  }
}
