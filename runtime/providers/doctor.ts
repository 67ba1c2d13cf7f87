import type { Model, Provider } from '../types/decision-table.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface DoctorModel {
  id: string;
  /** null: the list could not be read */
  served: boolean | null;
}

export interface DoctorResult {
  provider: string;
  status: 'ok' | 'unreachable' | 'auth' | 'error' | 'models';
  latencyMs: number | null;
  detail: string;
  /** what to do about a failure ('' when all is well) */
  fix: string;
  models: DoctorModel[];
}

/** The path of a provider's model list: `/models` under an OpenAI base URL (…/v1), `/v1/models` for Anthropic's. */
export function modelsUrl(p: Provider): string {
  return p.protocol === 'anthropic' && !/\/v1$/.test(p.baseUrl) ? `${p.baseUrl}/v1/models` : `${p.baseUrl}/models`;
}

function authHeaders(p: Provider, env: Env): Record<string, string> {
  const name = p.keyEnv.find((k) => env[k]);
  const key = name ? env[name]! : '';
  if (!key) return {};
  return p.protocol === 'anthropic' ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${key}` };
}

/**
 * One provider's health: can it be reached (connect, TLS), does it take the key, and which of the policy's models does
 * its model list still serve. Never throws; never puts the key in what it returns (only the variable's name).
 */
export async function checkProvider(p: Provider, models: Model[], env: Env, fetchImpl: typeof fetch = fetch, timeoutMs = 10_000): Promise<DoctorResult> {
  const mine = models.filter((m) => m.provider === p.name);
  const unknown = mine.map((m) => ({ id: m.id, served: null }));
  const keyVar = p.keyEnv.join(' or ') || 'the key variable';
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetchImpl(modelsUrl(p), { headers: { accept: 'application/json', ...authHeaders(p, env) }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const code = err.cause?.code ?? (err.name === 'TimeoutError' ? 'timeout' : err.message);
    const tls = /CERT|SSL|TLS/i.test(String(code));
    return {
      provider: p.name,
      status: 'unreachable',
      latencyMs: null,
      detail: `${tls ? 'TLS failed' : 'cannot connect'}: ${code}`,
      fix: tls ? 'check the base URL’s certificate (or a proxy that rewrites TLS)' : `check the base URL ${p.baseUrl} (and HTTPS_PROXY if the provider is reached through a proxy)`,
      models: unknown,
    };
  }
  const latencyMs = Math.round(performance.now() - t0);
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    return { provider: p.name, status: 'auth', latencyMs, detail: `HTTP ${res.status}: the key was refused`, fix: `set a valid key in ${keyVar}`, models: unknown };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { provider: p.name, status: 'error', latencyMs, detail: `model list answered HTTP ${res.status}`, fix: 'retry later; if it persists, check the provider’s status page', models: unknown };
  }
  let ids: Set<string>;
  try {
    const body = (await res.json()) as { data?: { id?: string }[]; models?: { name?: string; model?: string }[] };
    ids = new Set([...(body.data ?? []).map((d) => d.id), ...(body.models ?? []).map((m) => m.model ?? m.name)].filter((x): x is string => typeof x === 'string'));
  } catch {
    return { provider: p.name, status: 'error', latencyMs, detail: 'the model list is not JSON', fix: 'check the base URL points at the API (…/v1)', models: unknown };
  }
  const checked = mine.map((m) => ({ id: m.id, served: ids.has(m.name) }));
  const gone = checked.filter((m) => !m.served);
  if (gone.length)
    return {
      provider: p.name,
      status: 'models',
      latencyMs,
      detail: `not served (retired or misspelled): ${gone.map((m) => m.id).join(', ')}`,
      fix: 'replace them with models the provider lists (`gw models` shows the catalog’s current ones)',
      models: checked,
    };
  return { provider: p.name, status: 'ok', latencyMs, detail: `${ids.size} models listed, ${checked.length} declared, all served`, fix: '', models: checked };
}

/** Every enabled provider of a table (or only `only`), checked in parallel; a disabled one named is reported as such. */
export async function runDoctor(table: { providers: Provider[]; models: Model[] }, env: Env, only?: string): Promise<DoctorResult[]> {
  const providers = table.providers.filter((p) => (only ? p.name === only : p.enabled));
  return Promise.all(
    providers.map((p) =>
      p.enabled
        ? checkProvider(p, table.models, env)
        : Promise.resolve<DoctorResult>({ provider: p.name, status: 'auth', latencyMs: null, detail: `disabled: ${p.disabledReason}`, fix: p.disabledReason ?? '', models: [] }),
    ),
  );
}
