import { describe, expect, it } from 'vitest';
import { restoredSplitText, splitPlaceholderStream } from './helpers/split-placeholders.ts';
import { TEST_KEYS } from './helpers/gateway.ts';
import { gatewaySuite } from './helpers/gateway-suite.ts';

/**
 * `pii { redact }` on /v1/responses through the real HTTP stack and the openai SDK: the upstream (chat-only,
 * Anthropic, native Responses) gets placeholders, the client its values back in JSON, in streamed events (a
 * placeholder split across deltas comes out whole, sequence numbers stay increasing) and in what is stored.
 */

const PHONE = '13812345678';
const EMAIL = 'zhang.wei@163.com';
const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const NATIVE_KEY = 'sk-native-secret-5555';

const suite = gatewaySuite((url) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
provider native { protocol openai-responses  base_url "${url}/native/v1"  key env NATIVE_KEY }
model paidco/paid-model     { context 128k  can tools  price 1 / 2 }
model claude/claude-model   { context 200k  can tools  price 3 / 15 }
model native/gpt-native     { context 200k  can tools  price 2 / 8 }
scenario chat {
  paid paidco/paid-model
  willingness 0%
}
pii {
  detect phone email
  redact
}
retry { attempts 2  backoff 0ms }
`, { ...TEST_KEYS, CLAUDE_KEY, NATIVE_KEY });

const sentTo = (provider: string) => suite.up.requests.filter((r) => r.provider === provider && r.endpoint !== 'models');
const DIAL = { type: 'function' as const, name: 'dial', description: 'dial a number', parameters: { type: 'object', properties: { number: { type: 'string' } } }, strict: false };

describe('pii redact on /v1/responses', () => {
  it('JSON over a chat-only upstream: instructions, input and tool outputs masked; text and arguments restored; the stored response too', async () => {
    suite.up.reset();
    suite.up.script('paid-model', { reply: 'I will call [PHONE_1] and write to [EMAIL_1].', toolCalls: [{ id: 'call_1', name: 'dial', arguments: { number: '[PHONE_1]' } }] });
    const { data, response } = await suite.g
      .client()
      .responses.create({
        model: 'auto',
        instructions: `the user's mail is ${EMAIL}`,
        input: [
          { role: 'user', content: `call ${PHONE}` },
          { type: 'function_call', call_id: 'c0', name: 'lookup', arguments: JSON.stringify({ q: PHONE }) },
          { type: 'function_call_output', call_id: 'c0', output: `owner of ${PHONE}` },
        ],
        tools: [DIAL],
      })
      .withResponse();
    expect(response.headers.get('x-gw-pii')).toBe('redact:email,phone');
    const sent = sentTo('paidco')[0];
    expect(sent.rawBody).not.toContain(PHONE);
    expect(sent.rawBody).not.toContain(EMAIL);
    expect(sent.body.messages[0]).toEqual({ role: 'system', content: "the user's mail is [EMAIL_1]" });
    expect(sent.rawBody).toContain('call [PHONE_1]');
    expect(sent.rawBody).toContain('owner of [PHONE_1]');
    expect(data.output_text).toBe(`I will call ${PHONE} and write to ${EMAIL}.`);
    const call = data.output.find((o) => o.type === 'function_call') as { arguments: string };
    expect(JSON.parse(call.arguments)).toEqual({ number: PHONE });
    const stored = await suite.g.client().responses.retrieve(data.id);
    expect(stored.output_text).toBe(data.output_text);
  });

  it('stream over a chat-only upstream: placeholders split across deltas come out whole, sequence numbers increase', async () => {
    suite.up.reset();
    const sse = splitPlaceholderStream('paid-model');
    suite.up.script('paid-model', { body: sse, headers: { 'content-type': 'text/event-stream' } });
    const stream = suite.g.client().responses.stream({ model: 'auto', input: `phone ${PHONE}, mail ${EMAIL}` });
    const events: { type: string; sequence_number: number; delta?: string; text?: string }[] = [];
    for await (const e of stream) events.push(e as never);
    const final = await stream.finalResponse();
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta!);
    expect(deltas.join('')).toBe(restoredSplitText(PHONE, EMAIL));
    expect(deltas.some((d) => d.includes('[PH') || d.includes('EMAIL'))).toBe(false);
    expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe(restoredSplitText(PHONE, EMAIL));
    expect(final.output_text).toBe(restoredSplitText(PHONE, EMAIL));
    const seq = events.map((e) => e.sequence_number);
    for (let i = 1; i < seq.length; i++) expect(seq[i]).toBeGreaterThan(seq[i - 1]);
    expect(events[events.length - 1].type).toBe('response.completed');
    expect(sentTo('paidco')[0].rawBody).not.toContain(PHONE);
  });

  it('stream: function-call arguments split every 12 characters are restored as JSON', async () => {
    suite.up.reset();
    suite.up.script('paid-model', { reply: 'dialing [PHONE_1]', toolCalls: [{ name: 'dial', arguments: { number: '[PHONE_1]', note: 'x"y' } }] });
    const stream = suite.g.client().responses.stream({ model: 'auto', input: `phone ${PHONE}`, tools: [DIAL] });
    let args = '';
    for await (const e of stream) if (e.type === 'response.function_call_arguments.delta') args += e.delta;
    const final = await stream.finalResponse();
    expect(JSON.parse(args)).toEqual({ number: PHONE, note: 'x"y' });
    const call = final.output.find((o) => o.type === 'function_call') as { arguments: string };
    expect(JSON.parse(call.arguments)).toEqual({ number: PHONE, note: 'x"y' });
    expect(final.output_text).toBe(`dialing ${PHONE}`);
  });

  it('over an Anthropic upstream and a native Responses upstream, JSON and stream', async () => {
    for (const model of ['claude/claude-model', 'native/gpt-native']) {
      const provider = model.split('/')[0];
      const name = model.split('/')[1];
      suite.up.reset();
      suite.up.script(name, { reply: 'Calling [PHONE_1] now' }, { reply: 'Streaming [PHONE_1] now' });
      const r = await suite.g.client().responses.create({ model, input: `phone ${PHONE}` });
      expect(r.output_text, model).toBe(`Calling ${PHONE} now`);
      const s = suite.g.client().responses.stream({ model, input: `phone ${PHONE}` });
      let text = '';
      for await (const e of s) if (e.type === 'response.output_text.delta') text += e.delta;
      expect(text, model).toBe(`Streaming ${PHONE} now`);
      expect((await s.finalResponse()).output_text, model).toBe(`Streaming ${PHONE} now`);
      for (const sent of sentTo(provider)) expect(sent.rawBody, model).not.toContain(PHONE);
      expect(sentTo(provider)).toHaveLength(2);
    }
  });
});
