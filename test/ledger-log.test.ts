import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import type { Decision, RouteRequest, StateSnapshot } from '../runtime/router/types.ts';
import type { CompletedRequest } from '../runtime/state/accounting.ts';
import { Ledger } from '../runtime/state/ledger.ts';
import { encodeDecision, expandDecision } from '../runtime/state/log-decision.ts';
import { traceEntries } from '../runtime/router/trace.ts';
import { openDatabase, SCHEMA_VERSION } from '../runtime/state/sqlite-store.ts';
import { memoryLogger } from '../runtime/log/logger.ts';
import { compileFile, compileText, EXAMPLE } from './helpers/policy.ts';

const example = compileFile(EXAMPLE);
const now = Date.parse('2026-03-10T08:00:00Z');
const user = (content: string, extra: Partial<RouteRequest> = {}): RouteRequest => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra });
const GROQ = 'groq/llama-3.1-8b-instant';

/** Decisions of every kind decide() makes: scenarios, tiers, explicit and unknown models, pii, budget, none eligible. */
function decisions(): Decision[] {
  const out: Decision[] = [];
  const prompts = ['hello there', 'def quicksort(xs): pass', 'prove the equation', '请翻译这句话', 'write a poem', 'analyse this', 'x'.repeat(400)];
  for (const p of prompts) for (const draw of [0.05, 0.5, 0.99]) out.push(decide(example, user(p), {}, now, draw));
  out.push(decide(example, user('hi', { model: 'openai/gpt-4o' }), {}, now, 0.5));
  out.push(decide(example, user('hi', { model: 'no-such-model' }), {}, now, 0.5));
  out.push(decide(example, user('hi', { exclude: [GROQ], maxTokens: 300 }), { quota: { [GROQ]: { used: 999_500 } } }, now, 0.1));
  out.push(decide(example, user('my phone is 13812345678', { pii: { findings: [{ type: 'phone', start: 12, end: 23, detector: 'cn_mobile' }] } }), {}, now, 0.9));
  out.push(decide(example, user('hi'), { spentUsd: 9 }, now, 0.9));
  const blocking = compileText(`provider openai { key env OPENAI_API_KEY }
model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }
scenario chat { paid openai/gpt-4o-mini }
budget 1 per day then block`);
  out.push(decide(blocking, user('hi'), { spentUsd: 2 }, now, 0.5));
  const tiny = compileText(`provider groq { key env GROQ_API_KEY }
model groq/llama-3.1-8b-instant { context 8k  free 1k tokens every day }
scenario chat { free groq/llama-3.1-8b-instant
  willingness 100% }`);
  out.push(decide(tiny, user('hi', { maxTokens: 5000 }), {}, now, 0.1));
  out.push(decide(tiny, user('hi'), { quota: { [GROQ]: { used: 1000, exhausted: true } } } as StateSnapshot, now, 0.1));
  return out;
}

