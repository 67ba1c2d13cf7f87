import type Database from 'better-sqlite3';

/**
 * Counters in `meta` that a writer bumps with every change to a table a running gateway caches (client keys, the
 * key vault). A gateway notices another process's commit with `PRAGMA data_version` (no I/O), then reads these to
 * learn what changed: request-log writes from elsewhere do not make it reload keys.
 */
export type Counter = 'clients_version' | 'vault_version';

export function bump(db: Database.Database, key: Counter): void {
  db.prepare(`INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`).run(key);
}

export function readCounters(db: Database.Database): Record<Counter, string> {
  const rows = db.prepare(`SELECT key, value FROM meta WHERE key IN ('clients_version', 'vault_version')`).all() as { key: Counter; value: string }[];
  const out: Record<Counter, string> = { clients_version: '0', vault_version: '0' };
  for (const r of rows) out[r.key] = r.value;
  return out;
}
