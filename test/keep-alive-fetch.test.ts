import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '../runtime/providers/keep-alive-fetch.ts';
import { postUpstream } from '../runtime/providers/upstream-fetch.ts';
import { readCapped } from '../runtime/providers/sse.ts';

/** An upstream that compresses whatever the client asked for (some CDNs do), and counts its connections. */
const ANSWER = JSON.stringify({ id: 'x', choices: [{ message: { content: 'ok '.repeat(200) } }] });
let server: http.Server;
let base = '';
let connections = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/moved') {
        res.writeHead(308, { location: 'https://api.example.invalid/v1/chat/completions' }).end();
        return;
      }
      const enc = req.url?.split('/')[1] ?? '';
      const body = enc === 'gzip' ? gzipSync(ANSWER) : enc === 'br' ? brotliCompressSync(ANSWER) : enc === 'deflate' ? deflateSync(ANSWER) : Buffer.from(ANSWER);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...(enc === 'plain' ? {} : { 'content-encoding': enc }) });
      res.end(body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('keepAliveFetch', () => {
  it.each(['gzip', 'br', 'deflate', 'plain'])('reads a %s answer as its text', async (enc) => {
    const r = await keepAliveFetch(`${base}/${enc}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(await readCapped(r.body, 1 << 20, r.headers.get('content-length'))).toBe(ANSWER);
  });

  it('keeps the connection for the next call, and postUpstream classifies nothing on a 200', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const r = await postUpstream(`${base}/plain`, { model: 'm' }, {}, { timeoutMs: 5000, signal: new AbortController().signal });
      expect(r.ok).toBe(true);
      if (r.ok) expect(JSON.parse(await readCapped(r.body, 1 << 20, null)).id).toBe('x');
    }
    expect(connections - before).toBeLessThanOrEqual(1);
  });

  it('does not follow a redirect (the key stays with its provider): a clear failure naming where it points', async () => {
    const r = await postUpstream(`${base}/moved`, { model: 'm' }, { authorization: 'Bearer sk-secret' }, { timeoutMs: 5000, signal: new AbortController().signal });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      // a misconfigured model, as far as this request goes: another model may answer it (502 when none does)
      expect(r.failure.class).toBe('server');
      expect(r.failure.message).toBe('308 the upstream redirects to https://api.example.invalid/v1/chat/completions: set the provider base_url there');
    }
  });
});