describe('the request log’s compact decision', () => {
  it('expands to exactly the JSON of the decision, for every kind of decision, in less space', () => {
    const all = decisions();
    expect(all.some((d) => d.error)).toBe(true);
    expect(all.some((d) => d.pii.action === 'route')).toBe(true);
    for (const d of all) {
      const stored = encodeDecision(d);
      expect(expandDecision(stored)).toBe(JSON.stringify(d));
      expect(stored.length).toBeLessThan(JSON.stringify(d).length);
    }
    const typical = decide(example, user('hello there, how are you today?'), {}, now, 0.1);
    expect(encodeDecision(typical).length).toBeLessThan(JSON.stringify(typical).length * 0.6);
  });

  it('stores a decision whose trace was never read as its trace entries, without rendering them, to the same text', () => {
    let lazyChars = 0;
    let textChars = 0;
    for (const d of decisions()) {
      const lazy = encodeDecision(d);
      expect(traceEntries(d)).toBeDefined(); // encoding did not render the trace
      expect([4, 5, 6]).toContain(JSON.parse(lazy)[0]);
      const json = JSON.stringify(d); // reading the trace renders it
      expect(traceEntries(d)).toBeUndefined();
      const fromText = encodeDecision(d);
      expect([1, 2, 3]).toContain(JSON.parse(fromText)[0]);
      expect(expandDecision(lazy)).toBe(json);
      expect(expandDecision(fromText)).toBe(json);
      lazyChars += lazy.length;
      textChars += fromText.length;
    }
    expect(lazyChars).toBeLessThan(textChars * 0.95);
  });

  it('keeps anything it does not recognise as it is (changed lines, extra keys, other shapes)', () => {
    const d = decide(example, user('def f(): pass'), {}, now, 0.5);
    const variants: unknown[] = [
      { ...d, trace: d.trace.map((t) => (t.step === 'candidate' ? { ...t, message: `${t.message} (edited)` } : t)) },
      { ...d, trace: d.trace.map((t) => (t.step === 'choice' ? { ...t, at: null } : t)) },
      { ...d, trace: [...d.trace, 7, [1, 2, 3], ['x'], null, { step: 'next', at: null, message: 'on failure: nothing' }] },
      { ...d, candidates: [...d.candidates, { model: 'm', extra: true }, 3, ['a', 'b', 'c', 'd', 'e']] },
      { ...d, candidates: d.candidates.map((c) => ({ ...c, reason: 42 })) },
      { ...d, extra: 1 },
      { ...d, error: null },
      { ...d, tier: undefined },
      Object.assign({ trace: [] }, d),
      { ...d, candidates: 'none' },
    ];
    for (const v of variants) expect(expandDecision(encodeDecision(v as Decision))).toBe(JSON.stringify(v));
  });

  it('round-trips arbitrary decision-shaped values', () => {
    const line = fc.record({ step: fc.constantFrom('candidate', 'choice', 'next', 'tier'), at: fc.option(fc.string()), message: fc.string() });
    const cand = fc.record({ model: fc.string(), source: fc.string(), eligible: fc.boolean(), reason: fc.string(), at: fc.option(fc.string()) });
    const decisionLike = fc.record({
      scenario: fc.option(fc.string()),
      tier: fc.option(fc.constantFrom('free', 'paid')),
      model: fc.option(fc.string()),
      candidates: fc.array(fc.oneof(cand, fc.jsonValue())),
      next: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      pii: fc.jsonValue(),
      tokens: fc.integer(),
      estimate: fc.integer(),
      draw: fc.double({ noNaN: true, noDefaultInfinity: true }),
      willingness: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
      trace: fc.array(fc.oneof(line, fc.jsonValue())),
    });
    fc.assert(
      fc.property(decisionLike, (d0) => {
        // lines written the way decide() writes them (candidate lines first, so they pair with their candidates)
        const d = { ...d0, trace: [] as unknown[] } as Record<string, unknown> & { candidates: unknown[]; trace: unknown[] };
        for (const c of d.candidates) {
          const o = c as Record<string, unknown>;
          if (o && typeof o === 'object' && 'eligible' in o) d.trace.push({ step: 'candidate', at: o.at, message: `${o.eligible ? '✓' : '✗'} ${o.model} [${o.source}] ${o.reason}` });
        }
        d.trace.push(...d0.trace);
        const chosen = d.candidates.find((c) => (c as Record<string, unknown>)?.model === d.model) as Record<string, unknown> | undefined;
        if (typeof d.model === 'string' && typeof d.tier === 'string') d.trace.push({ step: 'choice', at: chosen?.at ?? null, message: `→ ${d.model} (${d.tier})` });
        if (Array.isArray(d.next) && d.next.every((n) => typeof n === 'string')) d.trace.push({ step: 'next', at: null, message: `on failure: ${(d.next as string[]).join(' → ')}` });
        expect(expandDecision(encodeDecision(d as unknown as Decision))).toBe(JSON.stringify(d));
      }),
      { numRuns: 300 },
    );
    for (const v of [{}, [], 'text', 3, null, { scenario: 1 }]) expect(expandDecision(encodeDecision(v as unknown as Decision))).toBe(JSON.stringify(v));
  });

  it('returns decisions stored before it (JSON objects) as they are', () => {
    const d = decisions()[0];
    expect(expandDecision(JSON.stringify(d))).toBe(JSON.stringify(d));
  });
});

const POLICY = `provider groq { key env GROQ_API_KEY }
provider openai { key env OPENAI_API_KEY }
model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }
model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }
scenario chat {
  paid openai/gpt-4o-mini
  free groq/llama-3.1-8b-instant
  willingness 100%
}`;

