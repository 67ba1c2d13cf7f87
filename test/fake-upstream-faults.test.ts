import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, type Step } from './fixtures/fake-upstream.ts';

/** The fake upstream's fault modes, on the wire: what a gateway in front of it has to cope with. */
let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up.close();
});

const KEY = 'sk-echo-me-123456';

async function send(protocol: 'openai' | 'anthropic', stream: boolean, step: Step, timeoutMs = 2000) {
  up.script('m', step);
  const anthropic = protocol === 'anthropic';
  const r = await fetch(`${up.url}/p/v1/${anthropic ? 'messages' : 'chat/completions'}`, {
    method: 'POST',
    headers: anthropic
      ? { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'x-relay-token': 'hdr-secret-1' }
      : { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'x-relay-token': 'hdr-secret-1' },
    body: JSON.stringify({ model: 'm', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], stream }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text().catch((e: Error) => `<<${e.name}>>`);
  return { status: r.status, type: r.headers.get('content-type') ?? '', text };
}

describe('fake upstream fault modes', () => {
  it('html_200, json_error_200 and empty_200 answer 200 with something that is not an answer', async () => {
    const html = await send('openai', true, { fault: 'html_200' });
    expect([html.status, html.type]).toEqual([200, 'text/html; charset=utf-8']);
    expect(html.text).toContain('<h1>Bad Gateway</h1>');
    const err = await send('anthropic', false, { fault: 'json_error_200' });
    expect(err.status).toBe(200);
    expect(JSON.parse(err.text)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const empty = await send('openai', true, { fault: 'empty_200' });
    expect([empty.status, empty.type, empty.text]).toEqual([200, 'text/event-stream; charset=utf-8', '']);
  });

  it('error_after_first_byte and error_event end a stream with the protocol’s error frame, echoing the credentials', async () => {
    const oa = await send('openai', true, { fault: 'error_after_first_byte' });
    const frames = oa.text.trim().split('\n\n');
    expect(frames).toHaveLength(4);
    expect(JSON.parse(frames[3]!.slice(6)).error.message).toContain(`authorization=Bearer ${KEY}`);
    expect(frames[3]).toContain('x-relay-token=hdr-secret-1');
    const an = await send('anthropic', true, { fault: 'error_event' });
    expect(an.text).toMatch(/^event: message_start\n[^]*\n\nevent: error\ndata: \{"type":"error","error":\{"type":"overloaded_error"/);
    expect(an.text).toContain(`x-api-key=${KEY}`);
    const plain = await send('openai', false, { status: 401, echoKey: true });
    expect(plain.status).toBe(401);
    expect(JSON.parse(plain.text).error.message).toContain(KEY);
  });

  it('stall sends the start and then nothing, with the connection open', async () => {
    const s = await send('openai', true, { fault: 'stall', faultAfterChunks: 2 }, 400);
    expect(s.status).toBe(200);
    expect(s.text).toBe('<<TimeoutError>>');
    const j = await send('anthropic', false, { fault: 'stall' }, 400);
    expect(j.text).toBe('<<TimeoutError>>');
  });
});
