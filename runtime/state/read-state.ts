import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { DecisionTable } from '../types/decision-table.ts';
import type { SessionPin, StateSnapshot } from '../router/types.ts';
import { silentLogger } from '../log/logger.ts';
import { journalHasLines, journalPathOf, replay } from './answer-journal.ts';
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
  /** the stored pins of the session asked for (`gw explain --session ID`), every scenario's, expired ones too */
  session?: { scenario: string; source: string; pin: SessionPin }[];
  /** the last provider sync's lists and balances */
  providers: ProviderState;
  /** each balance the last sync read, beside gw's own count (the drift) */
  figures: ProviderFigure[];
}

/**
 * What the gateway knows, read from its state database, so `gw explain` and `gw quota` see the same quotas,
 * registrations and spend as `gw serve`. Null when there is no database yet.
 *
 * After a `kill -9` the answered-requests journal (`state.db.answered`, answer-journal.ts) holds requests whose rows
 * (and, in a narrow window, settles) are not in the database yet; a running gateway's journal holds those of its
 * last few milliseconds. Either way the figures to show are the database's plus the journal's. So the journal is
 * replayed exactly as the gateway replays it at start — inside a transaction that is rolled back after the read:
 * nothing is written, the next `gw serve` replays the same lines, and a running gateway's own commits are not
 * disturbed (its writes wait the few milliseconds this holds the write lock; only when the journal has lines).
 */
export function readStoredState(table: DecisionTable, policyPath: string, now: number, opts: { session?: string } = {}): StoredState | null {
  const path = statePath(table, policyPath);
  if (path === ':memory:' || !existsSync(path)) return null;
  let ledger: Ledger | null = null;
  let db: Database.Database | null = null;
  try {
    // a write connection (WAL allows it beside a running gateway) so pending WAL frames are read; nothing is kept
    db = openDatabase(path);
    const journal = journalPathOf(path);
    const replaying = journalHasLines(journal);
    if (replaying) {
      db.exec('BEGIN IMMEDIATE');
      replay(db, journal);
    }
    try {
      ledger = new Ledger(db, { log: silentLogger, env: {} });
      const served = applyOverlay(table, ledger.overlays.all()).table;
      // what the last provider sync found (models no longer listed, balances), as the gateway's router sees it
      const providers = new ProviderState(new ProviderStore(ledger.db));
      const snapshot: StateSnapshot = { ...ledger.snapshot(served, now), ...providers.snapshot(served, now) };
      const out: StoredState = { table: served, snapshot, quotas: quotaStatuses(served, ledger.quotas, now), path, providers, figures: providerFigures(ledger.db, served, providers.balances()) };
      if (opts.session !== undefined) {
        out.session = ledger.sessions.stored(opts.session);
        if (out.session.length) snapshot.sessions = Object.fromEntries(out.session.map((s) => [s.scenario, s.pin]));
      }
      return out;
    } finally {
      if (replaying && db.inTransaction) db.exec('ROLLBACK');
    }
  } catch {
    return null;
  } finally {
    if (ledger) ledger.close();
    else db?.close();
  }
}
