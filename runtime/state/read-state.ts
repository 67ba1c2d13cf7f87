import { existsSync } from 'node:fs';
import type { DecisionTable } from '../types/decision-table.ts';
import type { StateSnapshot } from '../router/types.ts';
import { silentLogger } from '../log/logger.ts';
import { Ledger } from './ledger.ts';
import { applyOverlay } from './overlay.ts';
import { openDatabase } from './sqlite-store.ts';
import { statePath } from './state-path.ts';
import { quotaStatuses, type QuotaStatus } from './quota-status.ts';

export interface StoredState {
  /** the table with registered quotas applied, as the gateway serves it */
  table: DecisionTable;
  snapshot: StateSnapshot;
  quotas: QuotaStatus[];
  path: string;
}

/**
 * What the running gateway knows, read from its state database (read-only), so `gw explain` and `gw quota` see the
 * same quotas, registrations and spend as `gw serve`. Null when there is no database yet.
 */
export function readStoredState(table: DecisionTable, policyPath: string, now: number): StoredState | null {
  const path = statePath(table, policyPath);
  if (path === ':memory:' || !existsSync(path)) return null;
  let ledger: Ledger | null = null;
  try {
    // a write connection (WAL allows it beside a running gateway) so pending WAL frames are read; nothing is written
    ledger = new Ledger(openDatabase(path), { log: silentLogger, env: {} });
    const served = applyOverlay(table, ledger.overlays.all()).table;
    return { table: served, snapshot: ledger.snapshot(served, now), quotas: quotaStatuses(served, ledger.quotas, now), path };
  } catch {
    return null;
  } finally {
    ledger?.close();
  }
}
