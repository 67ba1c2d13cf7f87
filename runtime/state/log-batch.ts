import type Database from 'better-sqlite3';
import { packLog } from './log-compress.ts';
import type { LogBodies, RequestRow } from './request-log.ts';

/** A finished request as the request log queues it: its requests row and, when logs are on, its texts. */
export interface Pending {
  row: RequestRow;
  bodies: LogBodies | null;
}

/**
 * Writes batches of finished requests to the requests and request_bodies tables, one transaction per batch: the
 * bodies are compressed before the transaction opens (the write lock is held for the inserts alone). Used by the
 * request log itself when it writes inline, and by the log-writer thread (log-writer-worker.ts) on its own connection.
 * Never throws: an entry the database refuses (a constraint) is skipped alone; otherwise (busy, disk full) the batch is
 * lost, and `onError` says so.
 */
export function batchWriter(db: Database.Database, onError: (message: string) => void): (batch: Pending[]) => void {
  const insertRow = db.prepare(
    `INSERT INTO requests (id, ts, endpoint, requested_model, model, scenario, tier, status, stream, latency_ms, prompt_tokens,
      completion_tokens, free_tokens, cost_usd, saved_usd, attempts, error_type, pii, body, client, reasoning_tokens, cached_tokens,
      cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertBodies = db.prepare('INSERT INTO request_bodies (ts, packed, redacted) VALUES (?, ?, ?)');
  const insert = db.transaction((batch: Pending[], packed: (Buffer | null)[]) => {
    for (let i = 0; i < batch.length; i++) {
      const { row: r, bodies: b } = batch[i]!;
      const p = packed[i];
      const body = b && p ? insertBodies.run(r.ts, p, b.redacted).lastInsertRowid : null;
      insertRow.run(r.id, r.ts, r.endpoint, r.requested_model, r.model, r.scenario, r.tier, r.status, r.stream, r.latency_ms, r.prompt_tokens, r.completion_tokens, r.free_tokens, r.cost_usd, r.saved_usd, r.attempts, r.error_type, r.pii, body, r.client, r.reasoning_tokens ?? 0, r.cached_tokens ?? 0, r.cache_write_tokens ?? 0);
    }
  });
  const pack = (batch: Pending[]) => batch.map(({ bodies: b }) => (b ? packLog([b.request_body, b.response_body, b.decision, b.attempts]) : null));
  return (batch) => {
    if (batch.length === 0) return;
    let packed: (Buffer | null)[];
    try {
      packed = pack(batch);
    } catch (e) {
      onError(`request log: ${batch.length} finished request${batch.length === 1 ? '' : 's'} not recorded: ${(e as Error).message}`);
      return;
    }
    try {
      insert(batch, packed);
    } catch (e) {
      let lost = batch.length;
      let error = e as Error & { code?: string };
      if (String(error.code ?? '').startsWith('SQLITE_CONSTRAINT')) {
        lost = 0;
        for (let i = 0; i < batch.length; i++) {
          try {
            insert([batch[i]!], [packed[i]!]);
          } catch (e2) {
            lost++;
            error = e2 as Error & { code?: string };
          }
        }
      }
      if (lost) onError(`request log: ${lost} of ${batch.length} finished request${batch.length === 1 ? '' : 's'} not recorded: ${error.message}`);
    }
  };
}
