import type Database from 'better-sqlite3';
import type { Balance } from '../providers/balances.ts';
import type { ListedModel } from '../providers/model-list.ts';

/** What one provider's model list said at its last good read. */
export interface Listing {
  provider: string;
  /** epoch ms of the read */
  at: number;
  models: ListedModel[];
}

/** The last sync attempt of a provider, good or not. */
export interface SyncAttempt {
  provider: string;
  at: number;
  ok: boolean;
  error: string | null;
}

/** Readings kept per provider: the oldest is the baseline the drift is measured from. */
const KEEP_READINGS = 48;

/**
 * The provider tables of the state database (migration 5): each provider's model list as its last good sync read it,
 * every sync attempt's outcome, and the last readings of its balance endpoint. A failed read never replaces a good
 * list: a provider down for an hour must not make all of its models look retired.
 */
export class ProviderStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  /** Record a sync attempt; with `models`, the read was good and its list replaces the last one. */
  saveSync(provider: string, at: number, result: { models: readonly ListedModel[] } | { error: string }): void {
    const tx = this.db.transaction(() => {
      if ('models' in result) {
        this.db.prepare('DELETE FROM provider_models WHERE provider = ?').run(provider);
        const ins = this.db.prepare('INSERT OR REPLACE INTO provider_models (provider, model, free, context, max_output) VALUES (?, ?, ?, ?, ?)');
        for (const m of result.models) ins.run(provider, m.name, m.free ? 1 : 0, m.context, m.maxOutput);
        this.db
          .prepare('INSERT INTO provider_sync (provider, synced_at, ok, error, listed_at) VALUES (?, ?, 1, NULL, ?) ON CONFLICT (provider) DO UPDATE SET synced_at = excluded.synced_at, ok = 1, error = NULL, listed_at = excluded.listed_at')
          .run(provider, at, at);
      } else {
        this.db
          .prepare('INSERT INTO provider_sync (provider, synced_at, ok, error, listed_at) VALUES (?, ?, 0, ?, NULL) ON CONFLICT (provider) DO UPDATE SET synced_at = excluded.synced_at, ok = 0, error = excluded.error')
          .run(provider, at, result.error.slice(0, 300));
      }
    });
    tx();
  }

  saveBalance(b: Balance): void {
    this.db.prepare('INSERT OR REPLACE INTO provider_balances (provider, read_at, body) VALUES (?, ?, ?)').run(b.provider, b.at, JSON.stringify(b));
    this.db
      .prepare('DELETE FROM provider_balances WHERE provider = ? AND read_at NOT IN (SELECT read_at FROM provider_balances WHERE provider = ? ORDER BY read_at DESC LIMIT ?)')
      .run(b.provider, b.provider, KEEP_READINGS);
  }

  /** Each provider's last good list. */
  listings(): Map<string, Listing> {
    const out = new Map<string, Listing>();
    const rows = this.db.prepare('SELECT provider, listed_at FROM provider_sync WHERE listed_at IS NOT NULL').all() as { provider: string; listed_at: number }[];
    for (const r of rows) out.set(r.provider, { provider: r.provider, at: r.listed_at, models: [] });
    const models = this.db.prepare('SELECT provider, model, free, context, max_output FROM provider_models ORDER BY provider, model').all() as {
      provider: string;
      model: string;
      free: number;
      context: number | null;
      max_output: number | null;
    }[];
    for (const m of models) out.get(m.provider)?.models.push({ name: m.model, free: m.free === 1, context: m.context, maxOutput: m.max_output });
    return out;
  }

  attempts(): SyncAttempt[] {
    const rows = this.db.prepare('SELECT provider, synced_at, ok, error FROM provider_sync ORDER BY provider').all() as { provider: string; synced_at: number; ok: number; error: string | null }[];
    return rows.map((r) => ({ provider: r.provider, at: r.synced_at, ok: r.ok === 1, error: r.error }));
  }

  /** Each provider's latest balance reading and its oldest kept one (the drift's baseline). */
  balances(): Map<string, { latest: Balance; first: Balance }> {
    const out = new Map<string, { latest: Balance; first: Balance }>();
    const rows = this.db
      .prepare(
        `SELECT b.provider, b.body, b.read_at FROM provider_balances b
         JOIN (SELECT provider, MIN(read_at) AS lo, MAX(read_at) AS hi FROM provider_balances GROUP BY provider) e
           ON e.provider = b.provider AND (b.read_at = e.lo OR b.read_at = e.hi)
         ORDER BY b.provider, b.read_at`,
      )
      .all() as { provider: string; body: string; read_at: number }[];
    for (const r of rows) {
      let b: Balance;
      try {
        b = JSON.parse(r.body) as Balance;
      } catch {
        continue;
      }
      const cur = out.get(r.provider);
      if (!cur) out.set(r.provider, { first: b, latest: b });
      else cur.latest = b;
    }
    return out;
  }

  /** Changes when a sync or a balance reading was written (by this process or another): a cheap freshness check. */
  version(): string {
    const r = this.db.prepare('SELECT (SELECT MAX(synced_at) FROM provider_sync) AS s, (SELECT MAX(read_at) FROM provider_balances) AS b').get() as { s: number | null; b: number | null };
    return `${r.s ?? 0}:${r.b ?? 0}`;
  }
}
