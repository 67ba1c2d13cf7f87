import { normaliseBaseUrl } from '../../compiler/compile.ts';
import { PROVIDER_PRESETS, findPreset, presetBaseUrl, type ProviderPreset } from './presets.ts';
import type { DecisionTable, Provider } from '../types/decision-table.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What `gw providers` (and the console's providers page) shows of each provider: names of key variables, never values. */
export interface ProviderListing {
  name: string;
  title: string;
  protocol: 'openai' | 'anthropic';
  /** effective base URL ('' when none is known); user:password in it is masked */
  baseUrl: string;
  /** the variable that overrides the base URL, when the preset has one */
  baseUrlEnv: string | null;
  /** variables tried in order for the key, and whether each is set (never the value) */
  keyEnv: { name: string; set: boolean }[];
  keyOptional: boolean;
  local: boolean;
  /** a known preset, or a provider only the policy defines (its own base_url) */
  preset: boolean;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  region: 'cn' | 'global' | 'local' | null;
  docs: string | null;
  defaultModels: string[];
  note: string | null;
  /** null: the policy does not name this provider (or could not be read) */
  policy: { models: number; used: boolean; at: string } | null;
}

const isSet = (env: Env, name: string) => Boolean(env[name]);

/** Mask credentials written into a URL (`https://user:pass@host` → `https://***@host`): only names are ever shown. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

function presetInfo(p: ProviderPreset | undefined) {
  return { region: p?.region ?? null, docs: p?.docs ?? null, defaultModels: p?.defaultModels ?? [], note: p?.note ?? null };
}

function fromPreset(p: ProviderPreset, env: Env): ProviderListing {
  const { url: raw, missing } = presetBaseUrl(p, env);
  const baseUrl = raw ? normaliseBaseUrl(raw, p.name) : '';
  const optional = p.local === true || p.keyOptional === true;
  let disabledReason: string | null = null;
  const keyMissing = !optional && p.keyEnv.length > 0 && !p.keyEnv.some((v) => isSet(env, v));
  if (!baseUrl) disabledReason = `no base URL: set ${missing.length ? missing.join(' and ') : (p.baseUrlEnv ?? 'base_url')}${keyMissing ? ` and ${p.keyEnv.join(' or ')}` : ''}`;
  else if (keyMissing) disabledReason = `set ${p.keyEnv.join(' or ')}`;
  return {
    name: p.name,
    title: p.title,
    protocol: p.protocol,
    baseUrl: maskUrl(baseUrl),
    baseUrlEnv: p.baseUrlEnv ?? null,
    keyEnv: p.keyEnv.map((name) => ({ name, set: isSet(env, name) })),
    keyOptional: optional,
    local: p.local === true,
    preset: true,
    status: disabledReason === null ? 'enabled' : 'disabled',
    disabledReason,
    ...presetInfo(p),
    policy: null,
  };
}

function fromTable(row: Provider, table: DecisionTable, env: Env): ProviderListing {
  const preset = findPreset(row.name);
  const models = table.models.filter((m) => m.provider === row.name).length;
  return {
    name: row.name,
    title: preset?.title ?? 'custom provider',
    protocol: row.protocol,
    baseUrl: maskUrl(row.baseUrl),
    baseUrlEnv: preset?.baseUrlEnv ?? null,
    keyEnv: row.keyEnv.map((name) => ({ name, set: isSet(env, name) })),
    keyOptional: row.local || preset?.keyOptional === true,
    local: row.local,
    preset: row.preset,
    status: row.enabled ? 'enabled' : 'disabled',
    disabledReason: row.disabledReason,
    ...presetInfo(preset),
    policy: { models, used: models > 0, at: row.at },
  };
}

/** Every preset (in preset order; the policy's settings win for the ones it declares), then the policy's own providers. */
export function listProviders(env: Env, table: DecisionTable | undefined): ProviderListing[] {
  const inPolicy = new Map((table?.providers ?? []).map((p) => [p.name, p]));
  const out = PROVIDER_PRESETS.map((p) => {
    const row = inPolicy.get(p.name);
    return row && table ? fromTable(row, table, env) : fromPreset(p, env);
  });
  for (const row of table?.providers ?? []) if (!findPreset(row.name)) out.push(fromTable(row, table!, env));
  return out;
}

