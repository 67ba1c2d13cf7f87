import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from './fixtures/fake-upstream.ts';
import { restoredSplitText, splitPlaceholderStream } from './helpers/split-placeholders.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';

/**
 * Personal data end to end, through the real HTTP stack and the fake upstream: `route` to the local model (explicit
 * cloud models included), `redact` with placeholders and restoration (JSON and streams, both APIs), `block`, the local
 * classifier (yes, hang under on_error allow/block), and no value in the clear in responses, logs or metrics.
 */

const PHONE = '13812345678';
const EMAIL = 'zhang.wei@163.com';
const CLAUDE_KEY = 'sk-ant-claude-secret-4444';

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

/** The fake plays Ollama under /ollama/v1 (OpenAI protocol, `local`); `claude` speaks Anthropic's protocol. */
function policy(pii: string): string {
  return policyFor(
    up,
    `
provider ollama { base_url "${up.url}/ollama/v1"  local }
provider claude { protocol anthropic  base_url "${up.url}/claude"  key env CLAUDE_KEY }
model freebie/free-model   { context 32k  free 1M tokens every day }
model paidco/paid-model    { context 128k  price 1 / 2 }
model claude/claude-native { context 200k  price 3 / 15 }
model ollama/qwen-local    { context 32k }
model ollama/guard         { context 8k }
scenario native when model ~ /native/ {
  paid claude/claude-native
  willingness 0%
}
scenario digits when text ~ /\\d{7}/ {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 0%
}
pii {
${pii}
}
retry { attempts 2  backoff 0ms }
`,
  );
}

const ENV = { ...TEST_KEYS, CLAUDE_KEY };
const json = async (url: string) => (await (await fetch(url)).json()) as any;

async function post(g: RunningGateway, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${g.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(body) });
}

/** Nothing the gateway keeps about request `id` (log entry, console log, metrics) holds a value in the clear. */
/** `digits` quotes what /\d{7}/ matched: 7 digits of the phone number, which the stored trace must not keep either. */
async function expectNoValueKept(g: RunningGateway, id: string, values: string[] = [PHONE, EMAIL, PHONE.slice(0, 7)]): Promise<void> {
  const entry = await fetch(`${g.url}/logs/${id}`);
  expect(entry.status).toBe(200);
  const text = await entry.text();
  const metrics = await (await fetch(`${g.url}/metrics`)).text();
  for (const v of values) {
    expect(text).not.toContain(v);
    expect(metrics).not.toContain(v);
    expect(g.log.lines.join('\n')).not.toContain(v);
  }
}

const toUpstream = (r: RecordedRequest) => r.endpoint === 'chat.completions' || r.endpoint === 'messages';
const byProvider = (p: string) => up.requests.filter((r) => toUpstream(r) && r.provider === p);

describe('pii route: personal data goes to the local model', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(policy('  detect phone email id_card\n  route ollama/qwen-local'), ENV);
  });
  afterAll(async () => {
    await g?.close();
  });

  it('auto: a phone number is answered by the local model, headers say so', async () => {
    up.reset();
    const { data, response } = await g.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `call me on ${PHONE}` }] }).withResponse();
    expect(data.choices[0].message.content).toBe('ok from qwen-local');
    expect(response.headers.get('x-gw-model')).toBe('ollama/qwen-local');
    expect(response.headers.get('x-gw-tier')).toBe('local');
    expect(response.headers.get('x-gw-scenario')).toBe('digits'); // its trace line quotes 7 digits of the phone number
    expect(response.headers.get('x-gw-pii')).toBe('route:phone');
    expect(response.headers.get('x-gw-pii-override')).toBeNull();
    expect(byProvider('ollama')).toHaveLength(1);
    expect(up.requests.filter((r) => toUpstream(r) && r.provider !== 'ollama')).toHaveLength(0);
    await expectNoValueKept(g, response.headers.get('x-gw-request-id')!);
  });

  it('an explicit cloud model is checked too: routed local, and the override is in the headers', async () => {
    up.reset();
    const { response } = await g.client().chat.completions.create({ model: 'paidco/paid-model', messages: [{ role: 'user', content: `my mail is ${EMAIL}` }] }).withResponse();
    expect(response.headers.get('x-gw-model')).toBe('ollama/qwen-local');
    expect(response.headers.get('x-gw-pii')).toBe('route:email');
    expect(response.headers.get('x-gw-pii-override')).toBe('requested paidco/paid-model, routed local');
    expect(byProvider('paidco')).toHaveLength(0);
    // without personal data the explicit model is used
    const clean = await g.client().chat.completions.create({ model: 'paidco/paid-model', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(clean.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(clean.response.headers.get('x-gw-pii')).toBeNull();
  });

  it('streams from the local model too', async () => {
    up.reset();
    const s = await g.client().chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: `id 110101199003078515 please` }] });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('ok from qwen-local');
    expect(byProvider('ollama')).toHaveLength(1);
  });

  it('/v1/messages: a Claude Code model name with a phone number goes local, and says so', async () => {
    up.reset();
    const res = await post(g, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: `ring ${PHONE}` }] });
    expect(res.status).toBe(200);
    const msg = (await res.json()) as any;
    expect(msg.content[0].text).toBe('ok from qwen-local');
    expect(res.headers.get('x-gw-model')).toBe('ollama/qwen-local');
    expect(res.headers.get('x-gw-pii')).toBe('route:phone');
    expect(res.headers.get('x-gw-pii-override')).toBe('requested claude-sonnet-4-5, routed local');
    expect(byProvider('claude')).toHaveLength(0);
    await expectNoValueKept(g, res.headers.get('x-gw-request-id')!);
  });
});

