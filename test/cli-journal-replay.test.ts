import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { AnswerJournal } from '../runtime/state/answer-journal.ts';
import { QuotaBook } from '../runtime/state/quota-book.ts';
import type { RequestRow } from '../runtime/state/request-log.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';

// Issue 10 item 7, the CLI side: after a `kill -9` the answered-requests journal (state.db.answered) holds requests
// the database does not have yet. `gw quota` and `gw explain` read the state as the restarted gateway will: the journal
// replayed the gateway's way, in a transaction rolled back after the read (nothing written, the next start replays it).
// Before, they read the database alone: the budget looked unspent and a settle journaled just before the kill was lost.

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

const BODY = `
model freebie/free-model  { context 32k  free 1M tokens every day at 00:00 UTC }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario chat {
  free freebie/free-model
  paid paidco/paid-model
  willingness 100%
}
budget 0.5 per day then block
`;

const row = (id: string, over: Partial<RequestRow>): RequestRow => ({
  id, ts: Date.now(), endpoint: 'chat.completions', requested_model: 'auto', model: 'freebie/free-model', scenario: 'chat', tier: 'free',
  status: 200, stream: 0, latency_ms: 1, prompt_tokens: 90, completion_tokens: 10, free_tokens: 100, cost_usd: 0, saved_usd: 0, attempts: 1,
  error_type: null, pii: null, client: null, ...over,
});

describe('gw quota and gw explain after a crash', () => {
  it('see the journal’s requests as the restarted gateway does, and write nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-cli-journal-'));
    const policy = policyFor(up, BODY);
    writeFileSync(join(dir, 'routes.gw'), policy);
    const dbPath = join(dir, '.gw', 'state.db');
    const journalPath = `${dbPath}.answered`;
    const now = Date.now();
    const periodStart = Math.floor(now / 86_400_000) * 86_400_000; // every day at 00:00 UTC

    // the state a kill -9 leaves: a settled free request and a paid one whose rows never reached the database, and a
    // free request journaled but killed before its settle was committed
    const db = openDatabase(dbPath);
    const { journal } = AnswerJournal.open(db, journalPath);
    const book = new QuotaBook(db);
    const a = journal.append(row('a', {}), { model: 'freebie/free-model', periodStart, tokens: 100 });
    book.settle('freebie/free-model', periodStart, 100, 100, a);
    journal.append(row('p', { model: 'paidco/paid-model', tier: 'paid', free_tokens: 0, cost_usd: 0.75 }), null);
    journal.append(row('b', { prompt_tokens: 30, completion_tokens: 10, free_tokens: 40 }), { model: 'freebie/free-model', periodStart, tokens: 40 });
    db.close(); // killed: no group commit, the journal left as it was
    const journalBefore = readFileSync(journalPath, 'utf8');

    const cli = async (...args: string[]) => {
      const io = memoryIo(dir, TEST_KEYS);
      const code = await main(args, io);
      return { code, out: io.stdout, err: io.stderr };
    };
    const quota = await cli('quota', '--json');
    expect(quota.code, quota.err).toBe(0);
    const used = (JSON.parse(quota.out) as { model: string; used: number }[]).find((q) => q.model === 'freebie/free-model')!.used;
    expect(used).toBe(140);
    // the paid request's $0.75 spent the $0.50 budget: explain says so, as serve would
    const explain = await cli('explain', '--json', '--model', 'paidco/paid-model', 'hello');
    const d = JSON.parse(explain.out) as { error?: { type: string }; trace: { step: string; message: string }[] };
    expect(d.error?.type).toBe('budget_exceeded');
    expect(d.trace.find((t) => t.step === 'budget')?.message).toMatch(/is spent \(\$0\.75\) → block/);

    // nothing was written: the journal is as the crash left it, the database has no row of it
    expect(readFileSync(journalPath, 'utf8')).toBe(journalBefore);
    const check = openDatabase(dbPath);
    expect((check.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n).toBe(0);
    expect((check.prepare('SELECT used FROM quota_usage').get() as { used: number }).used).toBe(100);
    check.close();

    // the restarted gateway replays the journal and shows the same figures
    const g = await startGateway(policy, TEST_KEYS, { dir });
    try {
      const served = (await (await fetch(`${g.url}/quota`)).json()) as { quotas: { model: string; used: number }[] };
      expect(served.quotas.find((q) => q.model === 'freebie/free-model')!.used).toBe(used);
      const stats = (await (await fetch(`${g.url}/stats`)).json()) as { budget: { spent: number } };
      expect(stats.budget.spent).toBeCloseTo(0.75, 6);
    } finally {
      await g.close();
    }
  });
});
