import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fixtures/fake-upstream.ts';
import { TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { suiteGateway } from './helpers/suite-gateway.ts';

/**
 * Issue 12's items that had unit tests only, end to end: the official SDKs against the real HTTP stack and the fake
 * upstream — capabilities (item 4), the reasoning round trip (6), no silent loss and the fields dropped on the way to
 * Anthropic (8), loop protection in each protocol's shape (9), the request line (10), and Claude Code's captured
 * request (1) sent by the Anthropic SDK.
 */
const CLAUDE_KEY = 'sk-ant-claude-secret-4444';
const body = (url: string) => `
provider claude { protocol anthropic  base_url "${url}/claude"  key env CLAUDE_KEY }
model freebie/text-only     { context 32k  free 1M tokens every day }
model paidco/eyes           { context 128k  price 1 / 2  can vision tools reasoning }
model claude/claude-native  { context 200k  price 3 / 15  can vision tools }
scenario thinking when header x-gw-thinking = "enabled" {
  paid paidco/eyes
}
scenario chat {
  free freebie/text-only
  paid paidco/eyes, claude/claude-native
  willingness 100%
}
`;

const suite = suiteGateway(body, { ...TEST_KEYS, CLAUDE_KEY });
let up: FakeUpstream;
let g: RunningGateway;
beforeEach(() => {
  [up, g] = [suite.up(), suite.g()];
  up.reset();
});

const openai = (o: { maxRetries?: number; headers?: Record<string, string> } = {}) =>
  new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'not-needed', maxRetries: o.maxRetries ?? 0, timeout: 15_000, defaultHeaders: o.headers });
