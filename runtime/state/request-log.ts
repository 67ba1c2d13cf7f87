import type Database from 'better-sqlite3';
import { expandDecision } from './log-decision.ts';
import { unpackLog } from './log-compress.ts';
import { batchWriter, type Pending } from './log-batch.ts';
import { LogWriter } from './log-writer.ts';
import { Rollups, type GroupColumn, type Totals } from './rollups.ts';

export interface RequestRow {
  id: string;
  ts: number;
  endpoint: string;
  requested_model: string | null;
  model: string | null;
  scenario: string | null;
  tier: string | null;
  status: number;
  stream: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  free_tokens: number;
  cost_usd: number;
  saved_usd: number;
  attempts: number;
  error_type: string | null;
  pii: string | null;
  /** the client key's name (null: the admin token, or no auth) */
  client: string | null;
  /** of completion_tokens, spent reasoning (absent: 0) */
  reasoning_tokens?: number;
  /** of prompt_tokens, read from the provider's prompt cache (absent: 0) */
  cached_tokens?: number;
  /** of prompt_tokens, written to the provider's prompt cache (absent: 0) */
  cache_write_tokens?: number;
}

export interface LogBodies {
  request_body: string | null;
  response_body: string | null;
  /** the decision in the log's compact form (log-decision.ts), or its JSON */
  decision: string | null;
  attempts: string | null;
  redacted: number;
}

/** Totals over a window of the log (the rollups' sums: rollups.ts). */
export type Aggregate = Totals;

/** The requests table's columns as reads return them (requests.body, the link to the bodies, stays inside). */
const REQUEST_COLUMNS = `r.id, r.ts, r.endpoint, r.requested_model, r.model, r.scenario, r.tier, r.status, r.stream, r.latency_ms,
  r.prompt_tokens, r.completion_tokens, r.free_tokens, r.cost_usd, r.saved_usd, r.attempts, r.error_type, r.pii, r.client,
  r.reasoning_tokens, r.cached_tokens, r.cache_write_tokens`;

/**
 * A logged request as reads return it: the requests row, then its bodies from request_bodies or, for rows written
 * before schema 2, from request_logs.
 */
const SELECT_LOGGED = `SELECT ${REQUEST_COLUMNS},
    CASE WHEN b.rid IS NULL THEN l.request_body ELSE b.request_body END AS request_body,
    CASE WHEN b.rid IS NULL THEN l.response_body ELSE b.response_body END AS response_body,
    CASE WHEN b.rid IS NULL THEN l.decision ELSE b.decision END AS decision,
    CASE WHEN b.rid IS NULL THEN l.attempts ELSE b.attempts END AS attempt_list,
    CASE WHEN b.rid IS NULL THEN l.redacted ELSE b.redacted END AS redacted,
    b.packed AS packed
  FROM requests r
  LEFT JOIN request_bodies b ON b.rid = r.body
  LEFT JOIN request_logs l ON b.rid IS NULL AND l.id = r.id`;

/**
 * The requests table (always written: stats and reports read it) and the request_bodies table (bodies, decision and
 * attempts; optional). Finished requests are queued and written in one transaction every few milliseconds (group commit),
 * by the log-writer thread when the gateway started one (startWriter).
 */
/** The longest a finished request waits in memory before its log row is written, and the most rows that wait. */
const FLUSH_MS = 10;
const FLUSH_ROWS = 512;

export class RequestLog {
  private readonly db: Database.Database;
  private readonly byId: Database.Statement;
  /** totals, groups and series read from the hourly rollups */
  readonly rollups: Rollups;
  private readonly writeBatch: (batch: Pending[]) => void;
  private readonly onError: (message: string) => void;
  private readonly statements = new Map<string, Database.Statement>();
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly flushSoon = () => this.handOff(false);
  /** the log-writer thread, once started (startWriter); null: this thread writes */
  private writer: LogWriter | null = null;
  /** called first by every flush: whoever queues rows elsewhere hands them over */
  private readonly beforeRead: (() => void) | null;
  /** called after a flush once everything queued is committed (the answered-requests journal may start over) */
  private readonly afterWrite: (() => void) | null;
  /** true when a hand-off must wait for the log-writer thread to commit (the journal has grown to its limit) */
  private readonly mustCommit: (() => boolean) | null;

  constructor(db: Database.Database, opts: { onError?: (message: string) => void; beforeRead?: () => void; afterWrite?: () => void; mustCommit?: () => boolean } = {}) {
    this.db = db;
    this.beforeRead = opts.beforeRead ?? null;
    this.afterWrite = opts.afterWrite ?? null;
    this.mustCommit = opts.mustCommit ?? null;
    this.onError = opts.onError ?? ((m) => process.stderr.write(`${m}\n`));
    this.writeBatch = batchWriter(db, this.onError);
    this.byId = db.prepare(`${SELECT_LOGGED} WHERE r.id = ?`);
    this.rollups = new Rollups(db);
  }

  /**
   * Write on a thread of its own from now on (log-writer.ts), with its own connection to this database file; reads
   * still see every finished request (they wait for its commit). Without a file (an in-memory database), or when the
   * thread cannot start, this thread keeps writing.
   */
  startWriter(): void {
    if (this.writer || this.db.memory || this.db.readonly) return;
    this.writer = LogWriter.start(this.db.name, this.onError, (left) => {
      this.writer = null;
      for (const batch of left) this.writeBatch(batch); // what the thread did not commit (a duplicate is skipped)
    });
  }

