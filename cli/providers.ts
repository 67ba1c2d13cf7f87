import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { UNSUPPORTED_PROVIDERS } from '../runtime/providers/presets.ts';
import { listProviders, type ProviderListing } from '../runtime/providers/provider-listing.ts';
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

export { listProviders, maskUrl, type ProviderListing } from '../runtime/providers/provider-listing.ts';

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
