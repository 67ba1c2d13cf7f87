import type Database from 'better-sqlite3';
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Env } from '../providers/keys.ts';
import { bump } from './change-counter.ts';

/**
 * The key vault: provider keys kept AES-256-GCM encrypted in the state database (the secrets table holds nonce, tag
 * and ciphertext; the secret's name is bound as associated data). The key is derived (scrypt, salt in meta) from the
 * master key: GW_MASTER_KEY, else a generated key file (mode 0600) beside the state database. A check value in meta
 * tells a wrong master key from a damaged secret; no error ever carries a value.
 */
export const MASTER_KEY_ENV = 'GW_MASTER_KEY';
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const CHECK_TEXT = 'gw-vault-check';

export class VaultError extends Error {}

export interface MasterKey {
  secret: string;
  source: string;
}

/** Where the generated master key file lives for a state database (`:memory:`: none). */
export function masterKeyFile(statePath: string): string | null {
  return statePath === ':memory:' ? null : join(dirname(statePath), 'master.key');
}

/** The master key: GW_MASTER_KEY, else the key file; `create` generates the file (0600) when neither exists. */
export function findMasterKey(env: Env, statePath: string, opts: { create?: boolean } = {}): MasterKey | null {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv) return { secret: fromEnv, source: MASTER_KEY_ENV };
  const file = masterKeyFile(statePath);
  if (!file) return null;
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), source: file };
  if (!opts.create) return null;
  writeMasterKeyFile(file, randomBytes(32).toString('hex'));
  return { secret: readFileSync(file, 'utf8').trim(), source: file };
}

