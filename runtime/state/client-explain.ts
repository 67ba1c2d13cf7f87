import { existsSync } from 'node:fs';
import type { Env } from '../providers/keys.ts';
import type { RouteClient } from '../router/types.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { periodStart } from './client-meter.ts';
import { ClientRegistry, type Client } from './client-registry.ts';
import { RequestLog } from './request-log.ts';
import { openDatabase } from './sqlite-store.ts';
import { statePath } from './state-path.ts';

/**
 * A client as the gateway would see it for `gw explain --client NAME`: its allow lists and its budget's verdict from
 * the spend recorded in the state database (requests in flight are not seen from here). Null: no such client.
 */
export function explainClient(table: DecisionTable, policyPath: string, env: Env, name: string, now: number): { client: Client; route: RouteClient; note: string | null } | null {
  const path = statePath(table, policyPath);
  const db = path !== ':memory:' && existsSync(path) ? openDatabase(path) : openDatabase(':memory:');
  try {
    const client = new ClientRegistry(db, { env }).named(table, name);
    if (!client) return null;
    let freeOnly = false;
    let note: string | null = null;
    if (client.revokedAt !== null) note = `client "${name}" is revoked: its requests get 401`;
    else if (client.expiresAt !== null && now >= client.expiresAt) note = `client "${name}" expired at ${new Date(client.expiresAt).toISOString()}: its requests get 401`;
    if (client.budget) {
      const spent = new RequestLog(db).spentSince(periodStart(client.budget.per, now), name);
      if (spent >= client.budget.usd) {
        if (client.budget.then === 'block') note ??= `client "${name}" has spent its budget ($${spent.toFixed(4)} of $${client.budget.usd} per ${client.budget.per}): its requests get 429 budget_exceeded`;
        else freeOnly = true;
      }
    }
    return { client, route: { name, freeOnly, models: client.models, scenarios: client.scenarios }, note };
  } finally {
    db.close();
  }
}
