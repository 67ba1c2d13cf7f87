import { existsSync } from 'node:fs';
import type { DecisionTable } from '../types/decision-table.ts';
import type { StateSnapshot } from '../router/types.ts';
import { silentLogger } from '../server/log.ts';
import { Ledger } from './ledger.ts';
import { applyOverlay } from './overlay.ts';
import { openDatabase } from './sqlite-store.ts';
import { statePath } from './state-path.ts';
import { quotaStatuses, type QuotaStatus } from './quota-status.ts';
import { ProviderStore } from './provider-store.ts';
import { ProviderState } from './provider-state.ts';
import { providerFigures, type ProviderFigure } from './balance-drift.ts';

export interface StoredState {
  /** the table with registered quotas applied, as the gateway serves it */
  table: DecisionTable;
  snapshot: StateSnapshot;
  quotas: QuotaStatus[];
  path: string;
  /** the last provider sync's lists and balances */
  providers: ProviderState;
  /** each balance the last sync read, beside gw's own count (the drift) */
  figures: ProviderFigure[];
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
    // what the last provider sync found (models no longer listed, balances), as the gateway's router sees it
    const providers = new ProviderState(new ProviderStore(ledger.db));
    return { table: served, snapshot: { ...ledger.snapshot(served, now), ...providers.snapshot(served, now) }, quotas: quotaStatuses(served, ledger.quotas, now), path, providers, figures: providerFigures(ledger.db, served, providers.balances()) };
  } catch {
    return null;
  } finally {
    ledger?.close();
  }
}
