import { describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import { sessionKeyOf } from '../runtime/router/session-key.ts';
import type { ChatMessage, RouteRequest, SessionPin, StateSnapshot } from '../runtime/router/types.ts';
import { compileText } from './helpers/policy.ts';
import { readFileSync } from 'node:fs';
import { encodeDecision, expandDecision } from '../runtime/state/log-decision.ts';
import { SessionPins } from '../runtime/state/session-pins.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';

const POLICY = `
provider groq { key env GROQ_API_KEY }
provider openai { key env OPENAI_API_KEY }
model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }
model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }
model openai/gpt-4o { context 128k  price 2.5 / 10 }
scenario short when tokens < 10 {
  paid openai/gpt-4o
  free groq/llama-3.1-8b-instant
  willingness 50%
  sticky off
}
scenario chat {
  paid openai/gpt-4o-mini, openai/gpt-4o
  free groq/llama-3.1-8b-instant
  willingness 50%
}
`;
const table = compileText(POLICY);
const NOW = Date.parse('2026-03-10T08:00:00Z');
const FREE = 'groq/llama-3.1-8b-instant';
const MINI = 'openai/gpt-4o-mini';
const history: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant for a long session.' },
  { role: 'user', content: 'Please help me plan a trip to the mountains next week.' },
  { role: 'assistant', content: 'Sure: where from, and for how long?' },
  { role: 'user', content: 'From Zurich, for three days, by train if that works.' },
];
const req = (over: Partial<RouteRequest> = {}): RouteRequest => ({ model: 'auto', messages: history, session: { id: 's1', source: 'x-gw-session', derived: false }, ...over });
const pin = (model: string, over: Partial<SessionPin> = {}): SessionPin => ({ model, since: NOW - 60_000, last: NOW - 30_000, until: NOW + 60_000, turns: 2, ...over });
const pinned = (model: string, over: Partial<SessionPin> = {}): StateSnapshot => ({ sessions: { chat: pin(model, over) } });

