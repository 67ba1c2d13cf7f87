import { existsSync, readFileSync, statSync } from 'node:fs';
import { catalogIdsOf } from '../providers/presets.ts';
import { fromModelsDev, parseApiJson, providerEntries, type ModelsDevModel, type ModelsDevProvider } from './models-dev.ts';
import { MODELS_DEV_OVERLAY, MODELS_DEV_OVERLAY_DATE, type OverlayRow } from './overlay-models-dev.ts';
import { GW_OVERLAY, GW_OVERLAY_DATE } from './overlay-gw.ts';
import { PACKAGE_NAME, PACKAGE_PROVIDERS } from './package-snapshot.ts';
import type { Catalog, CatalogEntry, CatalogHit, CatalogLayer } from './types.ts';

type Layer = { layer: CatalogLayer; label: string; modelsDev: boolean; models: (provider: string) => Map<string, CatalogEntry> };

/** A compact overlay row back to models.dev's shape, so one converter reads every layer. */
export function rowToModelsDev(row: OverlayRow): ModelsDevModel {
  const [context, output, input, out, cr, cw, flags = '', released, status] = row as (number | string | null | undefined)[];
  const f = String(flags ?? '');
  const ins = ['text', ...(f.includes('i') ? ['image'] : []), ...(f.includes('a') ? ['audio'] : []), ...(f.includes('p') ? ['pdf'] : []), ...(f.includes('v') ? ['video'] : [])];
  const outs = [
    ...(f.includes('-') ? [] : ['text']),
    ...(f.includes('I') ? ['image'] : []),
    ...(f.includes('A') ? ['audio'] : []),
    ...(f.includes('E') ? ['embedding'] : []),
  ];
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    tool_call: f.includes('t'),
    reasoning: f.includes('r'),
    structured_output: f.includes('j'),
    release_date: typeof released === 'string' ? released : undefined,
    status: typeof status === 'string' ? status : undefined,
    modalities: { input: ins, output: outs },
    cost: n(input) !== undefined && n(out) !== undefined ? { input: n(input), output: n(out), cache_read: n(cr), cache_write: n(cw) } : undefined,
    limit: { context: n(context), output: n(output) },
  };
}

const memo = <T>(f: (k: string) => T) => {
  const m = new Map<string, T>();
  return (k: string) => {
    if (!m.has(k)) m.set(k, f(k));
    return m.get(k)!;
  };
};

/** models.dev-shaped providers (the package, or an updated api.json) as a layer: gw provider → its models. */
function modelsDevLayer(layer: CatalogLayer, label: string, providers: Readonly<Record<string, ModelsDevProvider>>): Layer {
  return {
    layer,
    label,
    modelsDev: true,
    models: memo((gw) => {
      const out = new Map<string, CatalogEntry>();
      // the first models.dev id listed for a provider wins a name two of them share
      for (const id of [...catalogIdsOf(gw)].reverse()) {
        const p = providers[id];
        if (p) for (const [k, v] of providerEntries(p)) out.set(k, v);
      }
      return out;
    }),
  };
}

const overlayLayer: Layer = {
  layer: 'overlay',
  label: `models.dev ${MODELS_DEV_OVERLAY_DATE} overlay`,
  modelsDev: true,
  models: memo((gw) => new Map(Object.entries(MODELS_DEV_OVERLAY[gw] ?? {}).map(([k, row]) => [k, fromModelsDev(k, rowToModelsDev(row))]))),
};

const gwLayer: Layer = {
  layer: 'overlay',
  label: `gw overlay ${GW_OVERLAY_DATE} (retirements, free tiers, the seeds' models)`,
  modelsDev: false,
  models: memo((gw) => new Map(Object.entries(GW_OVERLAY[gw] ?? {}))),
};

const FIELDS: (keyof CatalogEntry)[] = ['context', 'maxOutput', 'price', 'capabilities', 'modalities', 'released', 'retires', 'status', 'free'];

function findName(models: Map<string, CatalogEntry>, name: string): CatalogEntry | undefined {
  const exact = models.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of models) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Layers lowest first; each field of a hit comes from the highest layer that has it. */
export function buildCatalog(layers: Layer[]): Catalog {
  return {
    lookup(provider, model) {
      let hit: CatalogHit | undefined;
      for (const l of layers) {
        const e = findName(l.models(provider), model);
        if (!e) continue;
        hit ??= { entry: {}, from: {} };
        for (const f of FIELDS) {
          if (e[f] === undefined) continue;
          (hit.entry as Record<string, unknown>)[f] = e[f];
          hit.from[f] = l.layer;
        }
        // models.dev omits `status` for a model in service: a newer models.dev layer without it clears an older one's
        if (l.modelsDev && e.status === undefined) {
          delete hit.entry.status;
          delete hit.from.status;
        }
      }
      return hit;
    },
    names(provider) {
      const s = new Set<string>();
      for (const l of layers) for (const k of l.models(provider).keys()) s.add(k);
      return [...s];
    },
    describe: () => layers.map((l) => `${l.layer}: ${l.label}`),
  };
}

const packageLayer = modelsDevLayer('package', `${PACKAGE_NAME} (models.dev data as an npm package)`, PACKAGE_PROVIDERS);

let shipped: Catalog | undefined;
/** The catalog gw ships: the package, then gw's overlays. */
export function shippedCatalog(): Catalog {
  shipped ??= buildCatalog([packageLayer, overlayLayer, gwLayer]);
  return shipped;
}

const updatedCache = new Map<string, { mtimeMs: number; catalog: Catalog }>();

/**
 * The catalog for a policy: the shipped one, with `gw catalog update`'s api.json (when `file` exists) above the
 * package and the models.dev overlay, under gw's own overlay. A file that cannot be read or parsed is ignored.
 */
export function catalogWithUpdate(file: string | null): Catalog {
  if (!file || !existsSync(file)) return shippedCatalog();
  try {
    const mtimeMs = statSync(file).mtimeMs;
    const hit = updatedCache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.catalog;
    const parsed = parseApiJson(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed) return shippedCatalog();
    const when = new Date(mtimeMs).toISOString().slice(0, 10);
    const catalog = buildCatalog([packageLayer, overlayLayer, modelsDevLayer('update', `models.dev api.json fetched ${when} (${file})`, parsed), gwLayer]);
    updatedCache.set(file, { mtimeMs, catalog });
    return catalog;
  } catch {
    return shippedCatalog();
  }
}
