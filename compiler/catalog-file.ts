import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Env } from './checks/context.ts';
import type { Symbols } from './symbols.ts';
import { flatten, resolve } from './values.ts';
import { DEFAULTS } from './compile.ts';

/** The catalog file name `gw catalog update` writes beside the state database. */
export const CATALOG_FILE = 'catalog.json';

/**
 * Where `gw catalog update` keeps its copy for a policy read from `policyPath`: beside the state database
 * (`gateway { state … }`, relative to the policy's folder). Null for an in-memory state or a policy given as text.
 */
export function catalogFileFor(symbols: Symbols, policyPath: string | undefined, env: Env): string | null {
  if (!policyPath) return null;
  const st = symbols.singletons.gateway[0]?.settings.find((s) => s.kind === 'state');
  const state = st && st.kind === 'state' ? (resolve(flatten(st.value), env) ?? DEFAULTS.state) : DEFAULTS.state;
  if (state === ':memory:') return null;
  const abs = isAbsolute(state) ? state : resolvePath(dirname(resolvePath(policyPath)), state);
  return join(dirname(abs), CATALOG_FILE);
}
