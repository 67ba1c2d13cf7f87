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

const counterReads = new WeakMap<Database.Database, Database.Statement>();

export function readCounters(db: Database.Database): Record<Counter, string> {
  // prepared once per connection: the gateway reads them whenever another connection committed (the log-writer thread's
  // group commits among them)
  let read = counterReads.get(db);
  if (!read) counterReads.set(db, (read = db.prepare(`SELECT key, value FROM meta WHERE key IN ('clients_version', 'vault_version')`)));
  const rows = read.all() as { key: Counter; value: string }[];
  const out: Record<Counter, string> = { clients_version: '0', vault_version: '0' };
  for (const r of rows) out[r.key] = r.value;
  return out;
}
