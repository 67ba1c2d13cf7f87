import { writeFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, type RunningGateway } from './helpers/gateway.ts';

const BODY = (gateway: string) => `
${gateway}
model freebie/free-model { context 32k  free 1M tokens every day }
scenario chat { free freebie/free-model }
`;
const APP = 'https://app.example';
/** Request headers a browser sends without asking (CORS-safelisted), so never in Access-Control-Request-Headers. */
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language']);

let up: FakeUpstream;
let g: RunningGateway;

/** The headers the official SDK sends from a browser (dangerouslyAllowBrowser), captured from its own fetch. */
async function sdkHeaders(kind: 'openai' | 'anthropic'): Promise<string[]> {
  let seen: Headers | null = null;
  const capture = async (url: string | URL | Request, init?: RequestInit) => {
    seen = new Headers(init?.headers);
    return fetch(url, init);
  };
  if (kind === 'openai') {
    const c = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'sk-browser', dangerouslyAllowBrowser: true, fetch: capture as never, maxRetries: 0 });
    await c.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
  } else {
    const c = new Anthropic({ baseURL: g.url, apiKey: 'sk-browser', dangerouslyAllowBrowser: true, fetch: capture as never, maxRetries: 0 });
    await c.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  }
  return [...seen!.keys()].map((k) => k.toLowerCase()).filter((k) => !SAFELISTED.has(k)).sort();
}

function preflight(path: string, origin: string, headers: string[]): Promise<Response> {
  return fetch(`${g.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers.join(',') },
  });
}

beforeAll(async () => {
  up = await startFakeUpstream();
  g = await startGateway(policyFor(up, BODY(`gateway { cors "${APP}" "http://localhost:5173" }`), ['freebie']));
});
afterAll(async () => {
  await g?.close();
  await up?.close();
});

describe('CORS', () => {
  for (const [kind, path] of [['openai', '/v1/chat/completions'], ['anthropic', '/v1/messages']] as const) {
    it(`answers the preflight of the ${kind} SDK's browser request, and the answer carries the allow and expose headers`, async () => {
      const asked = await sdkHeaders(kind);
      expect(asked.includes('authorization') || asked.includes('x-api-key'), asked.join(' ')).toBe(true);
      expect(asked.some((h) => h.startsWith('x-stainless-'))).toBe(true);
      if (kind === 'anthropic') expect(asked).toContain('anthropic-dangerous-direct-browser-access');
      const pre = await preflight(path, APP, asked);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = pre.headers.get('access-control-allow-headers')!.toLowerCase().split(/\s*,\s*/);
      for (const h of asked) expect(allowed).toContain(h);
      // the real request from that origin
      const res = await fetch(`${g.url}${path}`, {
        method: 'POST',
        headers: { origin: APP, 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')).toContain('x-gw-model');
      expect(res.headers.get('vary')).toContain('Origin');
    });
  }

  it('a streamed answer to an allowed origin streams, with the CORS headers', async () => {
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('data: [DONE]');
    expect(text.split('\n\n').filter((f) => f.startsWith('data: {')).length).toBeGreaterThan(1);
  });

  it('refuses the preflight of an origin not listed, and gives its requests no CORS headers', async () => {
    const pre = await preflight('/v1/chat/completions', 'https://evil.example', ['authorization', 'content-type']);
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(`${g.url}/v1/models`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is off by default and follows a policy reload (cors any)', async () => {
    writeFileSync(g.policyPath, policyFor(up, BODY(''), ['freebie']));
    expect(g.gw.holder.reload()).toBe(true);
    const off = await preflight('/v1/chat/completions', APP, ['authorization']);
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${g.url}/v1/models`, { headers: { origin: APP } })).headers.get('access-control-allow-origin')).toBeNull();
    writeFileSync(g.policyPath, policyFor(up, BODY('gateway { cors any }'), ['freebie']));
    expect(g.gw.holder.reload()).toBe(true);
    const any = await preflight('/v1/chat/completions', 'http://localhost:8080', ['authorization']);
    expect(any.status).toBe(204);
    expect(any.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
  });
});
