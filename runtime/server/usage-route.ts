import type { Ledger } from '../state/ledger.ts';
import type { Access, Caller } from './access.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { periodStart } from '../state/client-meter.ts';
import { GwError, jsonResponse } from './errors.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** One client's usage: today and this month (UTC), by model and tier, its budget and live limits. */
export function clientUsage(ledger: Ledger, access: Access, table: DecisionTable, name: string, now: number): Record<string, unknown> {
  const client = access.registry.named(table, name);
  const day = periodStart('day', now);
  const month = periodStart('month', now);
  const totals = (since: number) => {
    const a = ledger.requests.clientTotals(name, since);
    return { since: iso(since), requests: a.requests, prompt_tokens: a.prompt, completion_tokens: a.completion, free_tokens: a.free, cost_usd: round(a.cost), saved_usd: round(a.saved), errors: a.errors ?? 0 };
  };
  const byTier = (since: number) => ledger.requests.groups(since, ['tier'], name);
  const live = client ? access.meter.live(client, now) : { requestsLastMinute: 0, tokensLastMinute: 0, budgetHeld: 0 };
  let budget: Record<string, unknown> | null = null;
  if (client?.budget) {
    const spent = ledger.requests.spentSince(periodStart(client.budget.per, now), name);
    budget = { usd: client.budget.usd, per: client.budget.per, then: client.budget.then, spent: round(spent), in_flight: round(live.budgetHeld), left: round(Math.max(0, client.budget.usd - spent - live.budgetHeld)) };
  }
  return {
    client: name,
    now: iso(now),
    today: { ...totals(day), by_tier: byTier(day) },
    month: { ...totals(month), by_tier: byTier(month), by_model: ledger.requests.groups(month, ['model', 'tier'], name) },
    budget,
    limits: client ? { rpm: client.rpm, tpm: client.tpm, requests_last_minute: live.requestsLastMinute, tokens_last_minute: live.tokensLastMinute } : null,
    expires_at: iso(client?.expiresAt ?? null),
    last_used: iso(ledger.requests.clientTotals(name, month).last),
  };
}

/** GET /v1/usage: a client key reads its own usage; the admin reads any client's (`?client=NAME`) or every client's. */
export function usageResponse(req: Request, caller: Caller, ledger: Ledger, access: Access, table: DecisionTable): Response {
  const now = Date.now();
  const asked = new URL(req.url).searchParams.get('client');
  if (caller.role === 'client') {
    if (asked !== null && asked !== caller.client.name) throw new GwError(403, 'permission_error', 'a client key reads only its own usage', 'admin_only');
    return jsonResponse(200, clientUsage(ledger, access, table, caller.client.name, now));
  }
  if (asked !== null) {
    if (!access.registry.named(table, asked)) throw new GwError(404, 'invalid_request_error', `no client named "${asked}"`, 'client_not_found');
    return jsonResponse(200, clientUsage(ledger, access, table, asked, now));
  }
  return jsonResponse(200, { clients: access.registry.names(table).map((n) => clientUsage(ledger, access, table, n, now)) });
}
