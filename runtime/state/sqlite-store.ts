import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA_VERSION = 4;
/** The page size of a database created from now on (see openDatabase). */
export const PAGE_SIZE = 8192;

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS quota_usage (
     model TEXT NOT NULL,
     period_start INTEGER NOT NULL,
     used INTEGER NOT NULL DEFAULT 0,
     exhausted_until INTEGER,
     PRIMARY KEY (model, period_start)
   );
   CREATE TABLE IF NOT EXISTS quota_overlay (
     model TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS requests (
     id TEXT PRIMARY KEY,
     ts INTEGER NOT NULL,
     endpoint TEXT NOT NULL,
     requested_model TEXT,
     model TEXT,
     scenario TEXT,
     tier TEXT,
     status INTEGER NOT NULL,
     stream INTEGER NOT NULL,
     latency_ms REAL NOT NULL,
     prompt_tokens INTEGER NOT NULL DEFAULT 0,
     completion_tokens INTEGER NOT NULL DEFAULT 0,
     free_tokens INTEGER NOT NULL DEFAULT 0,
     cost_usd REAL NOT NULL DEFAULT 0,
     saved_usd REAL NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     error_type TEXT,
     pii TEXT
   );
   CREATE INDEX IF NOT EXISTS requests_ts ON requests (ts);
   CREATE TABLE IF NOT EXISTS request_logs (
     id TEXT PRIMARY KEY,
     ts INTEGER NOT NULL,
     request_body TEXT,
     response_body TEXT,
     decision TEXT,
     attempts TEXT,
     redacted INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX IF NOT EXISTS request_logs_ts ON request_logs (ts);
   CREATE TABLE IF NOT EXISTS alerts_sent (key TEXT PRIMARY KEY, ts INTEGER NOT NULL);`,
  // 2: bodies go to request_bodies, keyed by an integer that grows with each row, which requests.body names. Its
  // rows and its key grow at the end of their b-tree; request_logs' primary key on the random request id put every
  // logged request on a page of its own of that index (a page written per request, to the WAL and again at
  // checkpoint), beside a second index on ts. request_logs keeps the rows written before (read alongside, pruned),
  // and stays for a gateway of the previous version that may still be writing to it.
  `CREATE TABLE IF NOT EXISTS request_bodies (
     rid INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     request_body TEXT,
     response_body TEXT,
     decision TEXT,
     attempts TEXT,
     redacted INTEGER NOT NULL DEFAULT 0
   );
   ALTER TABLE requests ADD COLUMN body INTEGER;`,
  // 3: client keys (only their hashes), the request's client for attribution, and the key vault (ciphertext only)
  `CREATE TABLE IF NOT EXISTS client_keys (
     name TEXT PRIMARY KEY,
     key_hash TEXT NOT NULL UNIQUE,
     rpm INTEGER,
     tpm INTEGER,
     budget_usd REAL,
     budget_per TEXT,
     budget_then TEXT,
     models TEXT,
     scenarios TEXT,
     expires_at INTEGER,
     revoked_at INTEGER,
     created_at INTEGER NOT NULL,
     rotated_at INTEGER
   );
   CREATE TABLE IF NOT EXISTS secrets (
     name TEXT PRIMARY KEY,
     nonce BLOB NOT NULL,
     tag BLOB NOT NULL,
     ciphertext BLOB NOT NULL,
     set_at INTEGER NOT NULL
   );
   ALTER TABLE requests ADD COLUMN client TEXT;
   CREATE INDEX IF NOT EXISTS requests_client_ts ON requests (client, ts);`,
  // 4: the sequence number of the last answered-requests journal record settled into a quota row, so a replay after a
  // crash adds exactly the settles that did not reach the database (runtime/state/answer-journal.ts); and a logged
  // request's four texts compressed together in request_bodies.packed (runtime/state/log-compress.ts; the text
  // columns then stay NULL; rows written before keep them).
  `ALTER TABLE quota_usage ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE request_bodies ADD COLUMN packed BLOB;`,
];

/** Open (creating if needed) the state database: WAL journal, one writer, migrations applied. */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Database.Database {
  if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  if (opts.readonly) return db;
  const current = Number((db.pragma('user_version', { simple: true }) as number) ?? 0);
  // a new database gets 8 KB pages: a logged request's compressed texts are ~1.1 KB, and 4 KB pages held three of them
  // with ~800 B left over each (a fifth of the log's size); 8 KB pages hold seven. An existing database keeps its page
  // size (it cannot change in WAL mode).
  if (current === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a committed write survives a crash of this process (it is in the WAL); only an OS crash may lose
  // the last transactions.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${v + 1}`);
    db.exec('COMMIT');
  }
  return db;
}
