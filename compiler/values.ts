import type * as A from './ast.ts';
import type { Env } from './checks/context.ts';

/** `env A or env B or "x"` flattened: the variables in order, then the literal. */
export interface FlatValue {
  env: string[];
  literal: string | null;
  literalLoc: A.Node['loc'] | null;
}

export function flatten(v: A.Value): FlatValue {
  const env: string[] = [];
  let cur: A.Value | null = v;
  while (cur && cur.kind === 'env') {
    env.push(cur.name);
    cur = cur.fallback;
  }
  if (!cur) return { env, literal: null, literalLoc: null };
  return { env, literal: cur.kind === 'string' ? cur.value : cur.raw, literalLoc: cur.loc };
}

/** The first set (non-empty) variable's value, else the literal. */
export function resolve(v: FlatValue, env: Env): string | null {
  for (const name of v.env) {
    const x = env[name];
    if (x !== undefined && x !== '') return x;
  }
  return v.literal;
}

export function anySet(names: readonly string[], env: Env): boolean {
  return names.some((n) => env[n] !== undefined && env[n] !== '');
}
