import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import type { CompletedRequest } from '../runtime/state/accounting.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import type { Pending } from '../runtime/state/log-batch.ts';
import { LogWriter } from '../runtime/state/log-writer.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { memoryLogger } from '../runtime/log/logger.ts';
import { compileText } from './helpers/policy.ts';
import { policyFor, startGateway } from './helpers/gateway.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';

const POLICY = `provider groq { key env GROQ_API_KEY }
model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }
scenario chat { free groq/llama-3.1-8b-instant
  willingness 100% }`;
const table = compileText(POLICY);
const now = Date.parse('2026-12-03T08:00:00Z');

function finished(ledger: Ledger, id: string, t: number): CompletedRequest {
  const route = { model: 'auto', messages: [{ role: 'user' as const, content: `hello ${id}` }] };
  const decision = decide(table, route, ledger.snapshot(table, t), t, 0.1);
  return {
    id,
    startedAt: t,
    endpoint: 'chat.completions',
    stream: false,
    requestBody: { model: 'auto', messages: route.messages },
    responseBody: `{"choices":[{"message":{"role":"assistant","content":"ok ${id}"}}]}`,
    requestedModel: 'auto',
    decision,
    model: decision.model,
    status: 200,
    attempts: [{ provider: 'groq', model: 'llama-3.1-8b-instant', ok: true, ms: 1 }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    latencyMs: 2,
    error: null,
    reservation: ledger.reserve(table, decision, t),
  };
}

const changesHere = (ledger: Ledger) => (ledger.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

describe('the log-writer thread', () => {
  it('writes the log on its own connection, and reads see every finished request', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-logwriter-'));
    const ledger = new Ledger(openDatabase(join(dir, 'state.db')), { log: memoryLogger(), env: {} });
    ledger.openJournal();
    ledger.startLogWriter();
    expect(ledger.requests.threaded).toBe(true);
    const before = changesHere(ledger);
    for (let i = 0; i < 40; i++) ledger.complete(table, finished(ledger, `r${i}`, now + i));
    const logs = ledger.requests.list(null, 100);
    expect(logs).toHaveLength(40);
    expect(logs[0]).toMatchObject({ id: 'r39', model: 'groq/llama-3.1-8b-instant', response_body: '{"choices":[{"message":{"role":"assistant","content":"ok r39"}}]}' });
    expect(JSON.parse(String(logs[0]!.request_body))).toEqual({ model: 'auto', messages: [{ role: 'user', content: 'hello r39' }] });
    expect(ledger.requests.aggregate(0).requests).toBe(40);
    // this connection wrote the 40 quota settles only: the 80 rows of requests and request_bodies came from the thread
    expect(changesHere(ledger) - before).toBe(40);
    ledger.close();
    const again = new Ledger(openDatabase(join(dir, 'state.db')), { log: memoryLogger(), env: {} });
    expect(again.requests.aggregate(0).requests).toBe(40);
    again.close();
  });

  it('hands back what it did not commit when the thread cannot run, to be written inline', async () => {
    const errors: string[] = [];
    const left = await new Promise<Pending[][]>((resolve) => {
      const w = LogWriter.start(join(tmpdir(), 'gw-no-such-dir', 'x', 'state.db'), (m) => errors.push(m), resolve);
      expect(w).not.toBeNull();
      w!.send([{ row: { id: 'a' } as Pending['row'], bodies: null }]);
    });
    expect(left.flat().map((p) => p.row.id)).toEqual(['a']);
    expect(errors.join('\n')).toMatch(/log-writer thread stopped/);
  });
});

describe('a logged request body', () => {
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream();
  });
  afterAll(async () => {
    await up.close();
  });

  it('is the text the client sent, not the body serialised again', async () => {
    const g = await startGateway(policyFor(up, `model freebie/free-model { context 32k  free 1M tokens every day }
scenario chat { free freebie/free-model
  willingness 100% }`));
    try {
      const sent = '{ "model": "auto",\n  "messages": [ { "role": "user", "content": "hello \\u00e9t\\u00e9" } ] }';
      const r = await fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent });
      expect(r.status).toBe(200);
      const row = g.gw.ledger.requests.get(r.headers.get('x-gw-request-id')!)!;
      expect(row.request_body).toBe(sent);
    } finally {
      await g.close();
    }
  });
});
