import type { DecisionTable, Model } from '../types/decision-table.ts';
import type { BalanceVerdict, ServedList, StateSnapshot } from '../router/types.ts';
import type { Balance } from '../providers/balances.ts';
import { shippedCatalog } from '../catalog/catalog.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Listing, ProviderStore } from './provider-store.ts';

/** A model the policy declares that its provider's last good list does not have. */
export interface NotServed {
  model: string;
  provider: string;
  /** epoch ms of that list */
  at: number;
  /** where the model is declared */
  declared: string;
}

type ProviderSnapshot = Pick<StateSnapshot, 'served' | 'balance' | 'listed'>;

/** How often the router's view looks for a sync another process (`gw models sync`) wrote. */
const RECHECK_MS = 2_000;

/**
 * What the providers said at the last sync, as the router reads it: each synced provider's served names, each
 * balance's verdict, and (for `free any listed`) the free models they list that the policy does not declare, with
 * limits from the list itself or the catalog. Re-read from the store when a sync wrote to it (this process's or
 * another's); the snapshot for a table is built once per such change.
 */
export class ProviderState {
  private readonly store: ProviderStore;
  private readonly catalog: Catalog;
  private version = '';
  private checkedAt = -Infinity;
  private listings = new Map<string, Listing>();
  private readings = new Map<string, { latest: Balance; first: Balance }>();
  private built = new WeakMap<DecisionTable, { version: string; snap: ProviderSnapshot; byId: Map<string, Model> }>();

  constructor(store: ProviderStore, catalog: Catalog = shippedCatalog()) {
    this.store = store;
    this.catalog = catalog;
    this.refresh();
  }

  /** Re-read the store when it changed; true when it did. */
  refresh(): boolean {
    this.checkedAt = Date.now();
    try {
      const v = this.store.version();
      if (v === this.version) return false;
      this.listings = this.store.listings();
      this.readings = this.store.balances();
      this.version = v;
      return true;
    } catch {
      // a closed database (a CLI's read-only look): what was read stays
      return false;
    }
  }

  /** The provider part of the router's snapshot for `table`. */
  snapshot(table: DecisionTable, now: number): ProviderSnapshot {
    if (now - this.checkedAt >= RECHECK_MS || now < this.checkedAt) this.refresh();
    return this.forTable(table).snap;
  }

  /** A listed free model the router may have chosen (`free any listed`): not in the table. */
  listedModel(table: DecisionTable, id: string): Model | undefined {
    return this.forTable(table).byId.get(id);
  }

  /** The latest balance readings, and the oldest kept (drift baseline). */
  balances(): ReadonlyMap<string, { latest: Balance; first: Balance }> {
    return this.readings;
  }

  listing(provider: string): Listing | undefined {
    return this.listings.get(provider);
  }

  /** The declared models of enabled providers that their provider's last good list lacks. */
  notServed(table: DecisionTable): NotServed[] {
    const out: NotServed[] = [];
    const snap = this.forTable(table).snap;
    const enabled = new Set(table.providers.filter((p) => p.enabled).map((p) => p.name));
    for (const m of table.models) {
      const s = snap.served?.[m.provider];
      if (s && enabled.has(m.provider) && !s.names.has(m.name)) out.push({ model: m.id, provider: m.provider, at: s.at, declared: m.at });
    }
    return out;
  }

  private forTable(table: DecisionTable) {
    const hit = this.built.get(table);
    if (hit && hit.version === this.version) return hit;
    const served: Record<string, ServedList> = {};
    for (const [name, l] of this.listings) if (l.models.length > 0) served[name] = { at: l.at, names: new Set(l.models.map((m) => m.name)) };
    const balance: Record<string, BalanceVerdict> = {};
    for (const [name, r] of this.readings) balance[name] = { at: r.latest.at, freeExhausted: r.latest.freeExhausted, empty: r.latest.empty, summary: r.latest.summary };
    const listed = table.scenarios.some((s) => s.freeListed) ? listedFree(table, this.listings, this.catalog) : [];
    // only what there is: a gateway never synced adds nothing to the router's snapshot (nor to its lookups)
    const snap: ProviderSnapshot = {};
    if (Object.keys(served).length) snap.served = served;
    if (Object.keys(balance).length) snap.balance = balance;
    if (listed.length) snap.listed = listed;
    const built = { version: this.version, snap, byId: new Map(listed.map((m) => [m.id, m])) };
    this.built.set(table, built);
    return built;
  }
}

/**
 * The free models enabled providers list that the policy does not declare, as table models: free of charge (price
 * 0/0, no quota), context and max output from the provider's list or the catalog, capabilities from the catalog;
 * embedding and retired models left out. They are declared where the first `free any listed` line is.
 */
function listedFree(table: DecisionTable, listings: ReadonlyMap<string, Listing>, catalog: Catalog): Model[] {
  const declared = new Set(table.models.map((m) => m.id));
  const at = table.scenarios.find((s) => s.freeListed)!.lines.free ?? table.scenarios[0].at;
  const today = new Date().toISOString().slice(0, 10);
  const out: Model[] = [];
  for (const p of table.providers) {
    if (!p.enabled) continue;
    const l = listings.get(p.name);
    if (!l) continue;
    for (const lm of l.models) {
      const id = `${p.name}/${lm.name}`;
      if (!lm.free && !catalogFree(catalog, p.name, lm.name)) continue;
      if (declared.has(id)) continue;
      const hit = catalog.lookup(p.name, lm.name)?.entry;
      const caps = hit?.capabilities ?? [];
      if (caps.includes('embed') || (hit?.modalities && !hit.modalities.output.includes('text'))) continue;
      if (hit?.status === 'deprecated' || (hit?.retires !== undefined && hit.retires <= today)) continue;
      const context = lm.context ?? hit?.context ?? null;
      const maxOutput = lm.maxOutput ?? hit?.maxOutput ?? null;
      out.push({
        id,
        provider: p.name,
        name: lm.name,
        context,
        maxOutput,
        price: { input: 0, output: 0 },
        capabilities: caps,
        speed: null,
        free: null,
        limits: { rpm: null, tpm: null },
        order: table.models.length + out.length,
        at,
        catalog: {
          known: hit !== undefined,
          modalities: hit?.modalities ?? null,
          released: hit?.released ?? null,
          retires: hit?.retires ?? null,
          status: hit?.status ?? null,
          origin: {
            context: lm.context !== null ? 'provider' : hit?.context !== undefined ? 'catalog' : null,
            maxOutput: lm.maxOutput !== null ? 'provider' : hit?.maxOutput !== undefined ? 'catalog' : null,
            price: lm.free ? 'provider' : 'catalog',
            capabilities: hit?.capabilities ? 'catalog' : null,
          },
          layers: {},
          free: null,
        },
      });
    }
  }
  return out;
}

/** The catalog prices the model at nothing (SiliconFlow's and Zhipu's free models list no price of their own). */
function catalogFree(catalog: Catalog, provider: string, name: string): boolean {
  const price = catalog.lookup(provider, name)?.entry.price;
  return price !== undefined && price.input === 0 && price.output === 0;
}
