import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, type Step } from './fixtures/fake-upstream.ts';
import { startGateway, type RunningGateway } from './helpers/gateway.ts';

/**
 * Lying upstreams are failures: a body that stops (idle timeout), an attempt that runs too long (deadline), a stream
 * request answered 200 with HTML, an error object or nothing, a 200 whose JSON is an error. Before the first byte
 * reaches the client each is a classified failure that re-routes; after it, the stream ends with an error frame.
 */
const KEYS = { FREEBIE_KEY: 'sk-freebie-truth-1', PAIDCO_KEY: 'sk-paidco-truth-2', BACKUP_KEY: 'sk-backup-truth-3', CLAUDE_KEY: 'sk-ant-truth-4' };

let up: FakeUpstream;
let g: RunningGateway;
beforeAll(async () => {
  up = await startFakeUpstream();
  const policy = `
provider freebie { base_url "${up.url}/freebie/v1"  key env FREEBIE_KEY  idle_timeout 300ms  deadline 1500ms }
provider paidco  { base_url "${up.url}/paidco/v1"   key env PAIDCO_KEY  idle_timeout 300ms }
provider backup  { base_url "${up.url}/backup/v1"   key env BACKUP_KEY  idle_timeout 300ms }
provider claude  { protocol anthropic  base_url "${up.url}/claude"  key env CLAUDE_KEY  idle_timeout 300ms }
model freebie/free-model  { context 32k  free 1M tokens every day }
model paidco/paid-model   { context 128k  price 1 / 2 }
model backup/backup-model { context 128k  price 0.5 / 1 }
model claude/claude-m     { context 200k  price 3 / 15 }
scenario anth when header x-up = "claude" {
  paid claude/claude-m
}
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 100%
}
fallback backup/backup-model
retry {
  attempts 3
  backoff 0ms
  on network rate_limit server quota
  cooldown 1m after 100 failures
}
`;
  g = await startGateway(policy, KEYS);
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});
afterEach(() => up.reset());

const hi = [{ role: 'user', content: 'hello there' }];