describe('pii redact: placeholders go upstream, values come back', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(policy('  detect phone email\n  classify with ollama/guard timeout 2s\n  redact\n  on_error allow'), ENV);
  });
  afterAll(async () => {
    await g?.close();
  });

  it('JSON: the upstream sees [PHONE_1]/[EMAIL_1], the client gets its values back (content and tool arguments)', async () => {
    up.reset();
    up.script('paid-model', { reply: 'I will call [PHONE_1] and write to [EMAIL_1].', toolCalls: [{ name: 'dial', arguments: { number: '[PHONE_1]' } }] });
    const { data, response } = await g
      .client()
      .chat.completions.create({
        model: 'auto',
        messages: [
          { role: 'system', content: `the user's mail is ${EMAIL}` },
          { role: 'user', content: `call ${PHONE}, then ${PHONE} again` },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-gw-pii')).toBe('redact:email,phone');
    expect(response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    const sent = byProvider('paidco')[0];
    expect(sent.rawBody).not.toContain(PHONE);
    expect(sent.rawBody).not.toContain(EMAIL);
    expect(sent.body.messages[0].content).toBe("the user's mail is [EMAIL_1]");
    expect(sent.body.messages[1].content).toBe('call [PHONE_1], then [PHONE_1] again');
    expect(byProvider('ollama')).toHaveLength(0); // the rules found values: no classifier call
    expect(data.choices[0].message.content).toBe(`I will call ${PHONE} and write to ${EMAIL}.`);
    expect(JSON.parse((data.choices[0].message.tool_calls![0] as { function: { arguments: string } }).function.arguments)).toEqual({ number: PHONE });
    await expectNoValueKept(g, response.headers.get('x-gw-request-id')!);
  });

  it('stream: a placeholder split across chunks is restored whole; held-back text is flushed before the end', async () => {
    up.reset();
    const sse = splitPlaceholderStream('paid-model');
    up.script('paid-model', { body: sse, headers: { 'content-type': 'text/event-stream' } });
    const { data: s, response } = await g
      .client()
      .chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: `phone ${PHONE}, mail ${EMAIL}` }] })
      .withResponse();
    const pieces: string[] = [];
    for await (const c of s) if (c.choices[0]?.delta?.content) pieces.push(c.choices[0].delta.content);
    expect(pieces.join('')).toBe(restoredSplitText(PHONE, EMAIL));
    expect(pieces.some((p) => p.includes('[PH') || p.includes('EMAIL'))).toBe(false);
    expect(byProvider('paidco')[0].rawBody).not.toContain(PHONE);
    await new Promise((r) => setTimeout(r, 50)); // the record is written when the stream ends
    const id = response.headers.get('x-gw-request-id')!;
    await expectNoValueKept(g, id);
    const entry = await json(`${g.url}/logs/${id}`);
    expect(entry.redacted).toBe(true);
    expect(JSON.stringify(entry)).toContain('[PH'); // the log keeps the upstream's text: placeholders
  });

  it('stream: tool-call arguments split every 12 characters are restored as JSON', async () => {
    up.reset();
    up.script('paid-model', { reply: 'dialing [PHONE_1]', toolCalls: [{ name: 'dial', arguments: { number: '[PHONE_1]', note: 'x"y' } }] });
    const s = await g.client().chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: `phone ${PHONE}` }] });
    let text = '';
    let args = '';
    for await (const c of s) {
      text += c.choices[0]?.delta?.content ?? '';
      args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    }
    expect(text).toBe(`dialing ${PHONE}`);
    expect(JSON.parse(args)).toEqual({ number: PHONE, note: 'x"y' });
  });

  it('/v1/messages JSON through an OpenAI upstream: system, text, tool_result and tool_use input are masked and restored', async () => {
    up.reset();
    up.script('paid-model', { reply: 'Noted [PHONE_1] for [EMAIL_1]', toolCalls: [{ name: 'dial', arguments: { number: '[PHONE_1]' } }] });
    const res = await post(g, '/v1/messages', {
      model: 'paidco/paid-model',
      max_tokens: 100,
      system: `customer ${EMAIL}`,
      messages: [
        { role: 'user', content: [{ type: 'text', text: `my number is ${PHONE}` }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: PHONE, n: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: `owner of ${PHONE}: ${EMAIL}` }] }] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gw-pii')).toBe('redact:email,phone');
    const sent = byProvider('paidco')[0];
    expect(sent.rawBody).not.toContain(PHONE);
    expect(sent.rawBody).not.toContain(EMAIL);
    expect(sent.rawBody).toContain('[PHONE_1]');
    expect(sent.rawBody).toContain('customer [EMAIL_1]');
    const msg = (await res.json()) as any;
    expect(msg.content[0]).toEqual({ type: 'text', text: `Noted ${PHONE} for ${EMAIL}` });
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'dial', input: { number: PHONE } });
    await expectNoValueKept(g, res.headers.get('x-gw-request-id')!);
  });

  it('/v1/messages stream through an Anthropic upstream: text_delta and input_json_delta restored', async () => {
    up.reset();
    up.script('claude-native', { reply: 'Calling [PHONE_1] now', toolCalls: [{ name: 'dial', arguments: { number: '[PHONE_1]' } }] });
    const client = new Anthropic({ baseURL: g.url, apiKey: 'x', maxRetries: 0, timeout: 15_000 });
    const stream = client.messages.stream({ model: 'claude/claude-native', max_tokens: 100, messages: [{ role: 'user', content: `phone ${PHONE}` }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: `Calling ${PHONE} now` });
    expect(final.content[1]).toMatchObject({ type: 'tool_use', input: { number: PHONE } });
    const sent = byProvider('claude')[0];
    expect(sent.rawBody).not.toContain(PHONE);
    expect(sent.body.messages[0].content).toBe('phone [PHONE_1]');
  });

  it('a classifier-only hit cannot be redacted: refused with a clear message', async () => {
    up.reset();
    up.script('guard', { reply: 'YES' });
    const res = await post(g, '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'Mrs Li at the corner house has diabetes' }] });
    expect(res.status).toBe(400);
    const err = ((await res.json()) as any).error;
    expect(err.code).toBe('pii_blocked');
    expect(err.message).toMatch(/cannot be redacted/);
    expect(res.headers.get('x-gw-pii')).toBe('block:classifier');
    expect(byProvider('paidco')).toHaveLength(0);
    // the classifier was asked with a tiny max_tokens
    expect(byProvider('ollama')[0].body).toMatchObject({ model: 'guard', max_tokens: 3 });
  });
});

