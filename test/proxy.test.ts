import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '../runtime/providers/keep-alive-fetch.ts';
import { noProxy, proxyFor } from '../runtime/providers/proxy-agent.ts';
import { startProxy } from './helpers/connect-proxy.ts';

describe('HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  let upstream: Server;
  let proxy: ReturnType<typeof startProxy>;
  let proxyUrl = '';
  let upstreamPort = 0;
  const saved = { ...process.env };
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ host: req.headers.host, url: req.url }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    proxy = startProxy(upstreamPort);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxyUrl = `http://gw:s3cret@127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    process.env = saved;
    for (const s of proxy.sockets) s.destroy();
    await new Promise((r) => proxy.server.close(r));
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  it('picks the proxy by scheme, and NO_PROXY and loopback bypass it', () => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'proxy.lan:3128', NO_PROXY: 'internal.example, .corp.example,api.x.ai:8443' };
    expect(proxyFor(new URL('https://api.openai.com/v1'), env)?.href).toBe('http://p:1/');
    expect(proxyFor(new URL('http://api.example/v1'), env)?.href).toBe('http://proxy.lan:3128/');
    expect(proxyFor(new URL('https://internal.example/v1'), env)).toBeNull();
    expect(proxyFor(new URL('https://a.corp.example/v1'), env)).toBeNull();
    expect(proxyFor(new URL('https://api.x.ai/v1'), env)?.href).toBe('http://p:1/'); // port 443, not 8443
    expect(proxyFor(new URL('http://127.0.0.1:11434/v1'), env)).toBeNull();
    expect(proxyFor(new URL('http://localhost:11434/v1'), env)).toBeNull();
    expect(proxyFor(new URL('https://api.openai.com/v1'), {})).toBeNull();
    expect(noProxy(new URL('https://anything.example'), { NO_PROXY: '*' })).toBe(true);
  });

  it('upstream calls go through a CONNECT tunnel with the proxy credentials, and the host is never resolved here', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    // upstream.test does not resolve: only the proxy knows where it is
    const res = await keepAliveFetch(`http://upstream.test:${upstreamPort}/v1/models`);
    const body = JSON.parse(await new Promise<string>((r) => {
      let t = '';
      res.body.on('data', (c) => (t += c));
      res.body.on('end', () => r(t));
    }));
    expect(res.status).toBe(200);
    expect(body).toEqual({ host: `upstream.test:${upstreamPort}`, url: '/v1/models' });
    expect(proxy.seen.at(-1)).toBe(`upstream.test:${upstreamPort} Basic ${Buffer.from('gw:s3cret').toString('base64')}`);
  });

  it('a tunnel the proxy refuses is a clear error', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    await expect(keepAliveFetch('http://denied.test/v1/models')).rejects.toThrow(/refused the tunnel to denied\.test:80: HTTP 403/);
  });

  it('NO_PROXY sends the call direct', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    process.env.NO_PROXY = 'upstream.test';
    const before = proxy.seen.length;
    await expect(keepAliveFetch(`http://upstream.test:${upstreamPort}/`)).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
    expect(proxy.seen.length).toBe(before);
  });
});
