import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KEYS } from './helpers/gateway.ts';
import { gatewaySuite } from './helpers/gateway-suite.ts';

/**
 * Reasoning through /v1/responses with the openai SDK: Anthropic's thinking comes out as signed reasoning items
 * (JSON and stream) and goes back, signature and all, in a tool loop (the fake Anthropic refuses a thinking tool loop
 * whose last assistant turn does not start with its thinking); a chat-only thinking model gets earlier reasoning as
 * reasoning_content; previous_response_id is echoed.
 */

const CLAUDE_KEY = 'sk-ant-claude-secret-4444';

const suite = gatewaySuite((url) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
provider native { protocol openai-responses  base_url "${url}/native/v1"  key env NATIVE_KEY }
model native/gpt-native    { context 200k  can tools  price 2 / 8 }
model claude/claude-think  { context 200k  can tools reasoning  price 3 / 15 }
model paidco/deep-think    { context 128k  can tools reasoning  price 1 / 2 }
model paidco/plain         { context 128k  can tools  price 1 / 2 }
scenario chat {
  paid paidco/plain
  willingness 0%
}
`, { ...TEST_KEYS, CLAUDE_KEY, NATIVE_KEY: 'sk-native-secret-5555' });
afterEach(() => suite.up.reset());

const WEATHER = { type: 'function' as const, name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
const claudeBodies = () => suite.up.requests.filter((r) => r.provider === 'claude' && r.endpoint === 'messages').map((r) => r.body);

describe('Anthropic thinking through /v1/responses', () => {
  it('reasoning.effort turns thinking on; the answer has a signed reasoning item (JSON)', async () => {
    const r = await suite.g.client().responses.create({ model: 'claude/claude-think', input: 'think, then answer', reasoning: { effort: 'low' }, max_output_tokens: 4000 });
    expect(claudeBodies()[0].thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(claudeBodies()[0].max_tokens).toBe(4000);
    const item = r.output[0] as { type: string; summary: { text: string }[]; encrypted_content?: string };
    expect(item.type).toBe('reasoning');
    expect(item.summary[0].text).toBe('thinking about it (claude-think)');
    expect(item.encrypted_content).toMatch(/^gw:anthropic-claude-v1:sig:\S+$/);
    expect(r.output_text).toBe('ok from claude-think');
  });

  it('stream: reasoning_summary_text deltas, the item done with its signature, increasing sequence numbers', async () => {
    const s = suite.g.client().responses.stream({ model: 'claude/claude-think', input: 'think', reasoning: { effort: 'low' }, max_output_tokens: 4000 });
    const events: { type: string; sequence_number: number; delta?: string; item?: { type: string; encrypted_content?: string } }[] = [];
    for await (const e of s) events.push(e as never);
    const final = await s.finalResponse();
    expect(events.filter((e) => e.type === 'response.reasoning_summary_text.delta').map((e) => e.delta).join('')).toBe('thinking about it (claude-think)');
    const done = events.find((e) => e.type === 'response.output_item.done' && e.item?.type === 'reasoning');
    expect(done?.item?.encrypted_content).toMatch(/^gw:anthropic-claude-v1:sig:\S+$/);
    expect((final.output[0] as { encrypted_content?: string }).encrypted_content).toBe(done?.item?.encrypted_content);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.at(-1)?.type).toBe('response.completed');
  });

  it('a thinking tool loop: the signed thinking goes back first in the assistant turn (stateless and with previous_response_id)', async () => {
    suite.up.script('claude-think', { toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: { city: 'Oslo' } }] }, { reply: 'Cold in Oslo.' }, { reply: 'Still cold.' });
    const c = suite.g.client();
    const first = await c.responses.create({ model: 'claude/claude-think', input: 'weather in Oslo?', tools: [WEATHER], reasoning: { effort: 'low' }, max_output_tokens: 4000 });
    const reasoning = first.output.find((o) => o.type === 'reasoning') as { encrypted_content: string };
    const call = first.output.find((o) => o.type === 'function_call') as { call_id: string };
    const signature = reasoning.encrypted_content.split(':sig:')[1];
    // stateless: the client sends the output items back itself
    const second = await c.responses.create({
      model: 'claude/claude-think',
      input: [{ role: 'user', content: 'weather in Oslo?' }, ...(first.output as never[]), { type: 'function_call_output', call_id: call.call_id, output: '-5°C' }],
      tools: [WEATHER],
      reasoning: { effort: 'low' },
      max_output_tokens: 4000,
      store: false,
    });
    expect(second.output_text).toBe('Cold in Oslo.');
    const assistantTurn = claudeBodies()[1].messages[1];
    expect(assistantTurn.role).toBe('assistant');
    expect(assistantTurn.content[0]).toEqual({ type: 'thinking', thinking: 'thinking about it (claude-think)', signature });
    expect(assistantTurn.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_1', name: 'get_weather' });
    expect(claudeBodies()[1].thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    // stored: the same through previous_response_id, and the answer echoes it
    const third = await c.responses.create({
      model: 'claude/claude-think',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '-6°C' }],
      tools: [WEATHER],
      reasoning: { effort: 'low' },
      max_output_tokens: 4000,
    });
    expect(third.previous_response_id).toBe(first.id);
    expect(third.output_text).toBe('Still cold.');
    expect(claudeBodies()[2].messages[1].content[0]).toEqual({ type: 'thinking', thinking: 'thinking about it (claude-think)', signature });
  });
});

describe('reasoning items toward a chat-only upstream', () => {
  const items = [
    { role: 'user' as const, content: 'first question' },
    { type: 'reasoning' as const, id: 'rs_1', summary: [{ type: 'summary_text' as const, text: 'I weighed it' }] },
    { role: 'assistant' as const, content: 'first answer' },
    { role: 'user' as const, content: 'second question' },
  ];

  it('a `can reasoning` model gets them as reasoning_content on the assistant message; another model does not', async () => {
    await suite.g.client().responses.create({ model: 'paidco/deep-think', input: items as never });
    expect(suite.up.requests[0].body.messages[1]).toEqual({ role: 'assistant', content: 'first answer', reasoning_content: 'I weighed it' });
    await suite.g.client().responses.create({ model: 'paidco/plain', input: items as never });
    expect(suite.up.requests[1].body.messages[1]).toEqual({ role: 'assistant', content: 'first answer' });
    expect(suite.up.requests[1].rawBody).not.toContain('I weighed it');
  });

  it('the response echoes previous_response_id (it was null): translated and native, JSON and stream', async () => {
    for (const model of ['auto', 'native/gpt-native']) {
      const a = await suite.g.client().responses.create({ model, input: 'one' });
      const b = await suite.g.client().responses.create({ model, input: 'two', previous_response_id: a.id });
      expect(b.previous_response_id, model).toBe(a.id);
      const s = suite.g.client().responses.stream({ model, input: 'three', previous_response_id: b.id });
      const seen: (string | null | undefined)[] = [];
      for await (const e of s) if ('response' in e) seen.push((e.response as { previous_response_id?: string | null }).previous_response_id);
      expect(seen.length, model).toBeGreaterThan(0);
      expect(new Set(seen), model).toEqual(new Set([b.id]));
      expect((await s.finalResponse()).previous_response_id, model).toBe(b.id);
    }
    expect(suite.up.requests.every((r) => r.body.previous_response_id === undefined)).toBe(true);
  });

  it('the stored response echoes it too', async () => {
    const a = await suite.g.client().responses.create({ model: 'auto', input: 'one' });
    const b = await suite.g.client().responses.create({ model: 'auto', input: 'two', previous_response_id: a.id });
    expect((await suite.g.client().responses.retrieve(b.id)).previous_response_id).toBe(a.id);
  });
});
