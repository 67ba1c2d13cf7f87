import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { secrets } from '../cli/secrets.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

const BODY = `
gateway { auth env GW_TOKEN }
model paidco/paid-model { context 128k  price 1 / 2 }
scenario chat { paid paidco/paid-model }
`;
const ADMIN = 'gw-admin-token-vault-0001';
const SECRET = 'sk-paidco-from-the-vault-9f8e7d6c5b4a';
const { PAIDCO_KEY: _unset, ...WITHOUT_PAIDCO } = TEST_KEYS;
void _unset;

let up: FakeUpstream;
let g: RunningGateway;

function run(args: string[], env: Record<string, string> = {}, stdin = '') {
  const io = memoryIo(g.dir, env);
  const code = secrets([...args, '--config', g.policyPath], io, () => stdin);
  return { code, out: io.stdout, err: io.stderr };
}

const chat = () =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'paidco/paid-model', messages: [{ role: 'user', content: 'hi' }] }),
  });

function dbBytes(): string {
  g.gw.ledger.db.pragma('wal_checkpoint(TRUNCATE)');
  const file = join(g.dir, '.gw', 'state.db');
  let text = readFileSync(file).toString('latin1');
  try {
    text += readFileSync(`${file}-wal`).toString('latin1');
  } catch {
    /* no WAL left */
  }
  return text;
}

beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY, ['paidco']), { ...WITHOUT_PAIDCO, GW_TOKEN: ADMIN });
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

describe('gw secrets', () => {
  it('a provider key set in the vault reaches the running gateway, goes to its provider, and is only ciphertext in the database', async () => {
    expect((await chat()).status).not.toBe(200); // PAIDCO_KEY is in neither the environment nor the vault
    const lint = async () => {
      const io = memoryIo(g.dir, { ...WITHOUT_PAIDCO, GW_TOKEN: ADMIN });
      await main(['check', g.policyPath], io);
      return io.stdout + io.stderr;
    };
    expect(await lint()).toMatch(/GW150.*provider "paidco" is disabled/);
    const r = run(['set', 'PAIDCO_KEY'], {}, `${SECRET}\n`);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain(SECRET);
    // the generated master key file is private
    const keyFile = join(g.dir, '.gw', 'master.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await lint()).not.toMatch(/GW150/); // gw check sees the vault's names
    const ok = await chat();
    expect(ok.status, JSON.stringify(g.log.lines ?? g.log)).toBe(200);
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const bytes = dbBytes();
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain(SECRET.slice(6, 26));
    // listed by name and date, never by value
    const list = run(['list', '--json']);
    expect(JSON.parse(list.out)).toEqual([{ name: 'PAIDCO_KEY', set_at: expect.any(String) }]);
    expect(list.out).not.toContain(SECRET);
    // nothing the admin can read shows it
    for (const path of ['/logs', '/_gw/secrets', '/metrics', '/_gw/policy']) {
      const text = await (await fetch(`${g.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      expect(text, path).not.toContain(SECRET);
    }
  });

  it('a wrong master key is a clear error that reveals nothing', () => {
    const r = run(['set', 'OTHER_KEY'], { GW_MASTER_KEY: 'not-the-right-key' }, 'value-2');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the master key \(from GW_MASTER_KEY\) does not open this vault/);
    expect(r.err).not.toContain(SECRET);
    expect(r.err).not.toContain('not-the-right-key');
  });

  it('the admin API sets, lists and removes secrets, write-only; a missing secret is a 404', async () => {
    const h = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const put = await fetch(`${g.url}/_gw/secrets/API_ONE`, { method: 'PUT', headers: h, body: JSON.stringify({ value: 'v-one-secret' }) });
    expect(put.status).toBe(201);
    expect(await put.text()).not.toContain('v-one-secret');
    expect(dbBytes()).not.toContain('v-one-secret');
    const list = (await (await fetch(`${g.url}/_gw/secrets`, { headers: h })).json()) as { secrets: { name: string }[] };
    expect(list.secrets.map((s) => s.name)).toContain('PAIDCO_KEY');
    expect(JSON.stringify(list)).not.toContain(SECRET);
    expect(list.secrets.map((s) => s.name)).toContain('API_ONE');
    const del = await fetch(`${g.url}/_gw/secrets/API_ONE`, { method: 'DELETE', headers: h });
    expect(del.status).toBe(200);
    expect((await fetch(`${g.url}/_gw/secrets/API_ONE`, { method: 'DELETE', headers: h })).status).toBe(404);
  });
  it('rotating the master key re-encrypts every secret; the old key no longer opens the vault', async () => {
    const before = dbBytes();
    const r = run(['rotate-master'], { GW_NEW_MASTER_KEY: 'the-new-master-key-1234567890' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/re-encrypted 1 secret/);
    expect(run(['set', 'X_KEY'], {}, 'x').err).toMatch(/does not open this vault/); // the old key file
    expect(run(['set', 'X_KEY'], { GW_MASTER_KEY: 'the-new-master-key-1234567890' }, 'x-value').code).toBe(0);
    expect(dbBytes()).not.toEqual(before);
  });

});