export function writeMasterKeyFile(file: string, secret: string): void {
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

interface Sealed {
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function seal(key: Buffer, name: string, value: string): Sealed {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(name));
  const ciphertext = Buffer.concat([c.update(value, 'utf8'), c.final()]);
  return { nonce, tag: c.getAuthTag(), ciphertext };
}

function open(key: Buffer, name: string, s: Sealed): string | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, s.nonce);
    d.setAAD(Buffer.from(name));
    d.setAuthTag(s.tag);
    return Buffer.concat([d.update(s.ciphertext), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}

const meta = (db: Database.Database, key: string): string | null =>
  (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
const setMeta = (db: Database.Database, key: string, value: string): void => {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
};

function derive(secret: string, saltHex: string): Buffer {
  return scryptSync(secret, Buffer.from(saltHex, 'hex'), 32, { N: 1 << 14, r: 8, p: 1 });
}

export class Vault {
  private readonly db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
  }

  /** Names and when each was set; never values. */
  list(): { name: string; setAt: number }[] {
    return (this.db.prepare('SELECT name, set_at AS setAt FROM secrets ORDER BY name').all() as { name: string; setAt: number }[]);
  }

  has(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(name) !== undefined;
  }

  /** The vault's key from the master key: checked against the vault's check value (set on first use). */
  private key(master: MasterKey | null, init: boolean): Buffer {
    if (!master) throw new VaultError(`no master key: set ${MASTER_KEY_ENV}, or keep the key file the vault was created with beside the state database`);
    let salt = meta(this.db, 'vault_salt');
    const check = meta(this.db, 'vault_check');
    if (salt === null || check === null) {
      if (!init) throw new VaultError('the vault is empty');
      salt = randomBytes(16).toString('hex');
      const key = derive(master.secret, salt);
      const sealed = seal(key, CHECK_TEXT, CHECK_TEXT);
      this.db.transaction(() => {
        setMeta(this.db, 'vault_salt', salt!);
        setMeta(this.db, 'vault_check', JSON.stringify({ nonce: sealed.nonce.toString('hex'), tag: sealed.tag.toString('hex'), ciphertext: sealed.ciphertext.toString('hex') }));
      })();
      return key;
    }
    const key = derive(master.secret, salt);
    const c = JSON.parse(check) as Record<'nonce' | 'tag' | 'ciphertext', string>;
    const ok = open(key, CHECK_TEXT, { nonce: Buffer.from(c.nonce, 'hex'), tag: Buffer.from(c.tag, 'hex'), ciphertext: Buffer.from(c.ciphertext, 'hex') });
    if (ok !== CHECK_TEXT) throw new VaultError(`the master key (from ${master.source}) does not open this vault: it is not the key the vault was created with`);
    return key;
  }

  set(name: string, value: string, master: MasterKey | null, now: number): void {
    if (!SECRET_NAME.test(name)) throw new VaultError(`a secret's name is an environment variable's name (letters, digits, "_"), got "${name.slice(0, 64)}"`);
    if (value.length === 0) throw new VaultError('the secret is empty');
    const key = this.key(master, true);
    const s = seal(key, name, value);
    this.db.prepare('INSERT OR REPLACE INTO secrets (name, nonce, tag, ciphertext, set_at) VALUES (?, ?, ?, ?, ?)').run(name, s.nonce, s.tag, s.ciphertext, now);
    bump(this.db, 'vault_version');
  }

  remove(name: string): boolean {
    const gone = this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
    if (gone) bump(this.db, 'vault_version');
    return gone;
  }

  /** Every secret decrypted (for the gateway's key lookup). An empty vault needs no master key. */
  readAll(master: MasterKey | null): Map<string, string> {
    const rows = this.db.prepare('SELECT name, nonce, tag, ciphertext FROM secrets').all() as ({ name: string } & Sealed)[];
    const out = new Map<string, string>();
    if (rows.length === 0) return out;
    const key = this.key(master, false);
    for (const r of rows) {
      const v = open(key, r.name, r);
      if (v === null) throw new VaultError(`the secret "${r.name}" does not decrypt: the vault is damaged`);
      out.set(r.name, v);
    }
    return out;
  }

  /** Re-encrypt every secret under a new master key, in one transaction. */
  rotate(from: MasterKey | null, to: MasterKey): number {
    const values = this.readAll(from);
    const salt = randomBytes(16).toString('hex');
    const key = derive(to.secret, salt);
    const check = seal(key, CHECK_TEXT, CHECK_TEXT);
    this.db.transaction(() => {
      setMeta(this.db, 'vault_salt', salt);
      setMeta(this.db, 'vault_check', JSON.stringify({ nonce: check.nonce.toString('hex'), tag: check.tag.toString('hex'), ciphertext: check.ciphertext.toString('hex') }));
      const put = this.db.prepare('UPDATE secrets SET nonce = ?, tag = ?, ciphertext = ? WHERE name = ?');
      for (const [name, value] of values) {
        const s = seal(key, name, value);
        put.run(s.nonce, s.tag, s.ciphertext, name);
      }
      bump(this.db, 'vault_version');
    })();
    return values.size;
  }
}

/** The environment with the vault behind it: a variable set in the environment wins, else the vault's secret. */
export function envWithVault(env: Env, vault: () => ReadonlyMap<string, string>): Env {
  return new Proxy(env as Record<string, string | undefined>, {
    // a variable set to something wins; one unset or blank falls back to the vault, and stays blank when the vault has
    // nothing (so a set-but-empty auth variable is still seen as such and fails closed)
    get: (target, name) => (typeof name === 'string' ? (target[name]?.trim() ? target[name] : (vault().get(name) ?? target[name])) : undefined),
    has: (target, name) => typeof name === 'string' && (name in target || vault().has(name)),
  });
}

/**
 * For lints that only ask whether a variable is set (`gw check`): the environment, plus the names the vault holds
 * (read without the master key; the values stay sealed).
 */
export function envWithVaultNames(env: Env, db: Database.Database): Env {
  const names = new Map(new Vault(db).list().map((s) => [s.name, '(set in the key vault)'] as const));
  return envWithVault(env, () => names);
}