describe('pii block', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(policy('  detect phone email\n  block'), ENV);
  });
  afterAll(async () => {
    await g?.close();
  });

  it('400 naming the types, never the values, anywhere', async () => {
    up.reset();
    const res = await post(g, '/v1/chat/completions', { model: 'paidco/paid-model', messages: [{ role: 'user', content: `phone ${PHONE} mail ${EMAIL}` }] });
    expect(res.status).toBe(400);
    const text = await res.text();
    const err = JSON.parse(text).error;
    expect(err.code).toBe('pii_blocked');
    expect(err.message).toContain('personal data (phone, email)');
    expect(err.pii_types).toEqual(['phone', 'email']);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain(EMAIL);
    expect(res.headers.get('x-gw-pii')).toBe('block:phone,email');
    expect(res.headers.get('x-gw-pii-override')).toBe('requested paidco/paid-model, blocked');
    for (const [, v] of res.headers) {
      expect(v).not.toContain(PHONE);
      expect(v).not.toContain(EMAIL);
    }
    expect(up.requests.filter(toUpstream)).toHaveLength(0);
    await expectNoValueKept(g, res.headers.get('x-gw-request-id')!);
  });

  it('/v1/messages: Anthropic-shaped 400', async () => {
    up.reset();
    const res = await post(g, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: `phone ${PHONE}` }] });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('(phone)') } });
    expect(text).not.toContain(PHONE);
    await expectNoValueKept(g, res.headers.get('x-gw-request-id')!);
  });
});

