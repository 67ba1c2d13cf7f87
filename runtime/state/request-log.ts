import type Database from 'better-sqlite3';

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
}

export interface LogBodies {
  request_body: string | null;
  response_body: string | null;
  decision: string | null;
  attempts: string | null;
  redacted: number;
}

export interface Aggregate {
  requests: number;
  cost: number;
  saved: number;
  prompt: number;
  completion: number;
  free: number;
  latency: number | null;
  errors: number;
}

/** The requests table (always written: stats and reports read it) and the request_logs table (bodies, optional). */
export class RequestLog {
  private insertRow: Database.Statement;
  private insertBodies: Database.Statement;
  private byId: Database.Statement;
  private db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    this.insertRow = db.prepare(
      `INSERT INTO requests (id, ts, endpoint, requested_model, model, scenario, tier, status, stream, latency_ms, prompt_tokens,
        completion_tokens, free_tokens, cost_usd, saved_usd, attempts, error_type, pii)
       VALUES (@id, @ts, @endpoint, @requested_model, @model, @scenario, @tier, @status, @stream, @latency_ms, @prompt_tokens,
        @completion_tokens, @free_tokens, @cost_usd, @saved_usd, @attempts, @error_type, @pii)`,
    );
    this.insertBodies = db.prepare(
      'INSERT INTO request_logs (id, ts, request_body, response_body, decision, attempts, redacted) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.writeBatch = db.transaction((batch: { row: RequestRow; bodies: LogBodies | null }[]) => {
      for (const { row, bodies } of batch) {
        this.insertRow.run(row);
        if (bodies) this.insertBodies.run(row.id, row.ts, bodies.request_body, bodies.response_body, bodies.decision, bodies.attempts, bodies.redacted);
      }
    });
    this.byId = db.prepare(
      'SELECT r.*, l.request_body, l.response_body, l.decision, l.attempts AS attempt_list, l.redacted FROM requests r LEFT JOIN request_logs l ON l.id = r.id WHERE r.id = ?',
    );
  }

  private pending: { row: RequestRow; bodies: LogBodies | null }[] = [];
  private scheduled = false;
  private writeBatch!: (batch: { row: RequestRow; bodies: LogBodies | null }[]) => void;

  /**
   * Queue a finished request; the queue is written in one transaction on the next turn of the event loop, off the
   * request's path (one transaction per request cost more than the rest of the gateway's work).
   */
  write(row: RequestRow, bodies: LogBodies | null): void {
    this.pending.push({ row, bodies });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Write what is queued now (reads call it first, so they see every finished request). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writeBatch(batch);
  }

  get(id: string): Record<string, unknown> | undefined {
    this.flush();
    return this.byId.get(id) as Record<string, unknown> | undefined;
  }

  list(where: { from: number; to: number } | null, limit: number): Record<string, unknown>[] {
    this.flush();
    const sql = `SELECT r.*, l.request_body, l.response_body, l.decision, l.attempts AS attempt_list, l.redacted
      FROM requests r LEFT JOIN request_logs l ON l.id = r.id ${where ? 'WHERE r.ts >= ? AND r.ts < ?' : ''} ORDER BY r.ts DESC LIMIT ?`;
    const args = where ? [where.from, where.to, limit] : [limit];
    return this.db.prepare(sql).all(...args) as Record<string, unknown>[];
  }

  aggregate(since: number): Aggregate {
    this.flush();
    return this.db
      .prepare(
        `SELECT COUNT(*) AS requests, COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(saved_usd), 0) AS saved,
          COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion,
          COALESCE(SUM(free_tokens), 0) AS free, AVG(latency_ms) AS latency, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
         FROM requests WHERE ts >= ?`,
      )
      .get(since) as Aggregate;
  }

  groups(since: number, by: readonly ('model' | 'scenario' | 'tier')[]): Record<string, unknown>[] {
    this.flush();
    const cols = by.join(', ');
    return this.db
      .prepare(
        `SELECT ${cols}, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,
          SUM(free_tokens) AS free_tokens, ROUND(SUM(cost_usd), 6) AS cost_usd, ROUND(SUM(saved_usd), 6) AS saved_usd,
          ROUND(AVG(latency_ms), 1) AS avg_latency_ms, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
         FROM requests WHERE ts >= ? GROUP BY ${cols} ORDER BY requests DESC`,
      )
      .all(since) as Record<string, unknown>[];
  }

  spentSince(since: number): number {
    this.flush();
    return (this.db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS s FROM requests WHERE ts >= ?').get(since) as { s: number }).s;
  }

  /** Retention: bodies older than `keepMs`, or beyond the newest `keepRows`. Returns how many were removed. */
  prune(keepMs: number | null, keepRows: number | null, now: number): number {
    this.flush();
    let n = 0;
    if (keepMs !== null) n += this.db.prepare('DELETE FROM request_logs WHERE ts < ?').run(now - keepMs).changes;
    if (keepRows !== null)
      n += this.db.prepare('DELETE FROM request_logs WHERE id NOT IN (SELECT id FROM request_logs ORDER BY ts DESC LIMIT ?)').run(keepRows).changes;
    return n;
  }
}
