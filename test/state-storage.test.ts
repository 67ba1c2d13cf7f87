import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_PROMPT, benchPolicy } from '../bench/prompt.ts';
import { decide } from '../runtime/router/decide.ts';
import { batchWriter, type Pending } from '../runtime/state/log-batch.ts';
import { encodeDecision } from '../runtime/state/log-decision.ts';
import { openDatabase, PAGE_SIZE } from '../runtime/state/sqlite-store.ts';
import { compileText } from './helpers/policy.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'gw-storage-'));
const ANSWER = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A short answer.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 250, completion_tokens: 8, total_tokens: 258 },
});

describe('the state database on disk', () => {
  it('a new database has 8 KB pages; one made before keeps its own and opens as it was', () => {
    const fresh = join(dir(), 'state.db');
    const db = openDatabase(fresh);
    expect(PAGE_SIZE).toBe(8192);
    expect(db.pragma('page_size', { simple: true })).toBe(8192);
    db.close();
    expect(openDatabase(fresh).pragma('page_size', { simple: true })).toBe(8192);

    const older = join(dir(), 'state.db');
    const pre = new Database(older); // a database that has its pages already (made by SQLite's default)
    pre.pragma('page_size = 4096');
    pre.pragma('journal_mode = WAL');
    pre.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    pre.prepare('INSERT INTO meta VALUES (?, ?)').run('kept', 'yes');
    pre.close();
    const again = openDatabase(older);
    expect(again.pragma('page_size', { simple: true })).toBe(4096);
    expect(again.prepare('SELECT value FROM meta WHERE key = ?').get('kept')).toEqual({ value: 'yes' });
    expect(again.pragma('user_version', { simple: true })).toBeGreaterThan(1);
    again.close();
  });

  it('a logged request with a 1 KB prompt takes at most 1.5 KB of database (rows, bodies, indexes; WAL checkpointed as the gateway does)', () => {
    const table = compileText(benchPolicy('http://127.0.0.1:9/v1'), { MOCK_KEY: 'k' });
    const path = join(dir(), 'state.db');
    const db = openDatabase(path);
    const errors: string[] = [];
    const write = batchWriter(db, (m) => errors.push(m));
    const request = JSON.stringify(BENCH_PROMPT);
    expect(request.length).toBeGreaterThan(1024);
    const N = 3000;
    let ts = Date.parse('2026-03-10T08:00:00Z');
    for (let i = 0; i < N; i += 10) {
      const batch: Pending[] = [];
      for (let j = 0; j < 10; j++) {
        const d = decide(table, { model: 'auto', messages: BENCH_PROMPT.messages, maxTokens: 256 }, {}, ts, (i + j) / N);
        expect(d.model).not.toBeNull();
        batch.push({
          row: { id: randomUUID(), ts: ts++, endpoint: 'chat.completions', requested_model: 'auto', model: d.model, scenario: d.scenario, tier: d.tier, status: 200, stream: 0, latency_ms: 1.23, prompt_tokens: 250, completion_tokens: 8, free_tokens: 0, cost_usd: 0.0003, saved_usd: 0, attempts: 1, error_type: null, pii: null, client: null },
          bodies: { request_body: request, response_body: ANSWER, decision: encodeDecision(d), attempts: JSON.stringify([{ provider: 'mock', model: d.model, ok: true, ms: 0.5 + (j % 7) / 3 }]), redacted: 0 },
        });
      }
      write(batch);
    }
    expect(errors).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM request_bodies').get()).toEqual({ n: N });
    db.pragma('wal_checkpoint(TRUNCATE)'); // the gateway's checkpointer keeps the WAL to a fraction of a second of writes
    const bytes = [path, `${path}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
    db.close();
    expect(bytes / N).toBeLessThanOrEqual(1500);
  });
});
