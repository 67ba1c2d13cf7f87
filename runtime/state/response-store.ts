import type Database from 'better-sqlite3';

/**
 * Stored Responses (`store: true`, the default): what `GET /v1/responses/{id}`, `/input_items` and
 * `previous_response_id` read. One row per response in its own table of the state database: the response object,
 * the request's own input items (with ids), and the previous response it continued. Kept as long as the request
 * logs (`logs keep …`; 30 days when logs are off).
 */

const DAY = 86_400_000;
/** how far back previous_response_id is followed */
export const MAX_CHAIN = 1000;

export interface StoredResponse {
  id: string;
  createdAt: number;
  previousId: string | null;
  /** this request's own input items (not those of the responses it continued) */
  inputItems: Record<string, unknown>[];
  response: Record<string, unknown>;
}

export class ResponseStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(db: Database.Database) {
    this.db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS responses (
      id TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      previous_id TEXT,
      input_items TEXT NOT NULL,
      response TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS responses_created ON responses (created_at);`);
    this.insert = db.prepare('INSERT OR REPLACE INTO responses (id, created_at, previous_id, input_items, response) VALUES (?, ?, ?, ?, ?)');
    this.select = db.prepare('SELECT id, created_at, previous_id, input_items, response FROM responses WHERE id = ? AND created_at >= ?');
    this.remove = db.prepare('DELETE FROM responses WHERE id = ?');
  }

  put(r: StoredResponse): void {
    this.insert.run(r.id, r.createdAt, r.previousId, JSON.stringify(r.inputItems), JSON.stringify(r.response));
  }

  /** The stored response, or null when unknown or older than `keepMs`. */
  get(id: string, keepMs: number | null, now: number): StoredResponse | null {
    const row = this.select.get(id, now - (keepMs ?? 30 * DAY)) as
      | { id: string; created_at: number; previous_id: string | null; input_items: string; response: string }
      | undefined;
    if (!row) return null;
    return { id: row.id, createdAt: row.created_at, previousId: row.previous_id, inputItems: JSON.parse(row.input_items), response: JSON.parse(row.response) };
  }

  delete(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }

  /**
   * The conversation up to and including response `id`: each response's input items then its output, oldest first.
   * null when `id` (or one it continued) is unknown or expired: the client's previous_response_id cannot be honoured.
   */
  conversation(id: string, keepMs: number | null, now: number): Record<string, unknown>[] | null {
    const turns: StoredResponse[] = [];
    let next: string | null = id;
    while (next !== null && turns.length < MAX_CHAIN) {
      const r = this.get(next, keepMs, now);
      if (!r) return null;
      turns.push(r);
      next = r.previousId;
    }
    const items: Record<string, unknown>[] = [];
    for (let i = turns.length - 1; i >= 0; i--) {
      items.push(...turns[i].inputItems);
      const out = turns[i].response.output;
      if (Array.isArray(out)) items.push(...(out as Record<string, unknown>[]));
    }
    return items;
  }

  /** Retention, as the request logs': older than `keepMs` (30 days when unset), beyond the newest `keepRows`. */
  prune(keepMs: number | null, keepRows: number | null, now: number): number {
    let n = this.db.prepare('DELETE FROM responses WHERE created_at < ?').run(now - (keepMs ?? 30 * DAY)).changes;
    if (keepRows !== null) n += this.db.prepare('DELETE FROM responses WHERE id NOT IN (SELECT id FROM responses ORDER BY created_at DESC LIMIT ?)').run(keepRows).changes;
    return n;
  }
}
