import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientGate } from '../gateway/route-and-call.ts';
import type { Env } from '../providers/keys.ts';
import type { CompletedRequest } from '../state/accounting.ts';
import type { Decision } from '../router/types.ts';
import { modelIndex } from '../router/resolve-model.ts';
import { CLIENT_KEY_PREFIX } from '../state/client-keys.ts';
import { ClientRefusal, type ClientMeter, type ClientTicket } from '../state/client-meter.ts';
import type { Client, ClientRegistry } from '../state/client-registry.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { AUTH_MISCONFIGURED, checkAuth, gatewayToken } from './auth.ts';
import { GwError } from './errors.ts';

/**
 * Who is calling. The gateway token (`gateway { auth … }`) is the admin: every route. A client key (`gw keys`, or a
 * `client` block) may call /v1/* and read its own usage. With no gateway token set, a request without a known client
 * key is served as before (the admin on loopback).
 */
export type Caller = { role: 'admin' } | { role: 'client'; client: Client };

const ADMIN: Caller = Object.freeze({ role: 'admin' });
const digest = (s: string) => createHash('sha256').update(s).digest();

/** The credential a request carries: `Authorization: Bearer …`, else `x-api-key` (Anthropic clients). */
export function presentedKey(headers: Headers): string | null {
  const auth = headers.get('authorization');
  return auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : headers.get('x-api-key');
}

export interface Access {
  /** who sent these headers; throws a 401 GwError for a missing, wrong, revoked or expired key */
  identify(headers: Headers, table: DecisionTable): Caller;
  /** admit one request of a client (its rpm); null for the admin. Throws a 429 GwError. */
  open(caller: Caller, now: number): ClientTicket | null;
  registry: ClientRegistry;
  meter: ClientMeter;
}

export function createAccess(registry: ClientRegistry, meter: ClientMeter, env: Env, now: () => number = Date.now): Access {
  return {
    registry,
    meter,
    // the registry is synced once per request, first thing (app.ts), before any route identifies its caller
    identify(headers, table) {
      const token = gatewayToken(table, env);
      if (token === AUTH_MISCONFIGURED) {
        checkAuth(headers, token); // fails closed: 401 auth_misconfigured
        return ADMIN;
      }
      const given = presentedKey(headers);
      if (given === null) {
        if (token === null) return ADMIN;
        throw new GwError(401, 'authentication_error', 'missing gateway token: send Authorization: Bearer <token>', 'invalid_api_key');
      }
      if (token !== null && timingSafeEqual(digest(given), digest(token))) return ADMIN;
      const client = registry.lookup(table, given);
      if (client) {
        if (client.revokedAt !== null) throw new GwError(401, 'authentication_error', `the client key "${client.name}" was revoked`, 'key_revoked');
        if (client.expiresAt !== null && now() >= client.expiresAt)
          throw new GwError(401, 'authentication_error', `the client key "${client.name}" expired at ${new Date(client.expiresAt).toISOString()}`, 'key_expired');
        return { role: 'client', client };
      }
      // auth off: any key is accepted as before, except one that looks like a gw client key (rotated or mistyped)
      if (token === null && !given.startsWith(CLIENT_KEY_PREFIX)) return ADMIN;
      throw new GwError(401, 'authentication_error', token === null ? 'unknown client key' : 'invalid gateway token', 'invalid_api_key');
    },
    open(caller, at) {
      if (caller.role !== 'client') return null;
      try {
        return meter.open(caller.client, at);
      } catch (e) {
        throw refusalError(e);
      }
    },
  };
}

/** A route the gateway token alone may call. */
export function requireAdmin(caller: Caller, path: string): void {
  if (caller.role === 'admin') return;
  throw new GwError(403, 'permission_error', `${path} needs the gateway token: a client key may call /v1/* and GET /v1/usage`, 'admin_only');
}

/** A client's limit in the OpenAI error shape (the Anthropic routes translate it by status). */
export function refusalError(e: unknown): unknown {
  if (!(e instanceof ClientRefusal)) return e;
  const headers: Record<string, string> = e.retryAfterS !== null ? { 'retry-after': String(e.retryAfterS) } : {};
  return e.code === 'budget_exceeded'
    ? new GwError(429, 'insufficient_quota', e.message, 'budget_exceeded', {}, headers)
    : new GwError(429, 'rate_limit_error', e.message, 'rate_limit_exceeded', {}, headers);
}

/** The estimated USD of a decision: a paid model's price for the prompt and the answer allowance. */
export function estimatedCost(table: DecisionTable, d: Decision): number {
  if (d.tier !== 'paid' || !d.model) return 0;
  const m = modelIndex(table).byId.get(d.model);
  if (!m?.price) return 0;
  return (d.tokens * m.price.input + (d.estimate - d.tokens) * m.price.output) / 1e6;
}

/** What route-and-call asks of a client's ticket around each decision, with refusals as GwErrors. */
export function clientGate(ticket: ClientTicket): ClientGate {
  return {
    constraints(now) {
      try {
        return ticket.constraints(now);
      } catch (e) {
        throw refusalError(e);
      }
    },
    admit(table, decision, now) {
      try {
        ticket.admit(decision.estimate, estimatedCost(table, decision), now);
      } catch (e) {
        throw refusalError(e);
      }
    },
  };
}

/**
 * A /v1 request's caller: who it is, and for a client key its ticket (its rpm counted now); the record carries the
 * client's name into the log. Returns the gate route-and-call applies around each decision (none for the admin).
 * Without `access` (a context built without client keys) the gateway token alone is checked.
 */
export function admitCaller(
  req: Request,
  ctx: { access?: Access; deps: { env: Env } },
  table: DecisionTable,
  rec: { client: string | null; ticket: CompletedRequest['ticket'] },
  opts: { limits?: boolean } = {},
): ClientGate | undefined {
  if (!ctx.access) {
    checkAuth(req.headers, gatewayToken(table, ctx.deps.env));
    return undefined;
  }
  const caller = ctx.access.identify(req.headers, table);
  if (caller.role !== 'client') return undefined;
  rec.client = caller.client.name;
  if (opts.limits === false) return undefined;
  const ticket = ctx.access.open(caller, Date.now());
  rec.ticket = ticket;
  return ticket ? clientGate(ticket) : undefined;
}