const anthropic = (o: { maxRetries?: number; headers?: Record<string, string> } = {}) =>
  new Anthropic({ baseURL: g.url, apiKey: 'not-needed', maxRetries: o.maxRetries ?? 0, timeout: 15_000, defaultHeaders: o.headers });
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('issue 12 end to end with the official SDKs', () => {
  it('capabilities (item 4): an image or tools skip the free text-only model, over both front doors', async () => {
    const plain = await openai().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(plain.response.headers.get('x-gw-model')).toBe('freebie/text-only');
    const image = await openai()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } }] }] })
      .withResponse();
    expect(image.response.headers.get('x-gw-model')).toBe('paidco/eyes');
    const tools = await anthropic()
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, tools: [{ name: 'f', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'call f' }] })
      .withResponse();
    expect(tools.response.headers.get('x-gw-model')).toBe('paidco/eyes');
    const anthropicImage = await anthropic()
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } }, { type: 'text', text: 'what?' }] }] })
      .withResponse();
    expect(anthropicImage.response.headers.get('x-gw-model')).toBe('paidco/eyes');
    // the upstream that got the image got it as an image part
    const sent = up.requests.filter((r) => r.provider === 'paidco').map((r) => JSON.stringify(r.body.messages));
    expect(sent.filter((m) => m.includes('image_url'))).toHaveLength(2);
  });

  it('reasoning round trip (item 6): reasoning_content becomes a thinking block (JSON and stream) and the thinking goes back as reasoning_content', async () => {
    const client = anthropic();
    up.script('eyes', { reasoning: 'thinking it through', reply: 'four' }, { reasoning: 'streamed thoughts', reply: 'five' }, { reply: 'done' });
    const thinking = { type: 'enabled', budget_tokens: 1024 } as const;
    const json = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 2048, thinking, messages: [{ role: 'user', content: '2+2?' }] });
    expect(json.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(json.content[0]).toMatchObject({ type: 'thinking', thinking: 'thinking it through' });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 2048, thinking, messages: [{ role: 'user', content: '2+3?' }] });
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.content[0]).toMatchObject({ thinking: 'streamed thoughts' });
    // the thinking of the earlier turn goes back to the OpenAI-protocol model as reasoning_content
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 2048,
      thinking,
      messages: [{ role: 'user', content: '2+2?' }, { role: 'assistant', content: json.content as Anthropic.ContentBlockParam[] }, { role: 'user', content: 'sure?' }],
    });
    const third = up.requests.filter((r) => r.provider === 'paidco')[2];
    expect(third.body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'thinking it through', content: 'four' });
  });

  it('no silent loss (items 3 and 8): json_schema becomes structured output, json_object is a 400 naming it, dropped fields are named in x-gw-dropped and the log', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const client = openai();
    const r = await client.chat.completions
      .create({
        model: 'claude/claude-native',
        messages: [{ role: 'user', content: 'fill a' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } },
        seed: 7,
        presence_penalty: 0.5,
        frequency_penalty: 0.1,
        logit_bias: { '50256': -100 },
        reasoning_effort: 'low',
        metadata: { job: 'nightly' },
        store: false,
        temperature: 0.2,
      })
      .withResponse();
    expect(r.response.headers.get('x-gw-dropped')).toBe('frequency_penalty, logit_bias, metadata, presence_penalty, reasoning_effort, seed, store');
    const id = r.response.headers.get('x-gw-request-id')!;
    expect(g.log.lines).toContain(`info ${id} claude/claude-native speaks Anthropic: dropped frequency_penalty, logit_bias, metadata, presence_penalty, reasoning_effort, seed, store`);
    const sent = up.requests.find((q) => q.provider === 'claude')!.body;
    expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema } });
    for (const k of ['seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'reasoning_effort', 'metadata', 'store']) expect(sent[k]).toBeUndefined();
    // nothing dropped: no header
    const clean = await client.chat.completions.create({ model: 'claude/claude-native', messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 }).withResponse();
    expect(clean.response.headers.get('x-gw-dropped')).toBeNull();
    // a model that speaks OpenAI takes them all
    const native = await client.chat.completions.create({ model: 'paidco/eyes', messages: [{ role: 'user', content: 'hi' }], seed: 7 }).withResponse();
    expect(native.response.headers.get('x-gw-dropped')).toBeNull();
    const refused = await client.chat.completions.create({ model: 'claude/claude-native', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/json_object/);
    const n2 = await client.chat.completions.create({ model: 'claude/claude-native', messages: [{ role: 'user', content: 'x' }], n: 2 }).catch((e: unknown) => e);
    expect((n2 as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect((n2 as Error).message).toMatch(/n > 1/);
  });

  it('loop protection (item 9): 508 loop_detected in each protocol’s shape, and the SDKs do not retry it', async () => {
    const id = g.gw.deps.instanceId!;
    const before = g.log.lines.filter((l) => l.includes('loop_detected')).length;
    const o = await openai({ maxRetries: 2, headers: { 'x-gw-hops': id } })
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.APIError);
    expect((o as InstanceType<typeof OpenAI.APIError>).status).toBe(508);
    expect((o as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'loop_detected', code: 'loop_detected' });
    const a = await anthropic({ maxRetries: 2, headers: { 'x-gw-hops': `gw-elsewhere, ${id}` } })
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.APIError);
    const ae = a as InstanceType<typeof Anthropic.APIError>;
    expect(ae.status).toBe(508);
    expect(ae.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect((ae.error as { error: { message: string } }).error.message).toMatch(/^loop_detected: /);
    expect((ae.error as { request_id?: string }).request_id).toMatch(/./);
    // one refusal each: x-should-retry: false kept both SDKs (maxRetries 2) from asking again
    const lines = g.log.lines.filter((l) => l.startsWith('request ') && l.includes('loop_detected'));
    expect(lines.length - before).toBe(2);
    expect(up.requests).toHaveLength(0);
  });

  it('Claude Code’s captured request (item 1) sent by the Anthropic SDK, with its betas: accepted, passed to Anthropic unchanged', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/claude-code-request.json', import.meta.url), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
    const { stream: _s, ...cc } = fixture.body;
    void _s;
    const client = anthropic({ headers: { 'anthropic-beta': fixture.headers['anthropic-beta'] } });
    up.script({ provider: 'claude' }, { reply: 'hi from claude' });
    const r = await client.messages.create({ ...(cc as unknown as Anthropic.MessageCreateParamsNonStreaming), model: 'claude/claude-native' }).withResponse();
    expect(r.data.content.find((b) => b.type === 'text')).toMatchObject({ text: 'hi from claude' });
    const sent = up.requests.find((q) => q.provider === 'claude')!;
    expect(sent.headers['anthropic-beta']).toBe(fixture.headers['anthropic-beta']);
    for (const k of ['thinking', 'output_config', 'context_management', 'metadata', 'system', 'tools']) expect(sent.body[k]).toEqual(cc[k]);
    expect(sent.body.messages).toEqual(cc.messages);
    // and the request line (item 10) names it
    const id = r.response.headers.get('x-gw-request-id')!;
    expect(g.log.lines.find((l) => l.startsWith(`request ${id.slice(0, 8)}`))).toMatch(/ messages claude\/claude-native → claude\/claude-native (thinking|chat) paid 200 \d+ tok \d+ ms$/);
  });
});
