import type Database from 'better-sqlite3';
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { RequestRow } from './request-log.ts';

/** The free-quota settle a finished request made: tokens added to (model, period) under the record's sequence number. */
export interface JournaledSettle {
  model: string;
  periodStart: number;
  tokens: number;
}

/** Journal size at which a group commit that leaves nothing queued empties it. */
const TRUNCATE_AT = 1 << 20;

/** The requests row's fields in the order a journal line holds them. */
const ROW_FIELDS = [
  'id', 'ts', 'endpoint', 'requested_model', 'model', 'scenario', 'tier', 'status', 'stream', 'latency_ms', 'prompt_tokens',
  'completion_tokens', 'free_tokens', 'cost_usd', 'saved_usd', 'attempts', 'error_type', 'pii', 'client', 'reasoning_tokens',
  'cached_tokens', 'cache_write_tokens',
] as const satisfies readonly (keyof RequestRow)[];
/** A line of a journal written before the usage-detail fields holds only the first fields (they default to 0). */
const FIELDS_BEFORE_DETAIL = 19;

/**
 * The answered-requests journal: one short line per finished request (its requests row and its free-quota settle),
 * appended with one write(2) before its answer leaves the gateway, next to the state database
 * (`state.db.answered`). The request log group-commits rows every few milliseconds off the request path; a `kill -9`
 * loses those milliseconds from SQLite but not from the journal, whose bytes are in the kernel once write returns. The
 * next start replays the journal into the database (rows that are missing; settles whose sequence number the quota row
 * has not reached), so /stats, the budget and /quota agree with what was answered; lines of requests already committed
 * are skipped. A group commit that leaves nothing queued empties the journal once it has grown to TRUNCATE_AT.
 */
export class AnswerJournal {
  private fd: number;
  private seq: number;
  private bytes = 0;

  private constructor(fd: number, seq: number) {
    this.fd = fd;
    this.seq = seq;
  }

  /** Replay what a previous run left in `path` into `db`, empty it, and keep it open for appending. */
  static open(db: Database.Database, path: string): { journal: AnswerJournal; replayed: number } {
    const replayed = replay(db, path);
    const fd = openSync(path, 'a');
    ftruncateSync(fd, 0);
    const top = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM quota_usage').get() as { s: number }).s;
    return { journal: new AnswerJournal(fd, Math.max(top, replayed.maxSeq)), replayed: replayed.rows };
  }

  /** Append a finished request; returns its sequence number (the settle's, when it made one). */
  append(row: RequestRow, settle: JournaledSettle | null): number {
    const seq = ++this.seq;
    const values = ROW_FIELDS.map((k, i) => (i >= FIELDS_BEFORE_DETAIL ? (row[k] ?? 0) : row[k]));
    this.bytes += writeSync(this.fd, `${JSON.stringify([seq, settle ? [settle.model, settle.periodStart, settle.tokens] : 0, values])}\n`);
    return seq;
  }

  /** The journal has grown to the size at which it starts over once everything in it is committed. */
  get full(): boolean {
    return this.bytes >= TRUNCATE_AT;
  }

  /**
   * Everything journaled is committed to the database: the journal may start over. It does once it holds
   * TRUNCATE_AT bytes (a few thousand requests), not after every group commit: an ftruncate is a metadata change the
   * filesystem may make wait for its own journal, and lines already committed are harmless (a replay skips them).
   */
  clear(force = false): void {
    if (this.bytes === 0 || (!force && this.bytes < TRUNCATE_AT)) return;
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  close(): void {
    this.clear(true);
    closeSync(this.fd);
  }
}

/** The journal of the state database at `dbPath`. */
export function journalPathOf(dbPath: string): string {
  return `${dbPath}.answered`;
}

/** Whether a journal at `path` holds anything to replay. */
export function journalHasLines(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

/**
 * Apply the journal's lines to the database in one transaction (a savepoint inside the caller's, if any): rows that
 * are missing, settles whose sequence number the quota row has not reached; a torn last line (the crash mid-write) is
 * skipped. Idempotent.
 */
export function replay(db: Database.Database, path: string): { rows: number; maxSeq: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { rows: 0, maxSeq: 0 };
  }
  const insertRow = db.prepare(`INSERT OR IGNORE INTO requests (${ROW_FIELDS.join(', ')}) VALUES (${ROW_FIELDS.map(() => '?').join(', ')})`);
  const quotaSeq = db.prepare('SELECT seq FROM quota_usage WHERE model = ? AND period_start = ?');
  const addQuota = db.prepare(
    'INSERT INTO quota_usage (model, period_start, used, seq) VALUES (?, ?, ?, ?) ON CONFLICT (model, period_start) DO UPDATE SET used = used + excluded.used, seq = excluded.seq',
  );
  let rows = 0;
  let maxSeq = 0;
  db.transaction(() => {
    for (const line of text.split('\n')) {
      let rec: [number, [string, number, number] | 0, unknown[]];
      try {
        rec = JSON.parse(line);
      } catch {
        continue;
      }
      if (!Array.isArray(rec) || typeof rec[0] !== 'number' || !Array.isArray(rec[2])) continue;
      if (rec[2].length !== ROW_FIELDS.length && rec[2].length !== FIELDS_BEFORE_DETAIL) continue;
      const [seq, settle, values] = rec;
      while (values.length < ROW_FIELDS.length) values.push(0);
      maxSeq = Math.max(maxSeq, seq);
      if (Array.isArray(settle)) {
        const [model, periodStart, tokens] = settle;
        const at = quotaSeq.get(model, periodStart) as { seq: number } | undefined;
        if (!at || at.seq < seq) addQuota.run(model, periodStart, tokens, seq);
      }
      rows += insertRow.run(...values).changes;
    }
  })();
  return { rows, maxSeq };
}
