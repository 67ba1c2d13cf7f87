import { listModels } from '../../catalog/model-listing.ts';
import { runDoctor } from '../../providers/doctor.ts';
import type { Env } from '../../providers/keys.ts';
import { listProviders } from '../../providers/provider-listing.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import { consoleError } from './console-errors.ts';

/**
 * GET /console/api/providers: what `gw providers` and `gw models` compute, per provider: status, key variables (the
 * names, and whether each is set, never a value), region, base URL (credentials masked), and the policy's models on it
 * with their catalog fields and where each field came from.
 */
export function providersView(table: DecisionTable, env: Env) {
  const models = listModels(table);
  return {
    providers: listProviders(env, table).map((p) => ({
      name: p.name,
      title: p.title,
      enabled: p.status === 'enabled',
      status: p.status,
      disabled_reason: p.disabledReason,
      key_var: p.keyEnv.find((k) => k.set)?.name ?? p.keyEnv[0]?.name ?? null,
      key_vars: p.keyEnv,
      key_optional: p.keyOptional,
      region: p.local ? 'local' : p.region,
      base_url: p.baseUrl,
      protocol: p.protocol,
      preset: p.preset,
      in_policy: p.policy !== null,
      docs: p.docs,
      models: models
        .filter((m) => m.provider === p.name)
        .map((m) => ({
          id: m.id,
          name: m.name,
          context: m.context,
          max_output: m.maxOutput,
          price_in: m.price?.input ?? null,
          price_out: m.price?.output ?? null,
          capabilities: m.capabilities,
          speed: m.speed,
          free: m.free,
          limits: m.limits,
          sources: { context: m.origin.context, max_output: m.origin.maxOutput, price: m.origin.price, capabilities: m.origin.capabilities },
          catalog: m.catalog,
          at: m.at,
        })),
    })),
  };
}

/** POST /console/api/providers/:name/test: `gw doctor` for that provider (reachable, key taken, models served). */
export async function testProvider(table: DecisionTable, env: Env, name: string) {
  if (!table.providers.some((p) => p.name === name)) throw consoleError(404, `routes.gw has no provider "${name.slice(0, 80)}"`, 'provider_not_found');
  const [result] = await runDoctor(table, env, name);
  return result ?? { provider: name, status: 'error', latencyMs: null, detail: 'no result', fix: '', models: [] };
}
