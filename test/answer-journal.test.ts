import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnswerJournal } from '../runtime/state/answer-journal.ts';
import { QuotaBook } from '../runtime/state/quota-book.ts';
import type { RequestRow } from '../runtime/state/request-log.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';

const row = (id: string, free: number): RequestRow => ({
  id, ts: Date.now(), endpoint: 'chat.completions', requested_model: 'auto', model: 'f/m', scenario: 'chat', tier: 'free', status: 200,
  stream: 0, latency_ms: 1.5, prompt_tokens: free - 1, completion_tokens: 1, free_tokens: free, cost_usd: 0, saved_usd: 0.01, attempts: 1, client: null,
  error_type: null, pii: null,
});

describe('answered-requests journal', () => {
  it('replays missing rows and exactly the settles the database did not reach; a torn last line is skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-journal-'));
    const path = join(dir, 'state.db');
    let db = openDatabase(path);
    let { journal } = AnswerJournal.open(db, `${path}.answered`);
    const book = new QuotaBook(db);
    // a: settled and its row never written; b: journaled, then killed before its settle; c: a torn line
    const a = journal.append(row('a', 10), { model: 'f/m', periodStart: 0, tokens: 10 });
    book.settle('f/m', 0, 10, 10, a);
    journal.append(row('b', 7), { model: 'f/m', periodStart: 0, tokens: 7 });
    appendFileSync(`${path}.answered`, '[3,["f/m",0,5],["c"');
    db.close();

    db = openDatabase(path);
    const opened = AnswerJournal.open(db, `${path}.answered`);
    expect(opened.replayed).toBe(2);
    expect((db.prepare('SELECT id, free_tokens FROM requests ORDER BY id').all() as unknown[])).toEqual([{ id: 'a', free_tokens: 10 }, { id: 'b', free_tokens: 7 }]);
    expect((db.prepare('SELECT used FROM quota_usage').get() as { used: number }).used).toBe(17);
    expect(readFileSync(`${path}.answered`, 'utf8')).toBe('');
    // numbering goes on after the replayed records: a later settle is never mistaken for one already applied
    journal = opened.journal;
    expect(journal.append(row('d', 1), null)).toBeGreaterThan(2);
    journal.close();
    db.close();
    // a second start replays nothing twice
    db = openDatabase(path);
    expect(AnswerJournal.open(db, `${path}.answered`).replayed).toBe(0);
    expect((db.prepare('SELECT used FROM quota_usage').get() as { used: number }).used).toBe(17);
    db.close();
  });

  it('a journaled settle is seen at once and written with its turn; killed before that, the next start applies it once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-journal-'));
    const path = join(dir, 'state.db');
    let db = openDatabase(path);
    const { journal } = AnswerJournal.open(db, `${path}.answered`);
    const book = new QuotaBook(db);
    const model = { id: 'f/m', free: { period: { kind: 'once' } } } as unknown as Parameters<QuotaBook['view']>[0];
    const used = () => (db.prepare('SELECT used FROM quota_usage WHERE model = ?').get('f/m') as { used: number } | undefined)?.used ?? 0;
    book.reserve(model, 20, 0);
    const a = journal.append(row('a', 12), { model: 'f/m', periodStart: 0, tokens: 12 });
    book.settle('f/m', 0, 20, 12, a, true);
    expect(book.view(model, 0)).toMatchObject({ used: 12, settled: 12, reserved: 0 }); // the router sees it now
    expect(used()).toBe(0); // the row waits for the turn's flush
    book.flush();
    expect(used()).toBe(12);
    const b = journal.append(row('b', 5), { model: 'f/m', periodStart: 0, tokens: 5 });
    book.settle('f/m', 0, 5, 5, b, true);
    db.close(); // killed before the flush: the journal line is all that is left of b's settle

    db = openDatabase(path);
    expect(AnswerJournal.open(db, `${path}.answered`).replayed).toBe(2);
    expect(used()).toBe(17);
    db.close();
  });
});
