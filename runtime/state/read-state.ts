import { existsSync } from 'node:fs';
import type { DecisionTable } from '../types/decision-table.ts';
import type { SessionPin, StateSnapshot } from '../router/types.ts';
import { silentLogger } from '../server/log.ts';
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
  /** the stored pins of the session asked for (`gw explain --session ID`), every scenario's, expired ones too */
  session?: { scenario: string; source: string; pin: SessionPin }[];
}

/**
 * What the running gateway knows, read from its state database (read-only), so `gw explain` and `gw quota` see the
 * same quotas, registrations and spend as `gw serve`. Null when there is no database yet.
 */
export function readStoredState(table: DecisionTable, policyPath: string, now: number, opts: { session?: string } = {}): StoredState | null {
  const path = statePath(table, policyPath);
  if (path === ':memory:' || !existsSync(path)) return null;
  let ledger: Ledger | null = null;
  try {
    // a write connection (WAL allows it beside a running gateway) so pending WAL frames are read; nothing is written
    ledger = new Ledger(openDatabase(path), { log: silentLogger, env: {} });
    const served = applyOverlay(table, ledger.overlays.all()).table;
    const snapshot: StateSnapshot = ledger.snapshot(served, now);
    const out: StoredState = { table: served, snapshot, quotas: quotaStatuses(served, ledger.quotas, now), path };
    if (opts.session !== undefined) {
      out.session = ledger.sessions.stored(opts.session);
      if (out.session.length) snapshot.sessions = Object.fromEntries(out.session.map((s) => [s.scenario, s.pin]));
    }
    return out;
  } catch {
    return null;
  } finally {
    ledger?.close();
  }
}
