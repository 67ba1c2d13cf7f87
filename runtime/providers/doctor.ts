import type { DecisionTable, Model, Provider } from '../types/decision-table.ts';
import { providerSecrets, Scrubber, scrubberFor } from '../secrets/scrubber.ts';
import { anthropicAdapter } from './anthropic-adapter.ts';
import { balanceSourceOf, toBalance, type Balance } from './balances.ts';
import { getJson } from './get-json.ts';
import { resolveHeaders, resolveKey, type Env } from './keys.ts';
import { fetchModelList, listHeaders, modelsUrl } from './model-list.ts';
import { openaiAdapter } from './openai-adapter.ts';

export { modelsUrl };

/** `--call`: one completion of one token, its latency and the usage the answer reported. */
export interface DoctorCall {
  ok: boolean;
  latencyMs: number;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** the answer's text (a few characters) or the failure */
  detail: string;
}

export interface DoctorModel {
  id: string;
  /** null: the list could not be read */
  served: boolean | null;
  call?: DoctorCall;
}

export interface DoctorResult {
  provider: string;
  status: 'ok' | 'unreachable' | 'auth' | 'error' | 'models' | 'balance' | 'call';
  latencyMs: number | null;
  detail: string;
  /** what to do about a failure ('' when all is well) */
  fix: string;
  models: DoctorModel[];
  /** the account's own figures, where the provider has a balance endpoint (null: none, or it could not be read) */
  balance: Balance | null;
  /** why the balance could not be read (absent when read or when the provider has no endpoint) */
  balanceError?: string;
}

export interface DoctorOptions {
  /** also send each declared model a one-token request (costs money) */
  call?: boolean;
  timeoutMs?: number;
  /** the policy's table, for the secrets scrubbed from answers (default: only this provider's key) */
  table?: DecisionTable;
}

/** Read a provider's balance endpoint; null when it has none. Never throws; never returns the key. */
export async function readBalance(p: Provider, env: Env, timeoutMs = 10_000): Promise<{ balance: Balance } | { error: string } | null> {
  const src = balanceSourceOf(p);
  if (!src) return null;
  const r = await getJson(src.url(p.baseUrl), listHeaders(p, env), env, timeoutMs);
  if (!r.ok) return { error: r.detail };
  const balance = toBalance(p, r.body, Date.now());
  return balance ? { balance } : { error: 'the balance answer is not in the provider’s documented shape' };
}

/** One request of one output token to `m`, through the gateway's own adapters (so it tests what serving would do). */
async function callOnce(p: Provider, m: Model, env: Env, table: DecisionTable | undefined, timeoutMs: number): Promise<DoctorCall> {
  const adapter = p.protocol === 'anthropic' ? anthropicAdapter : openaiAdapter;
  const t0 = performance.now();
  const scrubber = table ? scrubberFor(table, env) : new Scrubber(providerSecrets(p, env));
  try {
    const r = await adapter.chat({
      provider: { ...p, timeoutMs: Math.min(p.timeoutMs, timeoutMs) },
      model: m,
      apiKey: resolveKey(p, env),
      body: { model: m.name, messages: [{ role: 'user', content: 'Reply with the word OK.' }], max_tokens: 1 },
      stream: false,
      clientWantsUsage: false,
      signal: AbortSignal.timeout(timeoutMs),
      headers: resolveHeaders(p, env),
      scrubber,
    });
    const latencyMs = Math.round(performance.now() - t0);
    if (!r.ok) return { ok: false, latencyMs, usage: null, detail: scrubber.message(r.failure.message).slice(0, 160) };
    if (r.kind !== 'json') return { ok: true, latencyMs, usage: null, detail: 'answered' };
    let text = '';
    try {
      const j = JSON.parse(r.text) as { choices?: { message?: { content?: unknown } }[] };
      const c = j.choices?.[0]?.message?.content;
      text = typeof c === 'string' ? c : '';
    } catch {
      /* the adapter already checked it is JSON */
    }
    const usage = r.usage ? { prompt_tokens: r.usage.prompt_tokens, completion_tokens: r.usage.completion_tokens } : null;
    return { ok: true, latencyMs, usage, detail: `answered ${JSON.stringify(text.slice(0, 20))}` };
  } catch (e) {
    return { ok: false, latencyMs: Math.round(performance.now() - t0), usage: null, detail: `the call failed: ${scrubber.message(String((e as Error).message)).slice(0, 120)}` };
  }
}

/**
 * One provider's health: can it be reached (connect, TLS, through a proxy when one is set), does it take the key,
 * which of the policy's models does its model list still serve, what its balance endpoint says (where it has one),
 * and with `call`, does each declared model answer one token. Never throws; never puts the key in what it returns
 * (only the variable's name). The console's "test" button calls this (`POST /console/api/providers/:name/test`).
 */
