import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROLLUP_KEY_OF, ROLLUP_SCHEMA } from './rollup-schema.ts';

export const SCHEMA_VERSION = 7;
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
  // 5: session affinity (`sticky`): the model each session stays on per scenario (runtime/state/session-pins.ts); and
  // a request's usage in detail: reasoning tokens (of completion_tokens) and prompt-cache reads and writes (of
  // prompt_tokens), as the providers report them
  `CREATE TABLE IF NOT EXISTS session_pins (
     session TEXT NOT NULL,
     scenario TEXT NOT NULL,
     model TEXT NOT NULL,
     source TEXT NOT NULL,
     since INTEGER NOT NULL,
     last INTEGER NOT NULL,
     until INTEGER NOT NULL,
     turns INTEGER NOT NULL,
     PRIMARY KEY (session, scenario)
   ) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS session_pins_until ON session_pins (until);
   ALTER TABLE requests ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE requests ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE requests ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;`,
  // 6: what each provider served at its last model-list sync (gw models sync, gateway { sync every }): the list that
  // was read, replaced whole by the next good read (a failed read keeps it), with what the list itself said of each
  // model (free of charge, context, max output); and the balances read at the source (OpenRouter's key, DeepSeek's
  // balance, …), a few readings per provider kept for the drift against gw's own ledger (runtime/state/provider-store.ts)
  `CREATE TABLE IF NOT EXISTS provider_sync (
     provider TEXT PRIMARY KEY,
     synced_at INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     error TEXT,
     listed_at INTEGER
   );
   CREATE TABLE IF NOT EXISTS provider_models (
     provider TEXT NOT NULL,
     model TEXT NOT NULL,
     free INTEGER NOT NULL DEFAULT 0,
     context INTEGER,
     max_output INTEGER,
     PRIMARY KEY (provider, model)
   );
   CREATE TABLE IF NOT EXISTS provider_balances (
     provider TEXT NOT NULL,
     read_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (provider, read_at)
   );`,
  // 7: hourly rollups of the requests table (runtime/state/rollups.ts), kept by triggers in the transaction that
  // inserts or deletes a requests row (the log-writer thread's batches, the journal's replay, retention), built here
  // for the rows already there (the console's log filters find their hours in them too: runtime/state/log-search.ts);
  // and a client key's first characters, which the console shows to tell keys apart.
  `${ROLLUP_SCHEMA}
   INSERT INTO request_rollups SELECT ${ROLLUP_KEY_OF('')}, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(free_tokens),
     SUM(cost_usd), SUM(saved_usd), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(latency_ms),
     SUM(reasoning_tokens), SUM(cached_tokens), SUM(cache_write_tokens)
     FROM requests GROUP BY 1, 2, 3, 4, 5, 6;
   ALTER TABLE client_keys ADD COLUMN prefix TEXT;`,
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
