import { modelIndex } from '../router/resolve-model.ts';
import type { DecisionTable } from '../types/decision-table.ts';

/** GET /v1/models: every model plus `auto`, in OpenAI's list shape; `gw` carries what gw knows of each. */
export function modelsList(table: DecisionTable, created: number): { object: 'list'; data: { id: string; [k: string]: unknown }[] } {
  const providers = modelIndex(table).providers;
  return {
    object: 'list',
    data: [
      { id: 'auto', object: 'model', created, owned_by: 'gw', gw: { routed: true, scenarios: table.scenarios.map((s) => s.name) } },
      ...table.models.map((m) => ({
        id: m.id,
        object: 'model',
        created,
        owned_by: m.provider,
        gw: {
          enabled: providers.get(m.provider)?.enabled ?? false,
          local: providers.get(m.provider)?.local ?? false,
          context: m.context,
          price: m.price,
          capabilities: m.capabilities,
          free: m.free ? { tokens: m.free.tokens, period: m.free.period, until: m.free.until } : null,
        },
      })),
    ],
  };
}

/** GET /v1/models/{id} (ids hold '/'): OpenAI's retrieve shape with the `gw` fields, or null (a 404 model_not_found). */
export function modelRetrieve(table: DecisionTable, created: number, id: string): object | null {
  return modelsList(table, created).data.find((m) => m.id === id) ?? null;
}