describe('sticky: the decision keeps a session on its model', () => {
  it('compiles: 30m by default, `sticky off` per scenario', () => {
    expect(table.scenarios.map((s) => [s.name, s.sticky])).toEqual([
      ['short', null],
      ['chat', 30 * 60_000],
    ]);
    const t = compileText(POLICY.replace('scenario chat {', 'scenario chat {\n  sticky on').replace('provider groq', 'gateway { sticky 2h }\nprovider groq'));
    expect(t.scenarios.map((s) => s.sticky)).toEqual([null, 2 * 3_600_000]);
  });

  it('a pinned session stays on its model whatever the draw', () => {
    for (const draw of [0.1, 0.9]) {
      const fresh = decide(table, req(), {}, NOW, draw);
      expect(fresh.model).toBe(draw < 0.5 ? FREE : MINI);
      expect(fresh.sticky).toMatchObject({ scenario: 'chat', ttlMs: 1_800_000, state: 'new', pin: null, at: null });
      const kept = decide(table, req(), pinned(FREE), NOW, draw);
      expect(kept.model).toBe(FREE);
      expect(kept.tier).toBe('free');
      expect(kept.sticky).toMatchObject({ state: 'kept', pin: { model: FREE, turns: 2 } });
      const line = kept.trace.find((t) => t.step === 'sticky')!;
      expect(line.message).toBe(`session s1 (x-gw-session) stays on ${FREE} (turn 3, there since 2026-03-10T07:59:00.000Z)`);
      const paid = decide(table, req(), pinned(MINI), NOW, draw);
      expect(paid.model).toBe(MINI);
      expect(paid.tier).toBe('paid');
      // the rest keep their order after it
      expect(paid.next).toEqual(draw < 0.5 ? [FREE, 'openai/gpt-4o'] : ['openai/gpt-4o', FREE]);
    }
  });

  it('moves on when the pinned model cannot take the turn (failed earlier, ineligible), and says why', () => {
    const d = decide(table, req({ exclude: [FREE] }), pinned(FREE), NOW, 0.1);
    expect(d.model).toBe(MINI);
    expect(d.sticky).toMatchObject({ state: 'moved', pin: { model: FREE } });
    expect(d.trace.find((t) => t.step === 'sticky')!.message).toMatch(/^session s1 \(x-gw-session\) was on groq\/llama-3.1-8b-instant: .+ → moves on; the model that answers keeps it for 30m$/);
    const spent = decide(table, req(), { ...pinned(FREE), quota: { [FREE]: { used: 1_000_000 } } }, NOW, 0.1);
    expect(spent.model).toBe(MINI);
    const gone = decide(table, req(), pinned('openai/o1'), NOW, 0.1);
    expect(gone.trace.find((t) => t.step === 'sticky')!.message).toContain('was on openai/o1: not a candidate of scenario chat → moves on');
  });

  it('an expired pin, sticky off, an explicit model and a derived first turn route afresh', () => {
    expect(decide(table, req(), pinned(MINI, { until: NOW }), NOW, 0.1).model).toBe(FREE);
    const short = decide(table, req({ messages: [{ role: 'user', content: 'hi' }] }), { sessions: { short: pin('openai/gpt-4o') } }, NOW, 0.1);
    expect(short.scenario).toBe('short');
    expect(short.model).toBe(FREE);
    expect(short.sticky).toBeNull();
    expect(short.trace.some((t) => t.step === 'sticky')).toBe(false);
    const explicit = decide(table, req({ model: 'openai/gpt-4o' }), pinned(FREE), NOW, 0.1);
    expect(explicit.model).toBe('openai/gpt-4o');
    expect(explicit.sticky).toBeNull();
    const derived = sessionKeyOf({}, {}, history.slice(0, 2))!;
    expect(derived).toMatchObject({ source: 'system prompt and first message', derived: true });
    const first = decide(table, req({ messages: history.slice(0, 2), session: derived }), pinned(MINI), NOW, 0.1);
    expect(first.model).toBe(FREE);
    expect(first.trace.find((t) => t.step === 'sticky')!.message).toContain('a first turn (no history) → routed afresh');
    // the same conversation later, with history: it stays
    const later = sessionKeyOf({}, {}, history)!;
    expect(later.id).toBe(derived.id);
    expect(decide(table, req({ session: later }), pinned(MINI), NOW, 0.1).model).toBe(MINI);
  });
});

describe('the request log keeps a sticky decision compactly and exactly', () => {
  it('every verdict round-trips, its trace line stored as a reference', () => {
    const ds = [
      decide(table, req(), {}, NOW, 0.1),
      decide(table, req(), pinned(FREE), NOW, 0.9),
      decide(table, req({ exclude: [FREE] }), pinned(FREE), NOW, 0.1),
      decide(table, req(), pinned('openai/o1'), NOW, 0.1),
      decide(table, req(), pinned(MINI, { until: NOW }), NOW, 0.1),
      decide(table, req({ messages: history.slice(0, 2), session: sessionKeyOf({}, {}, history.slice(0, 2)) }), pinned(MINI), NOW, 0.1),
      decide(table, req({ model: 'openai/gpt-4o' }), pinned(FREE), NOW, 0.1),
    ];
    expect(ds.map((d) => d.sticky?.state ?? null)).toEqual(['new', 'kept', 'moved', 'moved', 'idle', 'fresh', null]);
    for (const d of ds) {
      const stored = encodeDecision(d);
      expect(expandDecision(stored)).toBe(JSON.stringify(d));
      if (d.sticky) expect(stored).not.toContain('"sticky"');
    }
    // a line that does not match its verdict is kept as written
    const odd = decide(table, req(), pinned(FREE), NOW, 0.9);
    odd.trace.find((t) => t.step === 'sticky')!.message += ' (edited)';
    expect(expandDecision(encodeDecision(odd))).toBe(JSON.stringify(odd));
  });
});

