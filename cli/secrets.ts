import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { findMasterKey, masterKeyFile, MASTER_KEY_ENV, Vault, VaultError, writeMasterKeyFile } from '../runtime/state/vault.ts';
import { UsageError, type Io } from './io.ts';
import { openState } from './state-db.ts';

export const secretsHelp = `gw secrets set NAME [--config FILE]      (the value is read from stdin)
gw secrets list [--json] [--config FILE]
gw secrets rm NAME [--config FILE]
gw secrets rotate-master [--config FILE]  (new key from GW_NEW_MASTER_KEY, else a new key file)
  The key vault: provider keys (and client keys of \`client\` blocks) stored AES-256-GCM encrypted in the state
  database, under the master key ${MASTER_KEY_ENV} or, when it is not set, a generated key file (mode 0600) beside
  the state database. \`key env NAME\` reads the environment first, then the vault. Values are never printed.`;

export function secrets(args: string[], io: Io, readStdin: () => string = () => readFileSync(0, 'utf8')): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const [sub, name] = positionals;
  if (!sub || !['set', 'list', 'rm', 'rotate-master'].includes(sub)) throw new UsageError('gw secrets takes set, list, rm or rotate-master');
  if ((sub === 'set' || sub === 'rm') && !name) throw new UsageError(`gw secrets ${sub} needs a NAME`);
  const state = openState(values.config, io);
  if (!state) return 1;
  const vault = new Vault(state.db);
  try {
    if (sub === 'set') {
      const value = readStdin().replace(/\r?\n$/, '');
      vault.set(name!, value, findMasterKey(io.env, state.path, { create: true }), Date.now());
      io.out(`stored ${name} in the key vault (encrypted)\n`);
    } else if (sub === 'rm') {
      if (!vault.remove(name!)) {
        io.err(`gw secrets rm: no secret named "${name}"\n`);
        return 1;
      }
      io.out(`removed ${name} from the key vault\n`);
    } else if (sub === 'list') {
      const rows = vault.list();
      if (values.json) io.out(`${JSON.stringify(rows.map((r) => ({ name: r.name, set_at: new Date(r.setAt).toISOString() })), null, 2)}\n`);
      else if (rows.length === 0) io.out('the key vault is empty: gw secrets set NAME < value\n');
      else for (const r of rows) io.out(`${r.name}\tset ${new Date(r.setAt).toISOString()}\n`);
    } else {
      const from = findMasterKey(io.env, state.path);
      const next = io.env.GW_NEW_MASTER_KEY;
      const file = masterKeyFile(state.path)!;
      const to = next ? { secret: next, source: 'GW_NEW_MASTER_KEY' } : { secret: randomBytes(32).toString('hex'), source: file };
      const n = vault.rotate(from, to);
      if (!next) writeMasterKeyFile(file, to.secret);
      io.out(`re-encrypted ${n} secret${n === 1 ? '' : 's'} under the new master key${next ? `: set ${MASTER_KEY_ENV} to the value of GW_NEW_MASTER_KEY` : ` in ${file}${io.env[MASTER_KEY_ENV] ? ` (unset ${MASTER_KEY_ENV})` : ''}`}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof VaultError) {
      io.err(`gw secrets ${sub}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    state.db.close();
  }
}
