/**
 * The log-writer thread (started by log-writer.ts): compresses finished requests' log texts and inserts them, with
 * their requests rows, on a connection of its own to the state database. Each batch is one transaction; once it is
 * committed the batch's number goes into the shared counter, which the gateway's thread reads (and waits on when a
 * read must see every finished request). A message `{ close: true }` closes the connection and sets the second slot.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { batchWriter, type Pending } from './log-batch.ts';

const { file, state } = workerData as { file: string; state: SharedArrayBuffer };
const shared = new BigInt64Array(state);
const port = parentPort!;
const db = new Database(file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
// the gateway's checkpointer thread (or its own connection) copies the WAL back; this connection never does it inside a commit
db.pragma('wal_autocheckpoint = 0');
const write = batchWriter(db, (message) => port.postMessage({ error: message }));

port.on('message', (m: { seq: number; batch: Pending[] } | { close: true }) => {
  if ('close' in m) {
    db.close();
    Atomics.store(shared, 1, 1n);
    Atomics.notify(shared, 1);
    port.close();
    return;
  }
  write(m.batch);
  Atomics.store(shared, 0, BigInt(m.seq));
  Atomics.notify(shared, 0);
});