export async function checkProvider(p: Provider, models: Model[], env: Env, opts: DoctorOptions = {}): Promise<DoctorResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const mine = models.filter((m) => m.provider === p.name);
  const unknown = mine.map((m) => ({ id: m.id, served: null }));
  const keyVar = p.keyEnv.join(' or ') || 'the key variable';
  const base = { provider: p.name, balance: null };
  const [list, bal] = await Promise.all([fetchModelList(p, env, timeoutMs), readBalance(p, env, timeoutMs)]);
  const balance = bal && 'balance' in bal ? bal.balance : null;
  const balanceError = bal && 'error' in bal ? { balanceError: bal.error } : {};
  if (!list.ok) {
    if (list.kind === 'unreachable') {
      const tls = list.detail.startsWith('TLS');
      const fix = tls ? 'check the base URL’s certificate (or a proxy that rewrites TLS)' : `check the base URL ${p.baseUrl} (and HTTPS_PROXY if the provider is reached through a proxy)`;
      return { ...base, status: 'unreachable', latencyMs: null, detail: list.detail, fix, models: unknown };
    }
    if (list.kind === 'auth') return { ...base, status: 'auth', latencyMs: list.latencyMs, detail: list.detail, fix: `set a valid key in ${keyVar}`, models: unknown };
    if (list.kind === 'json')
      return { ...base, balance, ...balanceError, status: 'error', latencyMs: list.latencyMs, detail: list.detail, fix: 'check the base URL points at the API (…/v1)', models: unknown };
    return { ...base, balance, ...balanceError, status: 'error', latencyMs: list.latencyMs, detail: `model list answered ${list.detail}`, fix: 'retry later; if it persists, check the provider’s status page', models: unknown };
  }
  const { latencyMs } = list;
  const ids = new Set(list.models.map((m) => m.name));
  const checked: DoctorModel[] = mine.map((m) => ({ id: m.id, served: ids.has(m.name) }));
  if (opts.call) {
    // one model at a time: a provider's rate limit must not turn a health check into failures
    // (an embedding model answers /embeddings, not a chat request: it is not called)
    for (let i = 0; i < mine.length; i++) if (checked[i].served !== false && !mine[i].capabilities.includes('embed')) checked[i].call = await callOnce(p, mine[i], env, opts.table, timeoutMs);
  }
  const gone = checked.filter((m) => m.served === false);
  const failedCalls = checked.filter((m) => m.call && !m.call.ok);
  const out = { ...base, balance, ...balanceError, latencyMs, models: checked };
  if (gone.length)
    return {
      ...out,
      status: 'models',
      detail: `not served (retired or misspelled): ${gone.map((m) => m.id).join(', ')}`,
      fix: 'replace them with models the provider lists (`gw models` shows the catalog’s current ones)',
    };
  if (failedCalls.length)
    return {
      ...out,
      status: 'call',
      detail: `a one-token request failed: ${failedCalls.map((m) => `${m.id}: ${m.call!.detail}`).join('; ')}`,
      fix: 'the model is listed but does not answer: check the account’s access to it (plan, region, balance)',
    };
  if (balance?.empty)
    return { ...out, status: 'balance', detail: `the provider reports the account empty: ${balance.summary}`, fix: `top up the ${p.name} account (its models are skipped until then)` };
  const calls = checked.filter((m) => m.call).map((m) => `${m.id} ${m.call!.latencyMs} ms ${m.call!.usage ? `${m.call!.usage.prompt_tokens}+${m.call!.usage.completion_tokens} tokens` : 'no usage reported'}`);
  const detail = [`${ids.size} models listed, ${checked.length} declared, all served`, balance ? `balance: ${balance.summary}` : '', calls.length ? `calls: ${calls.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
  return { ...out, status: 'ok', detail, fix: '' };
}

/** Every enabled provider of a table (or only `only`), checked in parallel; a disabled one named is reported as such. */
export async function runDoctor(table: DecisionTable, env: Env, only?: string, opts: DoctorOptions = {}): Promise<DoctorResult[]> {
  const providers = table.providers.filter((p) => (only ? p.name === only : p.enabled));
  return Promise.all(
    providers.map((p) =>
      p.enabled
        ? checkProvider(p, table.models, env, { table, ...opts })
        : Promise.resolve<DoctorResult>({ provider: p.name, status: 'auth', latencyMs: null, detail: `disabled: ${p.disabledReason}`, fix: p.disabledReason ?? '', models: [], balance: null }),
    ),
  );
}
