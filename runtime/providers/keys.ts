import type { Provider } from '../types/decision-table.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The provider's API key: the first of its own variables that is set. It goes only to this provider's base URL. */
export function resolveKey(provider: Provider, env: Env): string | null {
  for (const name of provider.keyEnv) {
    const v = env[name];
    if (v) return v;
  }
  return null;
}

/** The provider's `header` lines, resolved from the environment at call time. */
export function resolveHeaders(provider: Provider, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of provider.headers) {
    let v: string | null = null;
    for (const name of h.value.env) if (env[name]) {
      v = env[name]!;
      break;
    }
    v ??= h.value.literal;
    if (v !== null) out[h.name] = v;
  }
  return out;
}
