import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { formatTokens } from '../runtime/router/format.ts';
import { listModels, type ModelListing } from '../runtime/catalog/model-listing.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { tableLines } from './table-text.ts';
import { existsSync } from 'node:fs';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { statePath } from '../runtime/state/state-path.ts';
import { ProviderStore, type Listing } from '../runtime/state/provider-store.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';

export const modelsHelp = `gw models [--config FILE] [--json]
gw models sync [--config FILE] [--provider P] [--json]
  List the policy's models: provider status, context, max output, price in/out per 1M tokens, capabilities, speed,
  free quota and rate limits, and where each field came from: declared (the model's own block), catalog (the shipped
  models.dev snapshot, gw's overlay, or \`gw catalog update\`'s copy) or provider (its live model list), and the
  models the last sync found missing from their provider's list (JSON: \`served\`). Policy
  errors are printed as diagnostics (exit 1). \`sync\` asks each enabled provider which models it serves now (its
  model list) and reads its balance where it has an endpoint, into the state database: a declared model no longer
  listed is skipped by routing; exit 1 when a list cannot be read or a declared model is not served.`;

export { listModels, periodText, type ModelListing } from '../runtime/catalog/model-listing.ts';


/** The last sync's lists, from the state database beside the policy (none when there is none). */
function lastListings(table: DecisionTable, file: string): Map<string, Listing> {
  const path = statePath(table, file);
  if (path === ':memory:' || !existsSync(path)) return new Map();
  const db = openDatabase(path, { readonly: true });
  try {
    return new ProviderStore(db).listings();
  } catch {
    return new Map(); // a database from before the sync tables
  } finally {
    db.close();
  }
}

const price = (n: number) => `$${String(Math.round(n * 10000) / 10000)}`;

function limitsText(l: ModelListing['limits']): string {
  const parts: string[] = [];
  if (l.rpm !== null) parts.push(`${formatTokens(l.rpm)} rpm`);
  if (l.tpm !== null) parts.push(`${formatTokens(l.tpm)} tpm`);
  return parts.length ? parts.join(' ') : '-';
}

/** The CAN cell, kept narrow (the full list is in --json). */
function capsText(caps: string[]): string {
  const t = caps.join(' ');
  return t === '' ? '-' : t.length > 22 ? `${t.slice(0, t.lastIndexOf(' ', 21))} …` : t;
}

function catalogText(m: ModelListing): string {
  if (!m.catalog.known) return 'unknown';
  const today = new Date().toISOString().slice(0, 10);
  if (m.catalog.retires && m.catalog.retires <= today) return `retired ${m.catalog.retires}`;
  if (m.catalog.status === 'deprecated') return 'deprecated';
  if (m.catalog.retires) return `retires ${m.catalog.retires}`;
  return m.catalog.released ? `released ${m.catalog.released}` : 'known';
}

/** Human form: the models table, then the free quotas and the disabled providers as their own small tables. */
export function renderModels(list: ModelListing[], file: string): string {
  const head = ['MODEL', 'PROVIDER', 'CONTEXT', 'IN $/1M', 'OUT $/1M', 'CAN', 'TOK/S', 'FREE', 'LIMITS'];
  const rows = list.map((m) => [
    m.id,
    m.providerStatus,
    m.context === null ? '-' : formatTokens(m.context),
    m.price ? price(m.price.input) : '-',
    m.price ? price(m.price.output) : '-',
    capsText(m.capabilities),
    m.speed === null ? '-' : String(m.speed),
    m.free ? formatTokens(m.free.tokens) : '-',
    limitsText(m.limits),
  ]);
  const out: string[] = [];
  const free = list.filter((m) => m.free);
  const enabled = list.filter((m) => m.providerStatus === 'enabled').length;
  out.push(`${file}: ${list.length} model${list.length === 1 ? '' : 's'}, ${free.length} with a free quota, ${enabled} on an enabled provider`);
  out.push('');
  out.push(...tableLines([head, ...rows], { align: ['left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'left'] }));
  out.push('', 'max output, and where each field came from (declared: its block; package, overlay, update: the catalog):');
  const src = (m: ModelListing, k: keyof ModelListing['origin']) => {
    const o = m.origin[k];
    if (o === null) return '-';
    return o === 'catalog' && m.catalog.layers[k] ? m.catalog.layers[k] : o;
  };
  out.push(
    ...tableLines(
      [
        ['MODEL', 'MAX OUT', 'CONTEXT FROM', 'MAX OUT FROM', 'PRICE FROM', 'CAN FROM', 'CATALOG'],
        ...list.map((m) => [m.id, m.maxOutput === null ? '-' : formatTokens(m.maxOutput), src(m, 'context'), src(m, 'maxOutput'), src(m, 'price'), src(m, 'capabilities'), catalogText(m)]),
      ],
      { indent: 2, align: ['left', 'right', 'left', 'left', 'left', 'left', 'left'] },
    ),
  );
  if (free.length) {
    out.push('', 'free quotas:');
    out.push(...tableLines([['MODEL', 'TOKENS', 'PERIOD'], ...free.map((m) => [m.id, formatTokens(m.free!.tokens), m.free!.period])], { indent: 2, align: ['left', 'right', 'left'] }));
  }
  const gone = list.filter((m) => m.served === false);
  if (gone.length) {
    out.push('', 'not in their provider’s model list at the last sync (gw models sync; routing skips them):');
    out.push(...tableLines(gone.map((m) => [m.id, m.provider]), { indent: 2 }));
  }
  const disabled = new Map<string, string>();
  for (const m of list) if (m.providerStatus === 'disabled') disabled.set(m.provider, m.providerDisabledReason ?? 'disabled');
  if (disabled.size) {
    out.push('', 'disabled providers (routing skips their models):');
    out.push(...tableLines([...disabled].map(([name, why]) => [name, why]), { indent: 2 }));
  }
  return `${out.join('\n')}\n`;
}

export function models(args: string[], io: Io): number | Promise<number> {
  if (args[0] === 'sync') return import('./models-sync.ts').then((m) => m.modelsSync(args.slice(1), io));
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const file = values.config ?? 'routes.gw';
  const r = loadPolicy({ path: policyPath(values.config, io), file, env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics, r.text));
    return 1;
  }
  const list = listModels(r.table, lastListings(r.table, policyPath(values.config, io)));
  io.out(values.json ? `${JSON.stringify(list, null, 2)}\n` : renderModels(list, file));
  return 0;
}
