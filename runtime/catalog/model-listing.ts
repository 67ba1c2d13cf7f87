import type { DecisionTable, FreeQuota, Model } from '../types/decision-table.ts';

/** What `gw models` (and the console's providers page) shows of each model of the policy. */
export interface ModelListing {
  id: string;
  provider: string;
  /** the model name the upstream knows */
  name: string;
  providerStatus: 'enabled' | 'disabled';
  providerDisabledReason: string | null;
  context: number | null;
  maxOutput: number | null;
  /** USD per 1M tokens */
  price: { input: number; output: number; cacheRead?: number; cacheWrite?: number } | null;
  capabilities: string[];
  /** tokens per second */
  speed: number | null;
  free: { tokens: number; period: string; until: string | null; zone: string } | null;
  limits: { rpm: number | null; tpm: number | null };
  /** where each field came from; `layer` names the catalog layer for catalog fields */
  origin: { context: string | null; maxOutput: string | null; price: string | null; capabilities: string | null };
  catalog: { known: boolean; released: string | null; retires: string | null; status: string | null; layers: Record<string, string> };
  at: string;
  /** in its provider's model list at the last sync (`gw models sync`); null: never synced */
  served: boolean | null;
}

/** What a provider's own model list held at the last sync (runtime/state/provider-store.ts's Listing, by shape). */
export interface ServedListing {
  models: readonly { name: string }[];
}

function servedIn(l: ServedListing | undefined, name: string): boolean | null {
  return l && l.models.length > 0 ? l.models.some((x) => x.name === name) : null;
}

/** `every day at 00:00 Asia/Shanghai`, `every month at 00:00 UTC until 2026-06-30`, `once until 2026-12-31`. */
export function periodText(free: FreeQuota): string {
  const until = free.until ? ` until ${free.until}${free.period.kind === 'once' && free.zone !== 'UTC' ? ` ${free.zone}` : ''}` : '';
  if (free.period.kind === 'once') return `once${until}`;
  return `every ${free.period.unit} at ${free.period.at} ${free.period.zone}${until}`;
}

export function listModels(table: DecisionTable, listings: ReadonlyMap<string, ServedListing> = new Map()): ModelListing[] {
  const providers = new Map(table.providers.map((p) => [p.name, p]));
  return table.models.map((m: Model) => {
    const p = providers.get(m.provider);
    return {
      id: m.id,
      provider: m.provider,
      name: m.name,
      providerStatus: p?.enabled ? 'enabled' : 'disabled',
      providerDisabledReason: p ? p.disabledReason : 'not declared',
      context: m.context,
      maxOutput: m.maxOutput,
      price: m.price,
      capabilities: m.capabilities,
      speed: m.speed,
      free: m.free ? { tokens: m.free.tokens, period: periodText(m.free), until: m.free.until, zone: m.free.zone } : null,
      limits: m.limits,
      origin: m.catalog?.origin ?? { context: m.context === null ? null : 'declared', maxOutput: null, price: m.price ? 'declared' : null, capabilities: m.capabilities.length ? 'declared' : null },
      catalog: { known: m.catalog?.known ?? false, released: m.catalog?.released ?? null, retires: m.catalog?.retires ?? null, status: m.catalog?.status ?? null, layers: m.catalog?.layers ?? {} },
      at: m.at,
      served: servedIn(listings.get(m.provider), m.name),
    };
  });
}

