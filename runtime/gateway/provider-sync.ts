import type { DecisionTable } from '../types/decision-table.ts';
import type { Balance } from '../providers/balances.ts';
import { readBalance } from '../providers/doctor.ts';
import type { Env } from '../providers/keys.ts';
import { fetchModelList } from '../providers/model-list.ts';
import type { ProviderStore } from '../state/provider-store.ts';

/** One provider's sync: its list read (or why not), what of the policy it no longer serves, its balance. */
export interface SyncReport {
  provider: string;
  ok: boolean;
  /** models in the list; free ones among them */
  listed: number;
  free: number;
  latencyMs: number | null;
  /** declared models the list lacks (empty when the list could not be read: nothing is concluded then) */
  notServed: string[];
  /** those the previous good list still had: newly gone */
  newlyGone: string[];
  balance: Balance | null;
  balanceError?: string;
  detail: string;
}

/** Where a model is a candidate: `scenario chat paid`, `scenario code fallback`, `fallback` (the global chain). */
export function chainsOf(table: DecisionTable, id: string): string[] {
  const out: string[] = [];
  for (const s of table.scenarios) {
    if (s.paid.includes(id)) out.push(`scenario ${s.name} paid`);
    if (s.free.includes(id)) out.push(`scenario ${s.name} free`);
    if (s.fallback?.models.includes(id)) out.push(`scenario ${s.name} fallback`);
  }
  if (table.fallback?.models.includes(id)) out.push('fallback');
  return out;
}

/**
 * Read every enabled provider's model list and balance (or only `only`'s) and record them in the state database: a
 * good list replaces the provider's last one, a failed read keeps it (and is recorded as the attempt's error).
 * Providers are read in parallel; never throws for a provider's failure.
 */
export async function syncProviders(table: DecisionTable, env: Env, store: ProviderStore, opts: { only?: string; now?: () => number; timeoutMs?: number } = {}): Promise<SyncReport[]> {
  const now = opts.now ?? Date.now;
  const providers = table.providers.filter((p) => p.enabled && (!opts.only || p.name === opts.only));
  const before = store.listings();
  return Promise.all(
    providers.map(async (p): Promise<SyncReport> => {
      const [list, bal] = await Promise.all([fetchModelList(p, env, opts.timeoutMs), readBalance(p, env, opts.timeoutMs)]);
      const at = now();
      const balance = bal && 'balance' in bal ? { ...bal.balance, at } : null;
      if (balance) store.saveBalance(balance);
      const balanceError = bal && 'error' in bal ? { balanceError: bal.error } : {};
      if (!list.ok) {
        store.saveSync(p.name, at, { error: list.detail });
        return { provider: p.name, ok: false, listed: 0, free: 0, latencyMs: list.latencyMs, notServed: [], newlyGone: [], balance, ...balanceError, detail: `model list not read: ${list.detail} (the last good list is kept)` };
      }
      // an empty list says nothing of what is served (a provider that lists nothing): it is not taken as one
      if (list.models.length === 0) {
        store.saveSync(p.name, at, { error: 'the model list is empty' });
        return { provider: p.name, ok: false, listed: 0, free: 0, latencyMs: list.latencyMs, notServed: [], newlyGone: [], balance, ...balanceError, detail: 'the model list is empty (kept the last good one)' };
      }
      store.saveSync(p.name, at, { models: list.models });
      const names = new Set(list.models.map((m) => m.name));
      const prev = before.get(p.name);
      const prevNames = prev && prev.models.length > 0 ? new Set(prev.models.map((m) => m.name)) : null;
      const mine = table.models.filter((m) => m.provider === p.name);
      const gone = mine.filter((m) => !names.has(m.name));
      const free = list.models.filter((m) => m.free).length;
      return {
        provider: p.name,
        ok: true,
        listed: list.models.length,
        free,
        latencyMs: list.latencyMs,
        notServed: gone.map((m) => m.id),
        newlyGone: gone.filter((m) => prevNames === null || prevNames.has(m.name)).map((m) => m.id),
        balance,
        ...balanceError,
        detail: `${list.models.length} models listed${free ? ` (${free} free)` : ''}; ${mine.length - gone.length} of ${mine.length} declared served`,
      };
    }),
  );
}
