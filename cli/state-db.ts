import type Database from 'better-sqlite3';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { statePath } from '../runtime/state/state-path.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';

/** The policy (for its `gateway { state … }`) and the gateway's state database, opened read-write beside a running gateway. */
export function openState(config: string | undefined, io: Io): { table: DecisionTable; path: string; db: Database.Database } | null {
  const file = policyPath(config, io);
  const r = loadPolicy({ path: file, file: config ?? 'routes.gw', env: io.env });
  if (!r.table || hasErrors(r.diagnostics)) {
    io.err(formatReport(r.diagnostics.filter((d) => d.severity === 'error'), r.text));
    return null;
  }
  const path = statePath(r.table, file);
  if (path === ':memory:') {
    io.err('the policy keeps its state in memory (`gateway { state ":memory:" }`): there is no database to keep keys in\n');
    return null;
  }
  return { table: r.table, path, db: openDatabase(path) };
}