describe('the session store', () => {
  it('named sessions are written to the database after the answer; derived ones stay in memory; expired ones leave', async () => {
    const db = openDatabase(':memory:');
    const pins = new SessionPins(db, NOW);
    const verdict = (id: string, derived: boolean) => ({ session: { id, source: derived ? 'system prompt and first message' : 'x-gw-session', derived }, scenario: 'chat', ttlMs: 60_000, state: 'new' as const, pin: null, at: null });
    pins.record(verdict('named', false), MINI, NOW);
    pins.record(verdict('h:0123456789abcdef', true), FREE, NOW);
    const rows = () => (db.prepare('SELECT session FROM session_pins ORDER BY session').all() as { session: string }[]).map((r) => r.session);
    expect(rows()).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(rows()).toEqual(['named']);
    expect(pins.pinsOf({ id: 'h:0123456789abcdef', source: '', derived: true }, NOW + 1)?.chat.model).toBe(FREE);
    pins.record(verdict('named', false), MINI, NOW + 1000);
    expect(pins.pinsOf({ id: 'named', source: '', derived: false }, NOW + 1001)?.chat).toMatchObject({ model: MINI, turns: 2, since: NOW, until: NOW + 61_000 });
    // a later answer, past the first ones' time: they leave memory
    pins.record(verdict('other', false), MINI, NOW + 120_000);
    expect(pins.pinsOf({ id: 'h:0123456789abcdef', source: '', derived: true }, NOW + 120_000)).toBeUndefined();
    expect(pins.stored('named')[0].pin).toMatchObject({ turns: 2 });
    // a restart reads the named ones that have not expired
    expect(new SessionPins(db, NOW + 30_000).pinsOf({ id: 'named', source: '', derived: false }, NOW + 30_000)?.chat.model).toBe(MINI);
    db.close();
  });
});

describe('session keys: what real clients send', () => {
  it('x-gw-session first, then Claude Code, then Codex, then a hash', () => {
    const cc = JSON.parse(readFileSync(new URL('./fixtures/claude-code-request.json', import.meta.url), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
    expect(sessionKeyOf(cc.headers, cc.body, [])).toEqual({ id: '2dcf1e46-8586-4b54-8210-00987e0d602f', source: 'x-claude-code-session-id', derived: false });
    expect(sessionKeyOf({}, cc.body, [])).toEqual({ id: '2dcf1e46-8586-4b54-8210-00987e0d602f', source: 'metadata.user_id', derived: false });
    expect(sessionKeyOf({ 'x-gw-session': 'mine' }, cc.body, [])?.id).toBe('mine');
    // the older Claude Code user_id form
    expect(sessionKeyOf({}, { metadata: { user_id: 'user_abc123_account_0000_session_7f1e2d3c-aaaa-bbbb-cccc-1234567890ab' } }, [])?.id).toBe('7f1e2d3c-aaaa-bbbb-cccc-1234567890ab');
    const codex = JSON.parse(readFileSync(new URL('./fixtures/codex/responses-request.json', import.meta.url), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
    expect(sessionKeyOf(codex.headers, codex.body, [])).toEqual({ id: '01a23b74-286c-7100-b7f4-7ecf75e0dba7', source: 'prompt_cache_key', derived: false });
    expect(sessionKeyOf(codex.headers, {}, [])).toEqual({ id: '01a23b74-286c-7100-b7f4-7ecf75e0dba7', source: 'session-id', derived: false });
    expect(sessionKeyOf({}, {}, [{ role: 'assistant', content: 'x' }])).toBeNull();
    // a different first message is a different conversation; a later turn is the same one
    expect(sessionKeyOf({}, {}, [{ role: 'user', content: 'a' }])!.id).not.toBe(sessionKeyOf({}, {}, [{ role: 'user', content: 'b' }])!.id);
    expect(sessionKeyOf({ 'x-gw-session': 'x'.repeat(500) }, {}, [])!.id).toMatch(/^h:[0-9a-f]{16}$/);
  });
});
