import type * as A from './ast.ts';
import { findPreset, type ProviderPreset } from '../runtime/providers/presets.ts';

/** Name resolution shared by the checks and the compile pass: built once per load. */
export interface Symbols {
  providers: Map<string, A.ProviderDecl>;
  models: Map<string, A.ModelDecl>;
  scenarios: A.ScenarioDecl[];
  /** `client` blocks, in file order */
  clients: A.ClientDecl[];
  /** models with a `free` line, in file order, embedding models left out: what `free any` means */
  freeModels: A.ModelDecl[];
  preset(name: string): ProviderPreset | undefined;
  /** a provider is known when declared or a preset */
  providerKnown(name: string): boolean;
  isLocal(modelId: string): boolean;
  singletons: { gateway: A.GatewayDecl[]; pii: A.PiiDecl[]; retry: A.RetryDecl[]; fallback: A.FallbackDecl[]; budget: A.BudgetDecl[]; alert: A.AlertDecl[] };
}

export function providerOf(modelId: string): string {
  return modelId.slice(0, modelId.indexOf('/'));
}

export function buildSymbols(policy: A.Policy): Symbols {
  const providers = new Map<string, A.ProviderDecl>();
  const models = new Map<string, A.ModelDecl>();
  const scenarios: A.ScenarioDecl[] = [];
  const clients: A.ClientDecl[] = [];
  const singletons: Symbols['singletons'] = { gateway: [], pii: [], retry: [], fallback: [], budget: [], alert: [] };
  for (const d of policy.decls) {
    if (d.kind === 'provider') {
      if (!providers.has(d.name.text)) providers.set(d.name.text, d);
    } else if (d.kind === 'model') {
      if (!models.has(d.ref.text)) models.set(d.ref.text, d);
    } else if (d.kind === 'scenario') scenarios.push(d);
    else if (d.kind === 'client') clients.push(d);
    else singletons[d.kind].push(d as never);
  }
  // an embedding model (`can embed`) answers /v1/embeddings only: `free any` leaves it out
  const embeds = (m: A.ModelDecl) => m.settings.some((s) => s.kind === 'can' && s.caps.some((c) => c.text === 'embed'));
  const freeModels = [...models.values()].filter((m) => m.settings.some((s) => s.kind === 'free') && !embeds(m));
  const providerLocal = (name: string): boolean => {
    const decl = providers.get(name);
    if (decl?.settings.some((s) => s.kind === 'local')) return true;
    return findPreset(name)?.local === true;
  };
  return {
    providers,
    models,
    scenarios,
    clients,
    freeModels,
    singletons,
    preset: findPreset,
    providerKnown: (name) => providers.has(name) || findPreset(name) !== undefined,
    isLocal: (id) => providerLocal(providerOf(id)),
  };
}
