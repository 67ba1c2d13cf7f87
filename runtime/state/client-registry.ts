import type Database from 'better-sqlite3';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Env } from '../providers/keys.ts';
import { readCounters } from './change-counter.ts';
import { ClientKeyStore, keyHash, type ClientLimits } from './client-keys.ts';

const DAY = 86_400_000;

/** A client the gateway knows: from `gw keys create` (the state database) or a `client` block of routes.gw. */
export interface Client extends ClientLimits {
  name: string;
  source: 'keys' | 'policy';
  revokedAt: number | null;
  /** the routes.gw line of a policy client */
  at: string | null;
}

interface PolicyClients {
  byHash: Map<string, Client>;
  byName: Map<string, Client>;
}

/** `expires 2027-01-31`: the key works through that UTC day. */
export function endOfDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) + DAY;
}

/**
 * The client keys a running gateway accepts, looked up by the hash of the key a request sends. Keys made by `gw keys`
 * (another process) reach it at once: each request calls `sync`, which asks SQLite whether any other connection
 * committed since (`PRAGMA data_version`, no I/O) and, when one did, whether it changed the keys or the vault.
 */
export class ClientRegistry {
  private readonly db: Database.Database;
  readonly store: ClientKeyStore;
  private readonly env: Env;
  private readonly dataVersion: Database.Statement;
  private lastData = -1;
  private counters = { clients_version: '', vault_version: '' };
  private keys = new Map<string, Client>();
  private keysByName = new Map<string, Client>();
  private readonly policy = new WeakMap<DecisionTable, PolicyClients>();
  private readonly onVaultChange: () => void;

  constructor(db: Database.Database, opts: { env: Env; onVaultChange?: () => void }) {
    this.db = db;
    this.env = opts.env;
    this.store = new ClientKeyStore(db);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.onVaultChange = opts.onVaultChange ?? (() => {});
    this.sync(true);
  }

  /** Pick up changes committed by other processes (cheap when there are none). `force`: after this process's own writes. */
  sync(force = false): void {
    const v = this.dataVersion.get() as number;
    if (v === this.lastData && !force) return;
    this.lastData = v;
    const c = readCounters(this.db);
    if (force || c.clients_version !== this.counters.clients_version) this.reloadKeys();
    const vaultChanged = c.vault_version !== this.counters.vault_version;
    this.counters = c;
    if (vaultChanged && !force) this.onVaultChange();
  }

  private reloadKeys(): void {
    const keys = new Map<string, Client>();
    const byName = new Map<string, Client>();
    for (const r of this.store.all()) {
      const c: Client = { name: r.name, rpm: r.rpm, tpm: r.tpm, budget: r.budget, models: r.models, scenarios: r.scenarios, expiresAt: r.expiresAt, revokedAt: r.revokedAt, source: 'keys', at: null };
      keys.set(r.hash, c);
      byName.set(r.name, c);
    }
    this.keys = keys;
    this.keysByName = byName;
  }

  private policyClients(table: DecisionTable): PolicyClients {
    let p = this.policy.get(table);
    if (!p) {
      p = { byHash: new Map(), byName: new Map() };
      for (const c of table.clients ?? []) {
        const client: Client = {
          name: c.name,
          rpm: c.rpm,
          tpm: c.tpm,
          budget: c.budget,
          models: c.models,
          scenarios: c.scenarios,
          expiresAt: c.expires ? endOfDay(c.expires) : null,
          revokedAt: null,
          source: 'policy',
          at: c.at,
        };
        p.byName.set(c.name, client);
        const key = c.keyEnv.map((n) => this.env[n]).find(Boolean);
        if (key) p.byHash.set(keyHash(key), client);
      }
      this.policy.set(table, p);
    }
    return p;
  }

  /** The client whose key this is (revoked and expired ones included: the caller refuses them), or null. */
  lookup(table: DecisionTable, key: string): Client | null {
    const h = keyHash(key);
    return this.keys.get(h) ?? this.policyClients(table).byHash.get(h) ?? null;
  }

  /** A client by name: `gw keys` first, then the policy's. */
  named(table: DecisionTable, name: string): Client | null {
    return this.keysByName.get(name) ?? this.policyClients(table).byName.get(name) ?? null;
  }

  names(table: DecisionTable): string[] {
    return [...new Set([...this.keysByName.keys(), ...this.policyClients(table).byName.keys()])];
  }
}
