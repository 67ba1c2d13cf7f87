import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../runtime/state/checkpointer.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('WAL checkpoints in a worker thread', () => {
  it('the connection stops checkpointing; the worker copies the log back into the file while it writes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ckpt-'));
    dirs.push(dir);
    const write = (db: ReturnType<typeof openDatabase>) => {
      db.exec('CREATE TABLE t (x TEXT)');
      const ins = db.prepare('INSERT INTO t VALUES (?)');
      // ≈ 4 MB: well past the 1,000 pages at which a connection checkpoints by itself
      for (let i = 0; i < 40; i++) db.transaction(() => { for (let j = 0; j < 50; j++) ins.run('x'.repeat(2000)); })();
    };
    // control: a connection that does not checkpoint, and no worker: the rows stay in the WAL
    const control = openDatabase(join(dir, 'control.db'));
    control.pragma('wal_autocheckpoint = 0');
    write(control);
    const db = openDatabase(join(dir, 'state.db'));
    const ck = startCheckpointer(db, { everyMs: 50 });
    expect(ck).not.toBeNull();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    write(db);
    await new Promise((r) => setTimeout(r, 400));
    expect(statSync(join(dir, 'control.db')).size).toBeLessThan(1_000_000);
    // the worker copied them into the database file
    expect(statSync(join(dir, 'state.db')).size).toBeGreaterThan(4_000_000);
    await ck!.stop();
    db.close();
    control.close();
    // the gateway's connection closed last: the WAL is folded in and removed
    expect(existsSync(join(dir, 'state.db-wal'))).toBe(false);
    const again = openDatabase(join(dir, 'state.db'));
    expect((again.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(2000);
    again.close();
  });

  it('under steady writes the WAL file stays bounded (the log starts over after each pass)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ckpt-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'state.db'));
    const ck = startCheckpointer(db, { everyMs: 50 });
    db.exec('CREATE TABLE t (x TEXT)');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    let largest = 0;
    // ≈ 24 MB written in small commits over ≈ 1.2 s, as a busy gateway writes its log
    for (let i = 0; i < 120; i++) {
      db.transaction(() => { for (let j = 0; j < 100; j++) ins.run('x'.repeat(2000)); })();
      await new Promise((r) => setTimeout(r, 10));
      if (existsSync(join(dir, 'state.db-wal'))) largest = Math.max(largest, statSync(join(dir, 'state.db-wal')).size);
    }
    expect(largest).toBeLessThan(12 * 1024 * 1024);
    await ck!.stop();
    db.close();
  });

  it('no worker for a database in memory', () => {
    const db = openDatabase(':memory:');
    expect(startCheckpointer(db)).toBeNull();
    db.close();
  });
});
