import { parseArgs } from 'node:util';
import { loadPolicy } from '../compiler/load-policy.ts';
import { diagnosticsJson, formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors, sortDiagnostics } from '../compiler/diagnostics.ts';
import { syncLints } from './sync-lints.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { existsSync } from 'node:fs';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { statePath } from '../runtime/state/state-path.ts';
import { envWithVaultNames } from '../runtime/state/vault.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';

/** The environment with the names of the state database's key vault, or null when there is no vault to read. */
function vaultNames(table: DecisionTable, file: string, env: Io['env']): Io['env'] | null {
  const path = statePath(table, file);
  if (path === ':memory:' || !existsSync(path)) return null;
  const db = openDatabase(path, { readonly: true });
  try {
    return envWithVaultNames(env, db);
  } catch {
    return null; // a database from before the vault
  } finally {
    db.close();
  }
}

export const checkHelp = `gw check [FILE] [--format text|json]
  Lint a policy (default ./routes.gw). Silent and exit 0 when clean; warnings are printed (exit 0); errors exit 1.
  With a state database beside it, also what the last \`gw models sync\` found: declared models their provider no
  longer lists (GW215) and balances the provider reports exhausted (GW216).`;

export function check(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'text' } } });
  const file = policyPath(positionals[0], io);
  let r = loadPolicy({ path: file, file: positionals[0] ?? 'routes.gw', env: io.env });
  // a key kept in the key vault is set: the lints see the vault's names (never its values)
  const env = r.table ? vaultNames(r.table, file, io.env) : null;
  if (env) r = loadPolicy({ path: file, file: positionals[0] ?? 'routes.gw', env });
  // what the last provider sync found: models no longer served, balances exhausted at the source
  const synced = syncLints(r, file);
  if (synced.length) r = { ...r, diagnostics: sortDiagnostics([...r.diagnostics, ...synced]) };
  if (values.format === 'json') io.out(`${JSON.stringify(diagnosticsJson(r.diagnostics), null, 2)}\n`);
  else if (r.diagnostics.length > 0) (hasErrors(r.diagnostics) ? io.err : io.out)(formatReport(r.diagnostics, r.text));
  return hasErrors(r.diagnostics) ? 1 : 0;
}