async function post(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const r = await fetch(`${g.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    // a gateway that waits on a silent upstream fails here instead of hanging the suite
    signal: AbortSignal.timeout(6000),
  });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

async function logRow(id: string | null): Promise<{ status: number; error_type: string | null; attempt_list: { model: string; ok: boolean; type?: string; status?: number; message?: string }[] }> {
  expect(id).toBeTruthy();
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${g.url}/logs/${id}`);
    if (r.status === 200) return (await r.json()) as never;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no log row ${id}`);
}

/** The answer's text: the content of a JSON answer, or the deltas of an OpenAI or Anthropic stream joined. */
function answerText(text: string): string {
  if (!text.startsWith('data:') && !text.startsWith('event:')) {
    const j = JSON.parse(text);
    return j.choices?.[0]?.message?.content ?? j.content?.map((c: { text?: string }) => c.text ?? '').join('') ?? '';
  }
  let out = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const j = JSON.parse(line.slice(6));
    out += j.choices?.[0]?.delta?.content ?? j.delta?.text ?? '';
  }
  return out;
}

const chat = (stream: boolean) => ({ model: 'auto', messages: hi, stream });

describe('idle timeout and deadline (per provider)', () => {
  it('a stream that goes silent before its first content is a network failure that re-routes', async () => {
    up.script('free-model', { fault: 'stall', faultAfterChunks: 1 });
    const t0 = Date.now();
    const r = await post('/v1/chat/completions', chat(true));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gw-model')).toBe('paidco/paid-model');
    expect(answerText(r.text)).toBe('ok from paid-model');
    expect(Date.now() - t0).toBeLessThan(3000);
    const row = await logRow(r.headers.get('x-gw-request-id'));
    expect(row.attempt_list[0]).toMatchObject({ model: 'free-model', ok: false, type: 'network' });
    expect(row.attempt_list[0]!.message).toContain('idle timeout');
  });

  it('a JSON answer whose body stops midway is a network failure that re-routes', async () => {
    up.script('free-model', { fault: 'stall' });
    const r = await post('/v1/chat/completions', chat(false));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).choices[0].message.content).toBe('ok from paid-model');
    const row = await logRow(r.headers.get('x-gw-request-id'));
    expect(row.attempt_list[0]).toMatchObject({ model: 'free-model', type: 'network' });
    expect(row.attempt_list[0]!.message).toContain('idle timeout');
  });

  it('a stream that goes silent after content ends with the protocol’s error frame, within the idle timeout', async () => {
    up.script('free-model', { fault: 'stall', faultAfterChunks: 3, reply: 'one two three four' });
    const t0 = Date.now();
    const r = await post('/v1/chat/completions', chat(true));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gw-model')).toBe('freebie/free-model');
    expect(r.text).toContain('"code":"stream_interrupted"');
    expect(r.text).toContain('idle timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
    const row = await logRow(r.headers.get('x-gw-request-id'));
    expect(row.error_type).toBe('stream_interrupted');
  });

  it('an attempt that runs past the provider’s deadline ends, even while bytes keep coming', async () => {
    up.script('free-model', { reply: Array.from({ length: 30 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 150 });
    const t0 = Date.now();
    const r = await post('/v1/chat/completions', chat(true));
    expect(r.text).toContain('"code":"stream_interrupted"');
    expect(r.text).toContain('1500 ms deadline');
    expect(Date.now() - t0).toBeLessThan(3500);
  });

  it('when every model goes silent the client gets a 504 (a timeout), and the deadline bounds the wait for the head too', async () => {
    up.script('*', { fault: 'stall' }, { fault: 'stall' }, { fault: 'stall' });
    const r = await post('/v1/chat/completions', chat(false));
    expect(r.status).toBe(504);
    expect(JSON.parse(r.text).error.errors.map((e: { type: string }) => e.type)).toEqual(['network', 'network', 'network']);
    up.reset();
    // freebie's deadline (1500ms) is shorter than its head timeout (60s): a silent upstream is given up on at the deadline
    up.script('free-model', { hang: true });
    const t0 = Date.now();
    const h = await post('/v1/chat/completions', chat(false));
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(h.headers.get('x-gw-model')).toBe('paidco/paid-model');
    const row = await logRow(h.headers.get('x-gw-request-id'));
    expect(row.attempt_list[0]!.message).toContain('1500 ms deadline');
  });

  it('an Anthropic stream that stalls after message_start is re-routed', async () => {
    up.script('claude-m', { fault: 'stall', faultAfterChunks: 1 });
    const r = await post('/v1/messages', { model: 'auto', max_tokens: 50, messages: hi, stream: true }, { 'x-up': 'claude' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gw-model')).toBe('backup/backup-model');
    expect(r.text).toContain('event: message_stop');
  });
});

describe('a stream request answered with something else', () => {
  const cases: [string, Step, string, RegExp][] = [
    ['HTML with status 200', { fault: 'html_200' }, 'server', /text\/html instead of an event stream/],
    ['a JSON error object with status 200', { fault: 'json_error_200' }, 'rate_limit', /Rate limit reached/],
    ['an empty event stream', { fault: 'empty_200' }, 'server', /ended before any data|empty body/],
    ['an error right after the role chunk', { fault: 'error_event' }, 'server', /Overloaded/],
  ];
  for (const [what, step, cls, message] of cases) {
    it(`${what}: a ${cls} failure retried before the client got a byte`, async () => {
      up.script('free-model', step);
      const r = await post('/v1/chat/completions', chat(true));
      expect(r.status).toBe(200);
      expect(r.headers.get('x-gw-model')).toBe('paidco/paid-model');
      expect(answerText(r.text)).toBe('ok from paid-model');
      expect(r.text).not.toContain('free-model');
      const row = await logRow(r.headers.get('x-gw-request-id'));
      expect(row.attempt_list[0]).toMatchObject({ model: 'free-model', ok: false, type: cls });
      expect(row.attempt_list[0]!.message).toMatch(message);
    });
  }

  it('the same on /v1/messages from an Anthropic upstream', async () => {
    for (const fault of ['html_200', 'json_error_200', 'empty_200', 'error_event'] as const) {
      up.script('claude-m', { fault });
      const r = await post('/v1/messages', { model: 'auto', max_tokens: 50, messages: hi, stream: true }, { 'x-up': 'claude' });
      expect(r.status, fault).toBe(200);
      expect(r.headers.get('x-gw-model'), fault).toBe('backup/backup-model');
      expect(answerText(r.text), fault).toBe('ok from backup-model');
      const row = await logRow(r.headers.get('x-gw-request-id'));
      expect(row.attempt_list[0], fault).toMatchObject({ model: 'claude-m', ok: false, type: fault === 'json_error_200' ? 'rate_limit' : 'server' });
    }
  });

  it('an empty answer is never logged as a 200 success', async () => {
    up.script('*', { fault: 'empty_200' }, { fault: 'empty_200' }, { fault: 'empty_200' });
    const r = await post('/v1/chat/completions', chat(true));
    expect(r.status).toBe(502);
    const row = await logRow(r.headers.get('x-gw-request-id'));
    expect(row.status).toBe(502);
  });
});

describe('a 200 whose JSON is an error object', () => {
  it('takes the upstream’s error class (rate_limit), and re-routes', async () => {
    up.script('free-model', { fault: 'json_error_200' });
    const r = await post('/v1/chat/completions', chat(false));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gw-model')).toBe('paidco/paid-model');
    const row = await logRow(r.headers.get('x-gw-request-id'));
    expect(row.attempt_list[0]).toMatchObject({ model: 'free-model', type: 'rate_limit', status: 429 });
  });

  it('when every model answers so, the client gets the error class’s status, not 200', async () => {
    up.script('*', { fault: 'json_error_200' }, { fault: 'json_error_200' }, { fault: 'json_error_200' });
    const r = await post('/v1/chat/completions', chat(false));
    expect(r.status).toBe(429);
    expect(JSON.parse(r.text).error.errors.map((e: { type: string }) => e.type)).toEqual(['rate_limit', 'rate_limit', 'rate_limit']);
    up.script('claude-m', { fault: 'json_error_200' });
    up.script('backup-model', { body: { error: { message: 'invalid key', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const m = await post('/v1/messages', { model: 'auto', max_tokens: 50, messages: hi }, { 'x-up': 'claude' });
    expect(m.status).toBe(502);
    expect(JSON.parse(m.text).error.message).toMatch(/claude\/claude-m .*Number of requests.*; backup\/backup-model .*invalid key/);
  });
});
