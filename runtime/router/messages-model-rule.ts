import type { DecisionTable } from '../types/decision-table.ts';
import { modelIndex } from './resolve-model.ts';

/**
 * The model-name rule of /v1/messages. `auto` and a `provider/model` id the policy declares pick as on
 * /v1/chat/completions; so does any `provider/…` name of a declared provider (an unknown one answers 404, a typo is
 * never re-routed). Every other name — Claude Code's `claude-sonnet-4-5-20250929`, `claude-3-5-haiku-…`, and bare
 * names even when the policy declares a model by that name — is routed by policy as "auto", the name kept for
 * `model ~` conditions. Bare names are not pins here because Claude Code sends the real Anthropic ids: a policy that
 * declares `anthropic/claude-sonnet-4-5-20250929` must not thereby take Claude Code's requests out of its scenarios.
 */
export function routesAsAuto(table: DecisionTable, model: string): boolean {
  const name = model.trim();
  if (name === '' || name === 'auto' || modelIndex(table).byId.has(name)) return false;
  const slash = name.indexOf('/');
  return !(slash > 0 && table.providers.some((p) => p.name === name.slice(0, slash)));
}
