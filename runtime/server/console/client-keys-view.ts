import { ClientKeyError, parseBudget, type ClientLimits, type ClientKeyRow } from '../../state/client-keys.ts';
import { periodStart } from '../../state/client-meter.ts';
import type { ClientRegistry } from '../../state/client-registry.ts';
import type { Ledger } from '../../state/ledger.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import { consoleError } from './console-errors.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A client key as the console lists it: its limits, budget and usage (today's, and the budget period's spend); never the key or its hash. */
function keyJson(k: ClientKeyRow, ledger: Ledger, now: number) {
  const t = ledger.requests.clientTotals(k.name, periodStart('day', now));
  return {
    name: k.name,
    prefix: k.prefix,
    rpm: k.rpm,
    tpm: k.tpm,
    budget: k.budget,
    models: k.models,
    scenarios: k.scenarios,
    usage: {
      today: { requests: t.requests, tokens: t.prompt + t.completion, cost_usd: round6(t.cost) },
      budget_spent_usd: k.budget ? round6(ledger.requests.spentSince(periodStart(k.budget.per, now), k.name)) : null,
      last_used: iso(t.last),
    },
    created_at: iso(k.createdAt),
    rotated_at: iso(k.rotatedAt),
    expires_at: iso(k.expiresAt),
    revoked: k.revokedAt !== null,
    revoked_at: iso(k.revokedAt),
    status: k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active',
  };
}

export function listKeys(registry: ClientRegistry, ledger: Ledger, now: number) {
  return { keys: registry.store.all().map((k) => keyJson(k, ledger, now)) };
}

function whole(v: unknown, name: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1e12) throw consoleError(400, `${name} is a whole number of at least 1`, 'invalid_value', { param: name });
  return v;
}

function names(v: unknown, name: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > 200 || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 200))
    throw consoleError(400, `${name} is a list of names`, 'invalid_value', { param: name });
  return v as string[];
}

/** The body's limits, as `gw keys create`'s flags give them: rpm, tpm, budget ("2/day" or {usd, per, then}), models, scenarios, expires_at. */
function parseLimits(body: Record<string, unknown>, table: DecisionTable, now: number): ClientLimits {
  let budget: ClientLimits['budget'] = null;
  const b = body.budget;
  if (typeof b === 'string') {
    const parsed = parseBudget(b);
    if (!parsed) throw consoleError(400, `budget takes AMOUNT/day or AMOUNT/month (e.g. 2/day), got "${b.slice(0, 40)}"`, 'invalid_value', { param: 'budget' });
    budget = { ...parsed, then: 'free_only' };
  } else if (b && typeof b === 'object') {
    const o = b as Record<string, unknown>;
    if (typeof o.usd !== 'number' || !(o.usd >= 0) || !Number.isFinite(o.usd) || (o.per !== 'day' && o.per !== 'month'))
      throw consoleError(400, 'budget is {"usd": AMOUNT, "per": "day"|"month", "then"?: "free_only"|"block"}', 'invalid_value', { param: 'budget' });
    if (o.then !== undefined && o.then !== 'free_only' && o.then !== 'block') throw consoleError(400, 'budget.then is free_only or block', 'invalid_value', { param: 'budget' });
    budget = { usd: o.usd, per: o.per, then: (o.then as 'free_only' | 'block' | undefined) ?? 'free_only' };
  } else if (b !== undefined && b !== null) throw consoleError(400, 'budget is "2/day" or {"usd", "per", "then"}', 'invalid_value', { param: 'budget' });
  if (typeof body.then === 'string' && budget) {
    if (body.then !== 'free_only' && body.then !== 'block') throw consoleError(400, 'then is free_only or block', 'invalid_value', { param: 'then' });
    budget.then = body.then;
  }
  const scenarios = names(body.scenarios, 'scenarios');
  if (scenarios) {
    const known = table.scenarios.map((s) => s.name);
    const unknown = scenarios.filter((s) => !known.includes(s));
    if (unknown.length) throw consoleError(400, `unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the policy has ${known.join(', ')}`, 'invalid_value', { param: 'scenarios' });
  }
  let expiresAt: number | null = null;
  if (body.expires_at !== undefined && body.expires_at !== null) {
    const v = body.expires_at;
    const t = typeof v === 'string' ? (/^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) + 86_400_000 : Date.parse(v)) : NaN;
    if (!Number.isFinite(t) || t <= now) throw consoleError(400, 'expires_at is a future date (2027-01-31) or ISO time', 'invalid_value', { param: 'expires_at' });
    expiresAt = t;
  }
  return { rpm: whole(body.rpm, 'rpm'), tpm: whole(body.tpm, 'tpm'), budget, models: names(body.models, 'models'), scenarios, expiresAt };
}

/** POST /console/api/keys: a new client key, as `gw keys create` makes it; the key is in this answer only. */
export function createKey(registry: ClientRegistry, ledger: Ledger, table: DecisionTable, body: Record<string, unknown>, now: number) {
  if (typeof body.name !== 'string') throw consoleError(400, 'send {"name": "<client name>", "rpm"?, "tpm"?, "budget"?}', 'invalid_value', { param: 'name' });
  const limits = parseLimits(body, table, now);
  let key: string;
  try {
    key = registry.store.create(body.name, limits, now);
  } catch (e) {
    if (e instanceof ClientKeyError) throw consoleError(/exists/.test(e.message) ? 409 : 400, e.message, /exists/.test(e.message) ? 'key_exists' : 'invalid_value');
    throw e;
  }
  registry.sync(true); // this process's own write: the gateway serves the key at once
  return { key, ...keyJson(registry.store.get(body.name)!, ledger, now) };
}

/** DELETE /console/api/keys/:name: revoke it (requests with it get 401 from now on). */
export function revokeKey(registry: ClientRegistry, name: string, now: number) {
  try {
    registry.store.revoke(name, now);
  } catch (e) {
    if (e instanceof ClientKeyError) throw consoleError(registry.store.get(name) ? 409 : 404, e.message, registry.store.get(name) ? 'already_revoked' : 'key_not_found');
    throw e;
  }
  registry.sync(true);
  return { name, revoked: true };
}
