import { existsSync } from 'node:fs';
import { sortDiagnostics, warning, type Diagnostic } from '../compiler/diagnostics.ts';
import type { LoadResult } from '../compiler/load-policy.ts';
import { buildSymbols } from '../compiler/symbols.ts';
import type { ModelDecl } from '../compiler/ast.ts';
import { ProviderStore } from '../runtime/state/provider-store.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { statePath } from '../runtime/state/state-path.ts';

const day = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/**
 * What the last provider sync (gw models sync, gateway { sync every }) says about a policy that compiled: GW215 for a
 * declared model its enabled provider's list no longer has, GW216 for a provider whose balance endpoint reported the
 * account empty or its free credit gone. Read from the state database beside the policy; none when there is none
 * (or it predates the sync tables).
 */
export function syncLints(r: LoadResult, policyFile: string): Diagnostic[] {
  if (!r.table || !r.ast) return [];
  const path = statePath(r.table, policyFile);
  if (path === ':memory:' || !existsSync(path)) return [];
  let listings, balances;
  const db = openDatabase(path, { readonly: true });
  try {
    const store = new ProviderStore(db);
    listings = store.listings();
    balances = store.balances();
  } catch {
    return []; // a database from before migration 5
  } finally {
    db.close();
  }
  const symbols = buildSymbols(r.ast);
  const out: Diagnostic[] = [];
  const firstModel = new Map<string, ModelDecl>();
  for (const m of r.table.models) {
    const decl = symbols.models.get(m.id);
    if (decl && !firstModel.has(m.provider)) firstModel.set(m.provider, decl);
    const l = listings.get(m.provider);
    const enabled = r.table.providers.find((p) => p.name === m.provider)?.enabled;
    if (!decl || !enabled || !l || l.models.length === 0 || l.models.some((x) => x.name === m.name)) continue;
    out.push(
      warning('GW215', r.file, decl.ref.loc, `${m.id} is not in ${m.provider}'s model list (last sync ${day(l.at)} UTC): retired or renamed, so routing skips it`, [
        { message: 'replace it with a model the provider lists (`gw doctor` compares the list with the policy; `gw models sync` reads it again)' },
      ]),
    );
  }
  for (const p of r.table.providers) {
    const b = balances.get(p.name)?.latest;
    const at = symbols.providers.get(p.name)?.name.loc ?? firstModel.get(p.name)?.ref.loc;
    if (!b || !at || !p.enabled || (!b.empty && !b.freeExhausted)) continue;
    out.push(
      warning('GW216', r.file, at, `${p.name} reported ${b.empty ? 'its balance empty: its models are skipped' : 'its free credit exhausted: free quotas it pays for are skipped'} (${b.summary}; read ${day(b.at)} UTC)`),
    );
  }
  return sortDiagnostics(out);
}