describe('pii classifier', () => {
  const classifying = (onError: string) => `  detect phone\n  classify with ollama/guard timeout 300ms\n  route ollama/qwen-local\n  on_error ${onError}`;
  let allow: RunningGateway;
  let block: RunningGateway;
  beforeAll(async () => {
    allow = await startGateway(policy(classifying('allow')), ENV);
    block = await startGateway(policy(classifying('block')), ENV);
  });
  afterAll(async () => {
    await allow?.close();
    await block?.close();
  });

  const sensitive = 'Mrs Li at the corner house has diabetes';

  it('a yes routes to the local model; the verdict and its latency are logged, the bodies withheld from the log', async () => {
    up.reset();
    up.script('guard', { reply: 'YES' });
    const { data, response } = await allow.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: sensitive }] }).withResponse();
    expect(data.choices[0].message.content).toBe('ok from qwen-local');
    expect(response.headers.get('x-gw-pii')).toBe('route:classifier');
    expect(response.headers.get('x-gw-pii-classifier')).toMatch(/^pii; \d+ms$/);
    const guard = byProvider('ollama').find((r) => r.model === 'guard')!;
    expect(guard.body.max_tokens).toBe(3);
    expect(guard.rawBody).toContain('diabetes');
    const id = response.headers.get('x-gw-request-id')!;
    expect(allow.log.lines.some((l) => new RegExp(`^info ${id} pii classifier ollama/guard: pii in \\d+ ms$`).test(l))).toBe(true);
    const entry = await (await fetch(`${allow.url}/logs/${id}`)).text();
    expect(entry).not.toContain('diabetes');
    expect(entry).toContain('withheld');
  });

  it('a no goes on to normal routing', async () => {
    up.reset();
    up.script('guard', { reply: 'NO' });
    const { response } = await allow.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'what is 2+2' }] }).withResponse();
    expect(response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(response.headers.get('x-gw-pii-classifier')).toMatch(/^clean; \d+ms$/);
    expect(response.headers.get('x-gw-pii')).toBeNull();
  });

  it('a hang past the timeout under on_error allow: normal routing, after about the timeout', async () => {
    up.reset();
    up.script('guard', { hang: true });
    const t0 = Date.now();
    const { response } = await allow.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: sensitive }] }).withResponse();
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(3000);
    expect(response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(response.headers.get('x-gw-pii-classifier')).toMatch(/^error; \d+ms$/);
    const id = response.headers.get('x-gw-request-id')!;
    expect(allow.log.lines.some((l) => l.startsWith(`warn ${id} pii classifier ollama/guard is down`))).toBe(true);
    // down is logged once per outage, not per request
    up.script('guard', { hang: true });
    const again = await allow.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: sensitive }] }).withResponse();
    const id2 = again.response.headers.get('x-gw-request-id')!;
    expect(allow.log.lines.some((l) => l.includes(id2) && l.includes('pii classifier'))).toBe(false);
    expect(allow.log.lines.filter((l) => / pii classifier ollama\/guard is down/.test(l))).toHaveLength(1);
  });

  it('a hang past the timeout under on_error block: refused', async () => {
    up.reset();
    up.script('guard', { hang: true });
    const res = await post(block, '/v1/chat/completions', { model: 'paidco/paid-model', messages: [{ role: 'user', content: sensitive }] });
    expect(res.status).toBe(400);
    const err = ((await res.json()) as any).error;
    expect(err.code).toBe('pii_blocked');
    expect(err.message).toMatch(/classifier did not answer/);
    expect(res.headers.get('x-gw-pii')).toBe('block:classifier_error');
    expect(byProvider('paidco')).toHaveLength(0);
    // logged once per outage: by this request, or by the one that found it down first
    expect(block.log.lines.some((l) => / pii classifier ollama\/guard is down.*on_error block/.test(l))).toBe(true);
  });

  it('the rules finding something skip the classifier', async () => {
    up.reset();
    const { response } = await block.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `call ${PHONE}` }] }).withResponse();
    expect(response.headers.get('x-gw-model')).toBe('ollama/qwen-local');
    expect(response.headers.get('x-gw-pii-classifier')).toBeNull();
    expect(byProvider('ollama').map((r) => r.model)).toEqual(['qwen-local']);
  });
});
