import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { bump } from './change-counter.ts';

/** What a client key may do: its limits, budget, allow lists and expiry (the key itself is never stored). */
export interface ClientLimits {
  rpm: number | null;
  tpm: number | null;
  budget: { usd: number; per: 'day' | 'month'; then: 'free_only' | 'block' } | null;
  /** model ids, bare model names or `provider/*`; null: any */
  models: string[] | null;
  /** scenario names; null: any */
  scenarios: string[] | null;
  /** epoch ms; null: never */
  expiresAt: number | null;
}

export interface ClientKeyRow extends ClientLimits {
  name: string;
  /** sha256 of the key, hex */
  hash: string;
  revokedAt: number | null;
  createdAt: number;
  rotatedAt: number | null;
  /** the key's first characters (`gw_` and 4 more), to tell keys apart; null for keys made before schema 5 */
  prefix: string | null;
}

/** A client key as handed out: `gw_` and 32 random bytes (base64url). */
export const CLIENT_KEY_PREFIX = 'gw_';
export const newClientKey = (): string => `${CLIENT_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
export const keyHash = (key: string): string => createHash('sha256').update(key).digest('hex');
/** What is kept of a key besides its hash: its first 7 characters (`gw_` and 24 of its 256 random bits). */
export const keyPrefix = (key: string): string => key.slice(0, CLIENT_KEY_PREFIX.length + 4);

export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

interface DbRow {
  name: string;
  key_hash: string;
  rpm: number | null;
  tpm: number | null;
  budget_usd: number | null;
  budget_per: string | null;
  budget_then: string | null;
  models: string | null;
  scenarios: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
  rotated_at: number | null;
  prefix?: string | null;
}

function fromDb(r: DbRow): ClientKeyRow {
  return {
    name: r.name,
    hash: r.key_hash,
    rpm: r.rpm,
    tpm: r.tpm,
    budget: r.budget_usd === null ? null : { usd: r.budget_usd, per: r.budget_per === 'month' ? 'month' : 'day', then: r.budget_then === 'block' ? 'block' : 'free_only' },
    models: r.models === null ? null : (JSON.parse(r.models) as string[]),
    scenarios: r.scenarios === null ? null : (JSON.parse(r.scenarios) as string[]),
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
    rotatedAt: r.rotated_at,
    prefix: r.prefix ?? null,
  };
}

export class ClientKeyError extends Error {}

/** The client_keys table: one row per named key, holding the key's hash, never the key. */
export class ClientKeyStore {
  private readonly db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
  }

  all(): ClientKeyRow[] {
    return (this.db.prepare('SELECT * FROM client_keys ORDER BY name').all() as DbRow[]).map(fromDb);
  }

  get(name: string): ClientKeyRow | null {
    const r = this.db.prepare('SELECT * FROM client_keys WHERE name = ?').get(name) as DbRow | undefined;
    return r ? fromDb(r) : null;
  }

  /** A new key for NAME (replacing a revoked one of that name); returns the key, shown once. */
  create(name: string, limits: ClientLimits, now: number): string {
    if (!CLIENT_NAME.test(name)) throw new ClientKeyError(`a client name is 1-64 letters, digits, "_", "." or "-", got "${name}"`);
    const existing = this.get(name);
    if (existing && existing.revokedAt === null) throw new ClientKeyError(`a client key named "${name}" exists: revoke it first, or rotate it`);
    const key = newClientKey();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO client_keys (name, key_hash, rpm, tpm, budget_usd, budget_per, budget_then, models, scenarios, expires_at, revoked_at, created_at, rotated_at, prefix)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?)`,
      )
      .run(
        name,
        keyHash(key),
        limits.rpm,
        limits.tpm,
        limits.budget?.usd ?? null,
        limits.budget?.per ?? null,
        limits.budget?.then ?? null,
        limits.models ? JSON.stringify(limits.models) : null,
        limits.scenarios ? JSON.stringify(limits.scenarios) : null,
        limits.expiresAt,
        now,
        keyPrefix(key),
      );
    bump(this.db, 'clients_version');
    return key;
  }

  revoke(name: string, now: number): void {
    const r = this.db.prepare('UPDATE client_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(now, name);
    if (r.changes === 0) throw new ClientKeyError(this.get(name) ? `the client key "${name}" is already revoked` : `no client key named "${name}"`);
    bump(this.db, 'clients_version');
  }

  /** A new key for NAME, same limits; the old key stops working at once. Returns the new key. */
  rotate(name: string, now: number): string {
    const row = this.get(name);
    if (!row) throw new ClientKeyError(`no client key named "${name}"`);
    if (row.revokedAt !== null) throw new ClientKeyError(`the client key "${name}" is revoked: create it again`);
    const key = newClientKey();
    this.db.prepare('UPDATE client_keys SET key_hash = ?, rotated_at = ?, prefix = ? WHERE name = ?').run(keyHash(key), now, keyPrefix(key), name);
    bump(this.db, 'clients_version');
    return key;
  }
}

/** `2/day`, `5/month`, `$2/day`: a budget amount and period. */
export function parseBudget(text: string): { usd: number; per: 'day' | 'month' } | null {
  const m = /^\$?(\d+(?:\.\d+)?)\s*\/\s*(day|month)$/.exec(text.trim());
  return m ? { usd: Number(m[1]), per: m[2] as 'day' | 'month' } : null;
}
