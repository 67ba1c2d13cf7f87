import { describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import { traceEntries } from '../runtime/router/trace.ts';
import type { RouteRequest, StateSnapshot } from '../runtime/router/types.ts';
import { ALL_KEYS, compileFile, compileText, EXAMPLE } from './helpers/policy.ts';

const table = compileFile(EXAMPLE);
const user = (content: string): RouteRequest => ({ model: 'auto', messages: [{ role: 'user', content }] });
const at = (iso: string) => Date.parse(iso);
const GROQ = 'groq/llama-3.1-8b-instant';
const SF = 'siliconflow/Qwen/Qwen2.5-7B-Instruct';
const SONNET = 'anthropic/claude-3-5-sonnet-20241022';

describe('decide: the seed gateway’s own examples', () => {
  it('expiry-first: SiliconFlow daily (8h left, 300k) goes before Groq monthly (3 days left, 800k)', () => {
    // 2026-03-29T08:00Z: Groq's UTC month resets 2026-04-01T00:00Z (2d16h ≈ 3 days); SiliconFlow resets at
    // 00:00 Asia/Shanghai = 16:00Z, 8 hours away.
    const now = at('2026-03-29T08:00:00Z');
    const state: StateSnapshot = { quota: { [GROQ]: { used: 200_000 }, [SF]: { used: 200_000 } } };
    const d = decide(table, user('hello, how are you today?'), state, now, 0.1);
    expect(d.scenario).toBe('chat');
    expect(d.tier).toBe('free');
    expect(d.model).toBe(SF);
    const free = d.candidates.filter((c) => c.source === 'free');
    expect(free.map((c) => c.model)).toEqual([SF, GROQ, 'aliyun/kimi-k2.5', 'aliyun/qwen3-max-preview']);
    expect(free[0].reason).toBe('free, 300k left, resets in 8h');
    expect(free[1].reason).toBe('free, 800k left, resets in 2d 16h');
    expect(free[0].remaining).toBe(300_000);
  });

  it('willingness: code at 90% — draw 0.5 goes free, draw 0.95 goes paid', () => {
    const now = at('2026-03-10T08:00:00Z');
    const prompt = '写一个 Python 快排';
    const free = decide(table, user(prompt), {}, now, 0.5);
    expect(free.scenario).toBe('code');
    expect(free.tier).toBe('free');
    expect(free.model).toBe(GROQ); // rank speed: groq declares speed 800
    const paid = decide(table, user(prompt), {}, now, 0.95);
    expect(paid.tier).toBe('paid');
    expect(paid.model).toBe(SONNET);
    expect(paid.next[0]).toBe(GROQ); // free models still follow the paid list on failure
  });

  it('too little quota left → the next free candidate', () => {
    const d = decide(table, user('def quicksort(xs): pass'), { quota: { [GROQ]: { used: 999_500 } } }, at('2026-03-10T08:00:00Z'), 0.2);
    const groq = d.candidates.find((c) => c.model === GROQ)!;
    expect(groq.eligible).toBe(false);
    expect(groq.reason).toMatch(/^free, 500 left < 1k needed/);
    expect(d.model).toBe(SF);
    expect(d.tier).toBe('free');
  });

  it('prefer_free_tier sets willingness to 100%', () => {
    const d = decide(table, { ...user('hi there'), preferFreeTier: true }, {}, at('2026-03-10T08:00:00Z'), 0.99);
    expect(d.scenario).toBe('chat');
    expect(d.willingness).toBe(1);
    expect(d.tier).toBe('free');
  });

  it('priority "quality" sets willingness to 0%', () => {
    const d = decide(table, { ...user('function add(a, b) { return a + b }'), priority: 'quality' }, {}, at('2026-03-10T08:00:00Z'), 0.0);
    expect(d.scenario).toBe('code');
    expect(d.willingness).toBe(0);
    expect(d.tier).toBe('paid');
    expect(d.model).toBe(SONNET);
  });

  it('a prompt over 50k tokens is long_text', () => {
    const long = 'The quarterly report discusses revenue, churn and hiring plans in detail. '.repeat(6000);
    const d = decide(table, user(long), {}, at('2026-03-10T08:00:00Z'), 0.5);
    expect(d.tokens).toBeGreaterThan(50_000);
    expect(d.scenario).toBe('long_text');
    expect(d.model).toBe('aliyun/kimi-k2.5');
    const paid = decide(table, user(long), {}, at('2026-03-10T08:00:00Z'), 0.9);
    expect(paid.model).toBe('moonshot/kimi-k2.5');
    // models whose context is too small are not eligible
    const small = paid.candidates.find((c) => c.model === 'deepseek/deepseek-chat')!;
    expect(small.eligible).toBe(false);
    expect(small.reason).toMatch(/^context 64k < /);
  });

  it('an explicit model: provider/model or a unique bare name; unknown names list the known ones', () => {
    const now = at('2026-03-10T08:00:00Z');
    expect(decide(table, { ...user('hi'), model: 'openai/o1-mini' }, {}, now, 0.5).model).toBe('openai/o1-mini');
    const bare = decide(table, { ...user('hi'), model: 'gpt-4o-mini' }, {}, now, 0.5);
    expect(bare.model).toBe('openai/gpt-4o-mini');
    expect(bare.candidates[0].source).toBe('explicit');
    const ambiguous = decide(table, { ...user('hi'), model: 'kimi-k2.5' }, {}, now, 0.5);
    expect(ambiguous.error?.type).toBe('model_not_found');
    expect(ambiguous.error?.message).toMatch(/ambiguous/);
    const unknown = decide(table, { ...user('hi'), model: 'gpt-5-turbo' }, {}, now, 0.5);
    expect(unknown.model).toBeNull();
    expect(unknown.error?.type).toBe('model_not_found');
    expect(unknown.error?.known).toContain('openai/gpt-4o');
  });
});

describe('decide: eligibility', () => {
  const now = at('2026-03-10T08:00:00Z');

  it('skips disabled providers, naming the variable to set', () => {
    const t = compileFile(EXAMPLE, { ...ALL_KEYS, GROQ_API_KEY: '' });
    const d = decide(t, user('def f(): pass'), {}, now, 0.1);
    const groq = d.candidates.find((c) => c.model === GROQ)!;
    expect(groq).toMatchObject({ eligible: false, reason: 'provider groq disabled (set GROQ_API_KEY)' });
    expect(d.model).toBe(SF);
  });

  it('excludes models that failed earlier in the request, and cooling-down models', () => {
    const d = decide(table, { ...user('def f(): pass'), exclude: [GROQ] }, { cooldown: { [SF]: now + 30_000 } }, now, 0.1);
    expect(d.candidates.find((c) => c.model === GROQ)!.reason).toBe('failed earlier in this request');
    expect(d.candidates.find((c) => c.model === SF)!.reason).toBe('cooling down after failures (30s left)');
    expect(d.model).toBe(SONNET);
  });

  it('respects rpm limits and provider-reported exhaustion', () => {
    const d = decide(table, user('def f(): pass'), { rate: { [GROQ]: { requests: 30, tokens: 0 } }, quota: { [SF]: { used: 0, exhausted: true } } }, now, 0.1);
    expect(d.candidates.find((c) => c.model === GROQ)!.reason).toBe('rpm limit 30 reached');
    expect(d.candidates.find((c) => c.model === SF)!.eligible).toBe(false);
    expect(d.tier).toBe('paid');
  });

  it('a once-quota past its until date is expired', () => {
    const d = decide(table, { ...user('hello'), preferFreeTier: true }, {}, at('2027-01-02T00:00:00Z'), 0.1);
    expect(d.candidates.find((c) => c.model === 'aliyun/qwen3-max-preview')!.reason).toBe('free quota expired');
  });

  it('personal data goes only to the local pii route model', () => {
    const d = decide(
      table,
      { ...user('my phone is 13812345678'), pii: { findings: [{ type: 'phone', start: 12, end: 23, detector: 'cn_mobile' }] } },
      {},
      now,
      0.99,
    );
    expect(d.pii).toEqual({ detected: ['phone'], action: 'route' });
    expect(d.model).toBe('ollama/qwen2.5:7b');
    expect(d.tier).toBe('local');
    expect(d.candidates.every((c) => c.model.startsWith('ollama/'))).toBe(true);
  });

  it('budget spent with then free_only: paid models are skipped', () => {
    const d = decide(table, user('def f(): pass'), { spentUsd: 5.01 }, now, 0.99);
    expect(d.willingness).toBe(1);
    expect(d.tier).toBe('free');
    const sonnet = d.candidates.find((c) => c.model === SONNET)!;
    expect(sonnet).toMatchObject({ eligible: false, reason: 'paid, but the budget is spent' });
  });

  it('budget spent with then block refuses the request', () => {
    const t = compileText(
      'model openai/gpt-4o-mini { context 128k price 0.15 / 0.6 }\nscenario chat { paid openai/gpt-4o-mini }\nbudget 1 per month then block\n',
    );
    const d = decide(t, user('hi'), { spentUsd: 1 }, now, 0.5);
    expect(d.error?.type).toBe('budget_exceeded');
    expect(d.model).toBeNull();
  });

  it('model ~ conditions see the requested name (Claude Code’s haiku)', () => {
    const t = compileText(
      'model groq/llama-3.1-8b-instant { context 128k free 1M tokens every day }\nmodel openai/gpt-4o { context 128k price 5 / 15 }\n' +
        'scenario background when model ~ /haiku/ { free groq/llama-3.1-8b-instant\n willingness 100% }\nscenario chat { paid openai/gpt-4o }\n',
    );
    // an unknown explicit name still errors out, but the scenario is computed from it
    const d = decide(t, { ...user('hi'), model: 'claude-3-5-haiku-20241022' }, {}, now, 0.5);
    expect(d.scenario).toBe('background');
  });

  it('the trace points at policy lines', () => {
    const d = decide(table, user('prove the equation holds'), {}, now, 0.5);
    expect(d.scenario).toBe('math');
    const scen = d.trace.find((t) => t.step === 'scenario' && t.message.startsWith('math'))!;
    expect(scen.at).toBe('routes.gw:70:10');
    expect(d.trace.find((t) => t.step === 'tier')!.at).toBe('routes.gw:73:3');
  });

  it('is pure: the same inputs give the same decision', () => {
    const a = decide(table, user('translate this please'), {}, now, 0.42);
    const b = decide(table, user('translate this please'), {}, now, 0.42);
    expect(b).toEqual(a);
  });
});

describe('limits', () => {
  it('a model may have both an rpm and a tpm limit', () => {
    const t = compileText('model groq/llama-3.1-8b-instant { context 128k  limit 30 rpm  limit 200k tpm }\nscenario chat { paid groq/llama-3.1-8b-instant }\n');
    expect(t.models[0].limits).toEqual({ rpm: 30, tpm: 200_000 });
    const d = decide(t, user('hi'), { rate: { 'groq/llama-3.1-8b-instant': { requests: 1, tokens: 199_500 } } }, Date.now(), 0.5);
    expect(d.candidates[0].reason).toBe('tpm limit 200k would be exceeded');
  });
});

describe('decide: what it remembers between calls never changes a decision', () => {
  const fresh = () => compileFile(EXAMPLE);
  const chat = (d: ReturnType<typeof decide>) => d.candidates.filter((c) => c.source === 'free').map((c) => c.model);

  it('rank expiry follows the clock across resets, forwards and back, on one table', () => {
    const t = fresh();
    const before = at('2026-03-29T08:00:00Z'); // SiliconFlow resets in 8h, Groq on 1 April 00:00Z
    const after = at('2026-03-31T20:00:00Z'); // Groq resets in 4h, SiliconFlow on 1 April 16:00Z
    const a = decide(t, user('hello there'), {}, before, 0.1);
    const b = decide(t, user('hello there'), {}, after, 0.1);
    const c = decide(t, user('hello there'), {}, before, 0.1);
    expect(chat(a)[0]).toBe(SF);
    expect(chat(b)[0]).toBe(GROQ);
    expect(c).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(decide(fresh(), user('hello there'), {}, after, 0.1)));
    expect(JSON.stringify(a)).toBe(JSON.stringify(decide(fresh(), user('hello there'), {}, before, 0.1)));
  });

  it('a retry with the same messages counts again what changed in them', () => {
    const now = at('2026-03-10T08:00:00Z');
    const req = user('The quarterly report discusses revenue, churn and hiring plans. '.repeat(200));
    const first = decide(table, req, {}, now, 0.5);
    expect(decide(table, { ...req, exclude: [GROQ] }, {}, now, 0.5).tokens).toBe(first.tokens);
    req.messages[0].content += ' And one more sentence about hiring.';
    const changed = decide(table, { ...req, exclude: [GROQ] }, {}, now, 0.5);
    expect(changed.tokens).toBeGreaterThan(first.tokens);
    expect(changed.tokens).toBe(decide(table, user(req.messages[0].content as string), {}, now, 0.5).tokens);
    req.messages.push({ role: 'assistant', content: 'ok' });
    expect(decide(table, req, {}, now, 0.5).tokens).toBe(changed.tokens + 3 + 1);
  });

  it('builds no trace text until the trace is read; then it is a plain array, which may be replaced', () => {
    const d = decide(table, { ...user('写一个 Python 快排'), exclude: [GROQ] }, {}, at('2026-03-10T08:00:00Z'), 0.5);
    const entries = traceEntries(d)!;
    expect(entries.length).toBeGreaterThan(4);
    expect(entries.some((e) => typeof e === 'object' && !Array.isArray(e))).toBe(true); // "excluded after failing earlier" is text
    expect(entries.filter((e) => typeof e === 'number' && e >= 0)).toHaveLength(d.candidates.length);
    expect(Object.keys(d)).toEqual(['scenario', 'tier', 'model', 'candidates', 'next', 'pii', 'tokens', 'estimate', 'draw', 'willingness', 'trace', 'clamp', 'sticky']);
    const lines = d.trace;
    expect(traceEntries(d)).toBe(entries); // holding the array is not reading it
    expect(lines.length).toBe(entries.length); // reading it renders its lines, once
    expect(traceEntries(d)).toBeUndefined();
    expect(Array.isArray(lines)).toBe(true);
    expect(d.trace).toBe(lines);
    expect(JSON.parse(JSON.stringify(lines))).toEqual([...lines]);
    expect(lines.filter((l) => l.step === 'candidate').map((l) => l.message)).toEqual(d.candidates.map((c) => `${c.eligible ? '✓' : '✗'} ${c.model} [${c.source}] ${c.reason}`));
    expect(lines.find((l) => l.step === 'choice')!.message).toBe(`→ ${d.model} (${d.tier})`);
    const other = decide(table, user('hello'), {}, at('2026-03-10T08:00:00Z'), 0.5);
    other.trace = [{ step: 'request', at: null, message: 'replaced' }];
    expect(traceEntries(other)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(other)).trace).toEqual([{ step: 'request', at: null, message: 'replaced' }]);
  });

  it('trace and candidates are plain data: what JSON, spread and Object.entries see is the same', () => {
    const d = decide(table, { ...user('写一个 Python 快排'), exclude: [GROQ] }, { quota: { [SF]: { used: 499_990 } } }, at('2026-03-10T08:00:00Z'), 0.5);
    for (const line of [...d.trace, ...d.candidates]) {
      expect(Object.getPrototypeOf(line)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(line))).toEqual(Object.fromEntries(Object.entries(line)));
    }
    expect(Object.keys(d.trace[0])).toEqual(['step', 'at', 'message']);
    expect(d.trace[0].message).toBe('1 message, ~11 prompt tokens (o200k), 1,035 reserved with the answer; model "auto"');
    expect(d.trace.find((t) => t.step === 'scenario')!.message).toBe('long_text: no (tokens 11 not > 50,000)');
    expect(d.trace.find((t) => t.message.startsWith('code'))!.message).toBe(
      'code: matched (text matches /```|\\bdef |\\bfunction\\b|代码|函数|python|javascript/ at "Python")',
    );
  });
});
