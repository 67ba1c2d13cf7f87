import type Database from 'better-sqlite3';
import type { SessionKey, SessionPin, StickyDecision } from '../router/types.ts';

/** Sessions kept in memory at most; past that the least recently answered go (their rows stay until they expire). */
const MAX_SESSIONS = 50_000;

interface Entry {
  source: string;
  pins: Record<string, SessionPin>;
}

/** What the request path needs of the session store: the pins of a request's session, and the answer that moves them. */
export interface SessionStore {
  pinsOf(session: SessionKey | null | undefined, now: number): Readonly<Record<string, SessionPin>> | undefined;
  record(sticky: StickyDecision, model: string, now: number): void;
}

/**
 * Session affinity's memory (`sticky`): for each session and scenario, the model that answered it and until when it
 * stays there. Read from memory on the request path; kept in `session_pins` so a restart (and `gw explain --session`,
 * another process) sees it. The rows a turn changed are written after the answer, together, in one transaction per
 * event-loop turn (setImmediate), so the answer never waits for them. Sessions named by a derived key (a hash of the
 * conversation's start: every plain API request has one) stay in memory only: no client can name them to
 * `gw explain`, and writing one per request would put a database write back on every request.
 */
export class SessionPins implements SessionStore {
  private readonly mem = new Map<string, Entry>();
  private readonly upsert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly prune: Database.Statement;
  private readonly db: Database.Database;
  /** `session\u0000scenario` → the row to write */
  private dirty = new Map<string, [string, string, string, string, number, number, number, number]>();
  private flushScheduled = false;
  private readonly flushSoon = () => this.flush();

  constructor(db: Database.Database, now = Date.now()) {
    this.db = db;
    this.upsert = db.prepare(
      `INSERT INTO session_pins (session, scenario, model, source, since, last, until, turns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session, scenario) DO UPDATE SET model = excluded.model, source = excluded.source, since = excluded.since,
       last = excluded.last, until = excluded.until, turns = excluded.turns`,
    );
    this.byId = db.prepare('SELECT scenario, model, source, since, last, until, turns FROM session_pins WHERE session = ? ORDER BY scenario');
    this.prune = db.prepare('DELETE FROM session_pins WHERE until <= ?');
    if (!db.readonly) this.prune.run(now);
    const rows = db.prepare('SELECT session, scenario, model, source, since, last, until, turns FROM session_pins WHERE until > ? ORDER BY last').all(now) as Row[];
    for (const r of rows) {
      const e = this.entry(r.session, r.source);
      e.pins[r.scenario] = pinOf(r);
    }
  }

  pinsOf(session: SessionKey | null | undefined, now: number): Readonly<Record<string, SessionPin>> | undefined {
    if (!session) return undefined;
    const e = this.mem.get(session.id);
    if (!e) return undefined;
    for (const p of Object.values(e.pins)) if (p.until > now) return e.pins;
    this.mem.delete(session.id);
    return undefined;
  }

  record(sticky: StickyDecision, model: string, now: number): void {
    const { session, scenario, ttlMs } = sticky;
    const e = this.entry(session.id, session.source);
    const old = e.pins[scenario];
    const same = old !== undefined && old.model === model && old.until > now;
    const pin: SessionPin = same ? { ...old, last: now, until: now + ttlMs, turns: old.turns + 1 } : { model, since: now, last: now, until: now + ttlMs, turns: 1 };
    e.pins[scenario] = pin;
    // most recently answered last: the map's order is what eviction reads
    this.mem.delete(session.id);
    this.mem.set(session.id, e);
    this.dropExpired(now);
    if (this.mem.size > MAX_SESSIONS) this.evict();
    if (session.derived) return;
    this.dirty.set(`${session.id}\u0000${scenario}`, [session.id, scenario, pin.model, session.source, pin.since, pin.last, pin.until, pin.turns]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** The least recently answered sessions whose every pin has expired leave memory (a few per answer). */
  private dropExpired(now: number): void {
    let n = 0;
    for (const [id, e] of this.mem) {
      if (n++ >= 8) return;
      for (const k in e.pins) if (e.pins[k].until > now) return;
      this.mem.delete(id);
    }
  }

  /** Write the rows changed since the last flush. Never throws: it runs from a timer (a lost row only costs affinity). */
  flush(): void {
    this.flushScheduled = false;
    if (this.dirty.size === 0 || !this.db.open) return;
    const rows = [...this.dirty.values()];
    this.dirty.clear();
    try {
      this.db.transaction(() => {
        for (const r of rows) this.upsert.run(...r);
      })();
    } catch {
      /* the database is closing or busy: the pins stay in memory */
    }
  }

  /** Every scenario's pin of session `id`, as stored (for `gw explain --session` and the admin's view). */
  stored(id: string): { scenario: string; source: string; pin: SessionPin }[] {
    this.flush();
    return (this.byId.all(id) as Row[]).map((r) => ({ scenario: r.scenario, source: r.source, pin: pinOf(r) }));
  }

  private entry(id: string, source: string): Entry {
    let e = this.mem.get(id);
    if (!e) {
      e = { source, pins: {} };
      this.mem.set(id, e);
    }
    return e;
  }

  private evict(): void {
    // the least recently answered first (their rows stay, and are read again after a restart while they last)
    for (const id of this.mem.keys()) {
      if (this.mem.size <= MAX_SESSIONS * 0.9) break;
      this.mem.delete(id);
    }
  }
}

interface Row {
  session: string;
  scenario: string;
  model: string;
  source: string;
  since: number;
  last: number;
  until: number;
  turns: number;
}

function pinOf(r: Row): SessionPin {
  return { model: r.model, since: r.since, last: r.last, until: r.until, turns: r.turns };
}