  /** The log-writer thread writes (false: this thread does). */
  get threaded(): boolean {
    return this.writer?.alive ?? false;
  }

  /** A statement prepared once (reads build a few shapes of SQL). */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Queue a finished request; the queue is written in one transaction within FLUSH_MS (or at FLUSH_ROWS rows), off
   * the request's path: a commit per request cost more than the rest of the gateway's work, and under load a group
   * commit every few milliseconds holds dozens of rows. Reads, retention and close write the queue first. Quota usage
   * does not wait for this: it is committed before the answer leaves (quota-book).
   */
  write(row: RequestRow, bodies: LogBodies | null): void {
    this.pending.push({ row, bodies });
    this.schedule();
  }

  private schedule(): void {
    if (this.pending.length >= FLUSH_ROWS) this.handOff(false);
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flushSoon, FLUSH_MS);
    }
  }

  /** Write what is queued now and wait until it is committed: reads call it first, so they see every finished request. */
  flush(): void {
    this.handOff(true);
  }

  /** Stop the log-writer thread once what it was given is committed (the database stays open). */
  close(): void {
    this.handOff(true);
    this.writer?.close();
    this.writer = null;
  }

  /**
   * Hand what is queued to the log-writer thread (or write it here when there is none); `wait`: until it is committed.
   * Never throws: it runs from a timer.
   */
  private handOff(wait: boolean): void {
    this.beforeRead?.();
    this.scheduled = false;
    const w = this.writer?.alive ? this.writer : null;
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      if (w) {
        try {
          w.send(batch);
        } catch (e) {
          this.onError(`request log: ${(e as Error).message}`);
          this.writeBatch(batch);
        }
      } else this.writeBatch(batch);
    }
    if (w) {
      if (wait || this.mustCommit?.()) w.waitAll();
      if (!w.idle) return; // rows in flight: the journal keeps their lines
    }
    try {
      this.afterWrite?.();
    } catch (e) {
      this.onError(`request log: ${(e as Error).message}`);
    }
  }

  get(id: string): Record<string, unknown> | undefined {
    this.flush();
    const row = this.byId.get(id) as Record<string, unknown> | undefined;
    return row && expandRow(row);
  }

  list(where: { from: number; to: number } | null, limit: number, client: string | null = null): Record<string, unknown>[] {
    this.flush();
    const conds = [...(where ? ['r.ts >= ? AND r.ts < ?'] : []), ...(client !== null ? ['r.client = ?'] : [])];
    const sql = `${SELECT_LOGGED} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY r.ts DESC LIMIT ?`;
    const args = [...(where ? [where.from, where.to] : []), ...(client !== null ? [client] : []), limit];
    return (this.stmt(sql).all(...args) as Record<string, unknown>[]).map(expandRow);
  }

  /** Totals since `since` (from the hourly rollups, exact: rollups.ts). */
  aggregate(since: number): Aggregate {
    this.flush();
    return this.rollups.totals(since);
  }

  groups(since: number, by: readonly GroupColumn[], client?: string): Record<string, unknown>[] {
    this.flush();
    return this.rollups.groups(since, null, by, client);
  }

  spentSince(since: number, client?: string): number {
    this.flush();
    return this.rollups.totals(since, null, client).cost;
  }

  /** One client's totals since `since`, and when it was last seen. */
  clientTotals(client: string, since: number): Aggregate & { last: number | null } {
    this.flush();
    const last = (this.stmt('SELECT MAX(ts) AS last FROM requests WHERE client = ?').get(client) as { last: number | null }).last;
    return { ...this.rollups.totals(since, null, client), last };
  }

  /**
   * Retention: bodies older than `keepMs`, or beyond the newest `keepRows`. request_bodies is read from its oldest
   * row (the order requests finished) up to the first one young enough: a request that ran long may keep its body
   * until the requests that finished before it go. Rows from before schema 2 (request_logs) are the oldest. Returns
   * how many were removed.
   */
  prune(keepMs: number | null, keepRows: number | null, now: number): number {
    this.flush();
    let n = 0;
    if (keepMs !== null) {
      n += this.stmt(
        `DELETE FROM request_bodies WHERE rid < COALESCE((SELECT rid FROM request_bodies WHERE ts >= ? ORDER BY rid LIMIT 1),
          (SELECT COALESCE(MAX(rid), 0) + 1 FROM request_bodies))`,
      ).run(now - keepMs).changes;
      n += this.stmt('DELETE FROM request_logs WHERE ts < ?').run(now - keepMs).changes;
    }
    if (keepRows !== null) {
      n += this.stmt('DELETE FROM request_bodies WHERE rid <= (SELECT rid FROM request_bodies ORDER BY rid DESC LIMIT 1 OFFSET ?)').run(keepRows).changes;
      const kept = (this.stmt('SELECT COUNT(*) AS n FROM request_bodies').get() as { n: number }).n;
      n += this.stmt('DELETE FROM request_logs WHERE id NOT IN (SELECT id FROM request_logs ORDER BY ts DESC LIMIT ?)').run(Math.max(0, keepRows - kept)).changes;
    }
    return n;
  }
}

/** A read row with its texts as they were recorded (a packed row's inflated), its decision as its JSON. */
function expandRow(row: Record<string, unknown>): Record<string, unknown> {
  const packed = row.packed as Uint8Array | null | undefined;
  delete row.packed;
  if (packed) [row.request_body, row.response_body, row.decision, row.attempt_list] = unpackLog(packed);
  if (typeof row.decision === 'string') row.decision = expandDecision(row.decision);
  return row;
}
