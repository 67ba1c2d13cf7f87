import type { Provider } from '../types/decision-table.ts';
import { ANTHROPIC_VERSION } from './anthropic-adapter.ts';
import { getJson, type GetJson } from './get-json.ts';
import { resolveHeaders, resolveKey, type Env } from './keys.ts';

/** One model as a provider's own list gives it. */
export interface ListedModel {
  /** the name the upstream knows (a policy's `provider/NAME`) */
  name: string;
  /** the list says it costs nothing (OpenRouter's pricing "0" / "0", a `:free` id) */
  free: boolean;
  /** what the list says of its limits, when it says (OpenRouter, Groq) */
  context: number | null;
  maxOutput: number | null;
}

export type ModelList = { ok: true; models: ListedModel[]; latencyMs: number } | Extract<GetJson, { ok: false }>;

/** Anthropic pages its list (at most 1000 a page); a list longer than this many pages is read no further. */
const MAX_PAGES = 20;

/** Where a provider lists its models: Ollama's `/api/tags`, Anthropic's `/v1/models`, else `/models` under the base URL (…/v1). */
export function modelsUrl(p: Pick<Provider, 'name' | 'protocol' | 'baseUrl'>): string {
  const base = p.baseUrl.replace(/\/+$/, '');
  if (p.name === 'ollama') return `${base.replace(/\/v1$/, '')}/api/tags`;
  if (p.protocol === 'anthropic') return /\/v1$/.test(base) ? `${base}/models` : `${base}/v1/models`;
  return `${base}/models`;
}

/** The provider's own headers and its key, the way its protocol sends them (the key goes to this provider only). */
export function listHeaders(p: Provider, env: Env): Record<string, string> {
  const key = resolveKey(p, env);
  const headers = resolveHeaders(p, env);
  if (p.protocol === 'anthropic') return { ...headers, 'anthropic-version': ANTHROPIC_VERSION, ...(key ? { 'x-api-key': key } : {}) };
  return { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
const zero = (v: unknown) => v === 0 || v === '0' || (typeof v === 'string' && Number(v) === 0 && v.trim() !== '');

/** One entry of an OpenAI-style `data` list (OpenRouter's pricing and limits read too), Anthropic's, or Ollama's `models`. */
function entry(raw: unknown): ListedModel | null {
  if (raw === null || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  const name = typeof o.id === 'string' ? o.id : typeof o.model === 'string' ? o.model : typeof o.name === 'string' ? o.name : null;
  if (!name) return null;
  const pricing = o.pricing as Record<string, unknown> | undefined;
  const top = o.top_provider as Record<string, unknown> | undefined;
  return {
    name,
    free: (pricing !== undefined && zero(pricing.prompt) && zero(pricing.completion)) || name.endsWith(':free'),
    context: num(o.context_length) ?? num(o.context_window) ?? num(top?.context_length),
    maxOutput: num(top?.max_completion_tokens) ?? num(o.max_completion_tokens),
  };
}

function entries(body: unknown): ListedModel[] | null {
  const o = body as { data?: unknown; models?: unknown } | null;
  const list = Array.isArray(o?.data) ? o!.data : Array.isArray(o?.models) ? o!.models : null;
  if (!list) return null;
  return (list as unknown[]).map(entry).filter((m): m is ListedModel => m !== null);
}

/**
 * What a provider serves now, from its own model list: OpenAI-style `GET …/models` (`data[].id`), Anthropic's
 * `GET /v1/models` (x-api-key, anthropic-version; paged with `limit` and `after_id` while `has_more`), Ollama's
 * `GET /api/tags` (`models[].name`). Never throws.
 */
export async function fetchModelList(p: Provider, env: Env, timeoutMs = 10_000): Promise<ModelList> {
  const headers = listHeaders(p, env);
  const url = modelsUrl(p);
  if (p.protocol !== 'anthropic') {
    const r = await getJson(url, headers, env, timeoutMs);
    if (!r.ok) return r;
    const models = entries(r.body);
    return models ? { ok: true, models, latencyMs: r.latencyMs } : { ok: false, kind: 'json', status: r.status, detail: 'the model list has no `data` or `models` array', latencyMs: r.latencyMs };
  }
  const models: ListedModel[] = [];
  let after: string | null = null;
  let latencyMs = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r: GetJson = await getJson(`${url}?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ''}`, headers, env, timeoutMs);
    if (!r.ok) return r;
    if (page === 0) latencyMs = r.latencyMs;
    const got = entries(r.body);
    if (!got) return { ok: false, kind: 'json', status: r.status, detail: 'the model list has no `data` array', latencyMs: r.latencyMs };
    models.push(...got);
    const b = r.body as { has_more?: unknown; last_id?: unknown };
    if (b.has_more !== true || typeof b.last_id !== 'string' || b.last_id === after) break;
    after = b.last_id;
  }
  return { ok: true, models, latencyMs };
}