function completed(ledger: Ledger, table: ReturnType<typeof compileText>, id: string, t: number, content = 'hello there', reserve = true): CompletedRequest {
  const route = user(content);
  const decision = decide(table, route, ledger.snapshot(table, t), t, 0.1);
  return {
    id,
    startedAt: t,
    endpoint: 'chat.completions',
    stream: false,
    requestBody: { model: 'auto', messages: route.messages },
    responseBody: '{"choices":[{"message":{"role":"assistant","content":"ok"}}]}',
    requestedModel: 'auto',
    decision,
    model: decision.model,
    status: 200,
    attempts: [{ provider: 'groq', model: 'llama-3.1-8b-instant', ok: true, ms: 1.5 }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    latencyMs: 3.25,
    error: null,
    reservation: reserve ? ledger.reserve(table, decision, t) : null,
  };
}

/** The version-1 schema as the previous release created it. */
const V1 = `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE quota_usage (model TEXT NOT NULL, period_start INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, exhausted_until INTEGER, PRIMARY KEY (model, period_start));
CREATE TABLE quota_overlay (model TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE requests (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, endpoint TEXT NOT NULL, requested_model TEXT, model TEXT, scenario TEXT, tier TEXT,
  status INTEGER NOT NULL, stream INTEGER NOT NULL, latency_ms REAL NOT NULL, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  free_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0, saved_usd REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, error_type TEXT, pii TEXT);
CREATE INDEX requests_ts ON requests (ts);
CREATE TABLE request_logs (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, request_body TEXT, response_body TEXT, decision TEXT, attempts TEXT, redacted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX request_logs_ts ON request_logs (ts);
CREATE TABLE alerts_sent (key TEXT PRIMARY KEY, ts INTEGER NOT NULL);
PRAGMA user_version = 1;`;

describe('the request log in the state database', () => {
  it('stores a logged request and returns it with the decision as recorded', () => {
    const table = compileText(POLICY);
    const ledger = new Ledger(openDatabase(':memory:'), { log: memoryLogger(), env: {} });
    const req = completed(ledger, table, 'r1', now);
    ledger.complete(table, req);
    const row = ledger.requests.get('r1')!;
    expect(row).toMatchObject({ id: 'r1', ts: now, model: GROQ, tier: 'free', status: 200, attempts: 1, redacted: 0, latency_ms: 3.25 });
    // the columns GET /logs/:id has always returned, in their order (the link to the bodies stays inside)
    expect(Object.keys(row)).toEqual([
      'id', 'ts', 'endpoint', 'requested_model', 'model', 'scenario', 'tier', 'status', 'stream', 'latency_ms', 'prompt_tokens', 'completion_tokens',
      'free_tokens', 'cost_usd', 'saved_usd', 'attempts', 'error_type', 'pii', 'client', 'reasoning_tokens', 'cached_tokens', 'cache_write_tokens', 'request_body', 'response_body', 'decision', 'attempt_list', 'redacted',
    ]);
    expect(row.decision).toBe(JSON.stringify(req.decision));
    expect(JSON.parse(row.request_body as string)).toEqual(req.requestBody);
    expect(JSON.parse(row.attempt_list as string)).toEqual(req.attempts);
    expect(ledger.requests.list(null, 10)[0].decision).toBe(JSON.stringify(req.decision));
    ledger.close();
  });

  it('a flagged request is stored masked, trace included', () => {
    const table = compileText(`${POLICY}\npii { detect email\n  redact }`);
    const ledger = new Ledger(openDatabase(':memory:'), { log: memoryLogger(), env: {} });
    const content = 'mail alice.wong@corp-mail.cn please';
    const req = completed(ledger, table, 'p1', now, content);
    const decision = decide(table, { ...user(content), pii: { findings: [{ type: 'email', start: 5, end: 27, detector: 'email' }] } }, {}, now, 0.1);
    ledger.complete(table, { ...req, decision: { ...decision, trace: [...decision.trace, { step: 'scenario', at: null, message: 'quoted alice.wong@corp-mail.cn' }] } });
    const row = ledger.requests.get('p1')!;
    expect(row.redacted).toBe(1);
    expect(JSON.stringify(row)).not.toContain('alice.wong@corp-mail.cn');
    expect(JSON.parse(row.decision as string).trace.at(-1).message).toMatch(/^quoted \S+$/);
    ledger.close();
  });

  it('a version-1 database: rows logged before stay readable beside new ones, and retention covers both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ledger-v1-'));
    const path = join(dir, 'state.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(V1);
    const oldDecision = JSON.stringify({ scenario: 'chat', tier: 'paid', trace: [] });
    for (const [id, ts] of [
      ['old-1', now - 3000],
      ['old-2', now - 2000],
    ] as const) {
      old.prepare("INSERT INTO requests (id, ts, endpoint, status, stream, latency_ms) VALUES (?, ?, 'chat.completions', 200, 0, 1)").run(id, ts);
      old.prepare("INSERT INTO request_logs (id, ts, request_body, response_body, decision, attempts, redacted) VALUES (?, ?, '{\"a\":1}', 'resp', ?, '[]', 0)").run(id, ts, oldDecision);
    }
    old.close();

    const table = compileText(POLICY);
    const log = memoryLogger();
    const ledger = new Ledger(openDatabase(path), { log, env: {} });
    // migrated to the current schema, whatever later migrations added
    expect(ledger.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(ledger.requests.get('old-1')).toMatchObject({ request_body: '{"a":1}', response_body: 'resp', decision: oldDecision, attempt_list: '[]', redacted: 0 });
    const fresh: CompletedRequest[] = [];
    for (let i = 1; i <= 3; i++) {
      fresh.push(completed(ledger, table, `new-${i}`, now + i * 1000));
      ledger.complete(table, fresh[i - 1]);
    }
    expect(ledger.requests.list(null, 10).map((r) => [r.id, r.response_body === null])).toEqual([
      ['new-3', false],
      ['new-2', false],
      ['new-1', false],
      ['old-2', false],
      ['old-1', false],
    ]);
    // keep 4 rows: the oldest goes; then keep 2: the old table empties
    expect(ledger.requests.prune(null, 4, now + 10_000)).toBe(1);
    expect(ledger.requests.get('old-1')!.request_body).toBeNull();
    expect(ledger.requests.get('old-2')!.request_body).toBe('{"a":1}');
    expect(ledger.requests.prune(null, 2, now + 10_000)).toBe(2);
    expect(ledger.requests.list(null, 10).map((r) => r.request_body !== null)).toEqual([true, true, false, false, false]);
    // keep 1.5 s, at now + 3.6 s: only new-3's body is younger
    expect(ledger.requests.prune(1500, null, now + 3600)).toBe(1);
    expect(ledger.requests.get('new-2')!.decision).toBeNull();
    expect(ledger.requests.get('new-3')!.decision).toBe(JSON.stringify(fresh[2].decision));
    // the stats rows stay
    expect(ledger.requests.aggregate(0).requests).toBe(5);
    ledger.close();
  });

  it('a request the database refuses is skipped alone, and a failed write never throws out of the timer', async () => {
    const table = compileText(POLICY);
    const log = memoryLogger();
    const ledger = new Ledger(openDatabase(':memory:'), { log, env: {} });
    const paid = (id: string, t: number) => completed(ledger, table, id, t, 'hello', false);
    ledger.complete(table, paid('dup', now));
    ledger.requests.flush();
    ledger.complete(table, paid('a', now + 1));
    ledger.complete(table, paid('dup', now + 2));
    ledger.complete(table, paid('b', now + 3));
    await new Promise((r) => setTimeout(r, 40)); // past the log's group-commit delay
    expect(ledger.requests.list(null, 10).map((r) => r.id)).toEqual(['b', 'a', 'dup']);
    expect(log.lines.filter((l) => l.startsWith('error request log: 1 of 3 finished requests not recorded: UNIQUE'))).toHaveLength(1);
    // the usage of a request whose row is refused is settled all the same
    const before = ledger.quotas.view(table.models[0], now).settled;
    ledger.complete(table, completed(ledger, table, 'a', now + 5));
    expect((ledger.db.prepare('SELECT SUM(used) AS u FROM quota_usage').get() as { u: number }).u).toBe(before + 12);
    ledger.requests.flush();
    expect(log.lines.filter((l) => l.startsWith('error request log: 1 of 1 finished request not recorded: UNIQUE'))).toHaveLength(1);
    ledger.db.exec('DROP TABLE request_bodies');
    ledger.complete(table, paid('d', now + 6));
    await new Promise((r) => setTimeout(r, 40)); // past the log's group-commit delay
    expect(log.lines.some((l) => l.startsWith('error request log: 1 of 1 finished request not recorded: no such table'))).toBe(true);
    ledger.close();
  });
});
