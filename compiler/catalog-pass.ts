import type * as A from './ast.ts';
import { providerOf } from './symbols.ts';
import type { Catalog, CatalogFree, CatalogLayer } from '../runtime/catalog/types.ts';

/** Where a model's field came from: its own line, a catalog, or the provider's live model list (`gw models sync`). */
export type FieldOrigin = 'declared' | 'catalog' | 'provider';

export interface ResolvedModel {
  context: number | null;
  maxOutput: number | null;
  price: { input: number; output: number; cacheRead?: number; cacheWrite?: number } | null;
  capabilities: string[];
  modalities: { input: string[]; output: string[] } | null;
  released: string | null;
  retires: string | null;
  /** models.dev's status; `deprecated` = no longer served by the provider's public API */
  status: 'alpha' | 'beta' | 'deprecated' | null;
  /** a free tier the catalog records (informational) */
  catalogFree: CatalogFree | null;
  /** the catalog has an entry for it */
  known: boolean;
  origin: { context: FieldOrigin | null; maxOutput: FieldOrigin | null; price: FieldOrigin | null; capabilities: FieldOrigin | null };
  /** for catalog fields, which layer: package, update or overlay */
  layers: Partial<Record<'context' | 'maxOutput' | 'price' | 'capabilities' | 'modalities' | 'released' | 'retires' | 'status', CatalogLayer>>;
}

/** What a model's block declares, field by field (absent: undefined). */
function declared(m: A.ModelDecl) {
  const s = <K extends A.ModelSetting['kind']>(k: K) => m.settings.filter((x) => x.kind === k) as Extract<A.ModelSetting, { kind: K }>[];
  const price = s('price')[0];
  const can = s('can');
  const cached = price?.cacheRead && price.cacheWrite ? { cacheRead: price.cacheRead.value, cacheWrite: price.cacheWrite.value } : null;
  return {
    context: s('context')[0]?.value.value,
    maxOutput: s('max_output')[0]?.value.value,
    price: price ? { input: price.input.value, output: price.output.value, ...(cached ?? {}) } : undefined,
    cached: cached !== null,
    capabilities: can.length ? can.flatMap((c) => c.caps.map((x) => x.text)) : undefined,
  };
}

/**
 * The catalog pass: each declared model's limits, prices, capabilities, modalities and dates, from its own block
 * where it says so and from the catalog for what it leaves out. A declared field always wins (prices field by field:
 * a declared `price IN / OUT` keeps the catalog's cache prices). Pure: reads the AST and the catalog.
 */
export function catalogPass(models: Iterable<A.ModelDecl>, catalog: Catalog): Map<string, ResolvedModel> {
  const out = new Map<string, ResolvedModel>();
  for (const m of models) {
    const id = m.ref.text;
    const provider = providerOf(id);
    const hit = catalog.lookup(provider, id.slice(provider.length + 1));
    const e = hit?.entry ?? {};
    const from = hit?.from ?? {};
    const d = declared(m);
    const pick = <T>(dv: T | undefined, cv: T | undefined): [T | null, FieldOrigin | null] =>
      dv !== undefined ? [dv, 'declared'] : cv !== undefined ? [cv, 'catalog'] : [null, null];
    const [context, oContext] = pick(d.context, e.context);
    const [maxOutput, oMax] = pick<number>(d.maxOutput, e.maxOutput);
    let price: ResolvedModel['price'] = null;
    let oPrice: FieldOrigin | null = null;
    if (d.price) {
      price = { ...d.price };
      if (!d.cached && e.price?.cacheRead !== undefined) price.cacheRead = e.price.cacheRead;
      if (!d.cached && e.price?.cacheWrite !== undefined) price.cacheWrite = e.price.cacheWrite;
      oPrice = 'declared';
    } else if (e.price) {
      price = { ...e.price };
      oPrice = 'catalog';
    }
    const [capabilities, oCaps] = pick(d.capabilities, e.capabilities);
    const layers: ResolvedModel['layers'] = {};
    for (const k of ['context', 'maxOutput', 'price', 'capabilities', 'modalities', 'released', 'retires', 'status'] as const) {
      const origin = k === 'context' ? oContext : k === 'maxOutput' ? oMax : k === 'price' ? oPrice : k === 'capabilities' ? oCaps : 'catalog';
      if (origin === 'catalog' && from[k]) layers[k] = from[k];
    }
    out.set(id, {
      context,
      maxOutput,
      price,
      capabilities: capabilities ?? [],
      modalities: e.modalities ?? null,
      released: e.released ?? null,
      retires: e.retires ?? null,
      status: e.status ?? null,
      catalogFree: e.free ?? null,
      known: hit !== undefined,
      origin: { context: oContext, maxOutput: oMax, price: oPrice, capabilities: oCaps },
      layers,
    });
  }
  return out;
}
