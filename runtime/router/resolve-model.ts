import type { DecisionTable, Model, Provider } from '../types/decision-table.ts';

export type Resolution = { kind: 'auto' } | { kind: 'model'; model: Model } | { kind: 'unknown'; known: string[] } | { kind: 'ambiguous'; matches: string[] };

export interface ModelIndex {
  byId: Map<string, Model>;
  byName: Map<string, Model[]>;
  providers: Map<string, Provider>;
}

const byTable = new WeakMap<DecisionTable, ModelIndex>();

/** Lookups over a table, built once per table (tables are immutable: a reload makes a new one). */
export function modelIndex(table: DecisionTable): ModelIndex {
  let idx = byTable.get(table);
  if (!idx) {
    const byId = new Map(table.models.map((m) => [m.id, m]));
    const byName = new Map<string, Model[]>();
    for (const m of table.models) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
    idx = { byId, byName, providers: new Map(table.providers.map((p) => [p.name, p])) };
    byTable.set(table, idx);
  }
  return idx;
}

/** "auto", "provider/model", or a bare model name that only one provider serves. */
export function resolveModel(table: DecisionTable, requested: string): Resolution {
  const name = requested.trim();
  if (name === '' || name === 'auto') return { kind: 'auto' };
  const idx = modelIndex(table);
  const exact = idx.byId.get(name);
  if (exact) return { kind: 'model', model: exact };
  const bare = idx.byName.get(name);
  if (bare && bare.length === 1) return { kind: 'model', model: bare[0] };
  if (bare && bare.length > 1) return { kind: 'ambiguous', matches: bare.map((m) => m.id) };
  return { kind: 'unknown', known: ['auto', ...table.models.map((m) => m.id)] };
}
