import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the request path. SQLite copies the write-ahead log back into the database file every 1,000
 * pages, inside whichever commit crosses that size: with full request logs that is a multi-millisecond stall of the
 * gateway's only thread every few hundred requests. Instead the gateway's connection stops checkpointing
 * (`wal_autocheckpoint = 0`) and a worker thread with its own connection to the same file checkpoints every `everyMs`:
 * a PASSIVE pass copies the bulk without blocking anyone, then a RESTART pass copies what was appended meanwhile
 * (holding writers for that short moment) and lets the next writer start the log over — PASSIVE alone would never
 * catch up with steady writes and the WAL file would grow without bound. `journal_size_limit` trims the file when it
 * starts over. If the worker cannot run, the connection checkpoints by itself again.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

// CommonJS source for an eval worker: nothing to transpile, and better-sqlite3 is loaded from the path the gateway
// resolved (an eval worker resolves modules from the working directory, which may be anywhere).
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
// PASSIVE copies the bulk without blocking anyone; RESTART then copies what was appended meanwhile (writers wait for
// that short moment) and makes the next writer start the log over, so the WAL file does not grow under steady writes.
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); db.pragma('wal_checkpoint(RESTART)'); } catch (e) { parentPort.postMessage(String(e && e.message)); }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
`;

const DEFAULT_AUTOCHECKPOINT = 1000;

export function startCheckpointer(db: Database.Database, opts: { everyMs?: number; onError?: (message: string) => void } = {}): Checkpointer | null {
  if (db.memory || db.readonly) return null;
  const onError = opts.onError ?? (() => {});
  let worker: Worker;
  try {
    worker = new Worker(WORKER, { eval: true, workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, everyMs: opts.everyMs ?? 200 } });
  } catch (e) {
    onError(`WAL checkpoints stay on the request path: ${(e as Error).message}`);
    return null;
  }
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${8 * 1024 * 1024}`);
  const fallBack = (why: string) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    onError(`WAL checkpoints back on the request path: ${why}`);
  };
  worker.on('message', (m: unknown) => onError(`WAL checkpoint failed: ${String(m).slice(0, 200)}`));
  worker.on('error', (e) => fallBack(e.message));
  worker.unref(); // never what keeps the process alive
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        // a worker stuck on a busy database is not waited for long
        setTimeout(() => void worker.terminate(), 2000).unref();
      });
      return stopped;
    },
  };
}
