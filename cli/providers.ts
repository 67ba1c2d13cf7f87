import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { normaliseBaseUrl } from '../compiler/compile.ts';
import { PROVIDER_PRESETS, UNSUPPORTED_PROVIDERS, findPreset, presetBaseUrl, type ProviderPreset } from '../runtime/providers/presets.ts';
import type { DecisionTable, Provider } from '../runtime/types/decision-table.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { columnOffset, tableLines } from './table-text.ts';

export const providersHelp = `gw providers [--config FILE] [--json] [--region cn|global|local]
  List every known provider preset and the providers routes.gw declares: protocol, base URL, key variables, and
  whether each is enabled in this environment (a key variable is set, or the provider is local). Key values are
  never printed, only variable names. Without a readable policy the presets are still listed. --region keeps the
  providers whose endpoint is in mainland China (cn), elsewhere (global) or on this machine (local). Providers that
  need another protocol than OpenAI's or Anthropic's are listed at the end with what supporting them would take.`;

type Env = Io['env'];

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

/** `enabled: GROQ_API_KEY set`, `disabled: set GROQ_API_KEY`, `enabled: local` — names only, never values. */
export function statusText(p: ProviderListing): string {
  if (p.status === 'enabled') {
    const set = p.keyEnv.find((k) => k.set);
    if (set) return `enabled: ${set.name} set`;
    if (p.local) return 'enabled: local';
    return p.keyEnv.length === 0 ? 'enabled: no key needed' : 'enabled: key optional';
  }
  const reason = p.disabledReason ?? 'disabled';
  const noBase = /^no base URL: set (\S+)/.exec(reason);
  if (noBase) return `disabled: set ${noBase[1]}`;
  // the first variable is enough; the detail line lists the others
  if (reason.startsWith('set ') && p.keyEnv.length > 0) return `disabled: set ${p.keyEnv[0].name}`;
  return `disabled: ${reason}`;
}

function policyText(p: ProviderListing): string {
  if (!p.policy) return '';
  if (p.policy.used) return `used: ${p.policy.models} model${p.policy.models === 1 ? '' : 's'}`;
  return 'declared, unused';
}

function keyText(p: ProviderListing): string {
  if (p.keyEnv.length === 0) return 'no key';
  const vars = p.keyEnv.map((k) => `${k.name}${k.set ? ' (set)' : ''}`).join(' or ');
  return `key ${vars}${p.keyOptional ? ', optional' : ''}`;
}

function urlText(p: ProviderListing, env: Env): string {
  if (!p.baseUrl) return `(no base URL: set ${p.baseUrlEnv ?? 'base_url'})`;
  if (!p.policy && p.baseUrlEnv && env[p.baseUrlEnv]) return `${p.baseUrl} (from ${p.baseUrlEnv})`;
  return p.baseUrl;
}

/** The seeds' providers that speak another protocol, and what supporting each would take. */
export function renderUnsupported(list: readonly { name: string; title: string; region: string; needs: string }[]): string {
  if (list.length === 0) return '';
  const rows = tableLines(list.map((p) => [p.name, p.title, p.region]), { indent: 2 });
  const lines = list.flatMap((p, i) => [rows[i], ...wrap(p.needs, 100).map((l) => `      ${l}`)]);
  return `\nnot presets (another protocol; what supporting them would take):\n${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/** Human form: one row per provider, and under it (aligned as its own table) the base URL and key variables. */
export function renderProviders(list: ProviderListing[], env: Env, policyNote: string): string {
  // REGION `local`: traffic never leaves the machine (a custom provider declared `local` shows it too)
  const head = ['', 'PROVIDER', 'TITLE', 'PROTOCOL', 'REGION', 'POLICY', 'STATUS'];
  const rows = list.map((p) => [p.policy?.used ? '*' : '', p.name, p.title, p.protocol, p.local ? 'local' : (p.region ?? ''), policyText(p), statusText(p)]);
  const main = tableLines([head, ...rows], { gap: 2 });
  // the detail line starts under TITLE
  const detail = tableLines(
    list.map((p) => [urlText(p, env), keyText(p)]),
    { indent: columnOffset([head, ...rows], 2) },
  );
  const lines: string[] = [main[0]];
  list.forEach((_, i) => lines.push(main[i + 1], detail[i]));
  const enabled = list.filter((p) => p.status === 'enabled').length;
  const presets = list.filter((p) => p.preset).length;
  const custom = list.length - presets;
  const summary = `${list.length} providers (${presets} presets${custom ? `, ${custom} custom` : ''}) · ${enabled} enabled in this environment`;
  return `${policyNote}\n${summary}\n\n${lines.join('\n')}\n\n* used by the policy · enabled = a key variable is set, or the provider is local · key values are never shown\n`;
}

export function providers(args: string[], io: Io): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const region = values.region;
  if (region !== undefined && !['cn', 'global', 'local'].includes(region)) throw new UsageError(`--region is cn, global or local, got "${region}"`);
  const file = values.config ?? 'routes.gw';
  const r = loadPolicy({ path: policyPath(values.config, io), file, env: io.env });
  const table = r.table && !hasErrors(r.diagnostics) ? r.table : undefined;
  let note: string;
  if (table) {
    const used = table.providers.filter((p) => table.models.some((m) => m.provider === p.name)).length;
    note = `${file}: ${table.providers.length} provider${table.providers.length === 1 ? '' : 's'} named, ${used} used by its models`;
  } else {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    const why = first?.code === 'GW001' ? first.message : `${file} has errors (run \`gw check${values.config ? ` ${values.config}` : ''}\`)`;
    note = `the policy could not be read: ${why}; statuses come from the environment only`;
  }
  const list = listProviders(io.env, table).filter((p) => !region || p.region === region);
  const other = UNSUPPORTED_PROVIDERS.filter((p) => !region || p.region === region);
  if (values.json) {
    if (!table) io.err(`gw providers: ${note}\n`);
    io.out(`${JSON.stringify(list, null, 2)}\n`);
  } else io.out(renderProviders(list, io.env, note) + renderUnsupported(other));
  return 0;
}
