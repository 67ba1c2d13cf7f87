import { describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import type { RouteClient, RouteRequest } from '../runtime/router/types.ts';
import { compileText } from './helpers/policy.ts';

const table = compileText(`
model groq/llama-3.1-8b-instant { context 128k  free 1M tokens every day }
model openai/gpt-4o-mini { context 128k  price 0.15 / 0.6 }
model openai/gpt-4o { context 128k  price 2.5 / 10 }
scenario code when text ~ /python/i { paid openai/gpt-4o  free groq/llama-3.1-8b-instant  willingness 0% }
scenario chat { paid openai/gpt-4o-mini, openai/gpt-4o  free groq/llama-3.1-8b-instant  willingness 0% }
`);
const now = Date.parse('2026-12-03T10:00:00Z');
const ask = (content: string, client: RouteClient | null, model = 'auto'): RouteRequest => ({ model, messages: [{ role: 'user', content }], client });
const c = (over: Partial<RouteClient>): RouteClient => ({ name: 'alice', freeOnly: false, models: null, scenarios: null, ...over });

describe('decide with a client key', () => {
  it('no client: as before', () => {
    expect(decide(table, ask('hello', null), {}, now, 0.5).model).toBe('openai/gpt-4o-mini');
  });

  it('a scenario outside the allow list is refused (forbidden), naming what is allowed', () => {
    const d = decide(table, ask('write python', c({ scenarios: ['chat'] })), {}, now, 0.5);
    expect(d.model).toBeNull();
    expect(d.error).toEqual({ type: 'forbidden', message: 'client "alice" may not use the scenario "code" (allowed: chat)' });
  });

  it('allowed models: auto routing skips the others with a reason; an explicit other model is refused', () => {
    const d = decide(table, ask('hello', c({ models: ['openai/gpt-4o', 'groq'] })), {}, now, 0.5);
    expect(d.model).toBe('openai/gpt-4o');
    expect(d.candidates.find((x) => x.model === 'openai/gpt-4o-mini')).toMatchObject({ eligible: false, reason: 'not allowed for client "alice"' });
    const bare = decide(table, ask('hello', c({ models: ['gpt-4o-mini'] })), {}, now, 0.5);
    expect(bare.model).toBe('openai/gpt-4o-mini');
    const explicit = decide(table, ask('hello', c({ models: ['groq'] }), 'openai/gpt-4o'), {}, now, 0.5);
    expect(explicit.error?.type).toBe('forbidden');
  });

  it('freeOnly (the client spent its budget): free models only, whatever the willingness', () => {
    const d = decide(table, ask('hello', c({ freeOnly: true })), {}, now, 0.99);
    expect(d.model).toBe('groq/llama-3.1-8b-instant');
    expect(d.tier).toBe('free');
    expect(d.trace.some((t) => t.step === 'budget' && /client "alice" has spent its budget/.test(t.message))).toBe(true);
    expect(d.candidates.find((x) => x.model === 'openai/gpt-4o-mini')?.reason).toBe('paid, but the budget is spent');
  });
});
