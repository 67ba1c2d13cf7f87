/**
 * Floors for the gateway bench: the least a proxy in front of the mock upstream can cost on this machine, measured in
 * the same run as gw. Each forwards POST /v1/chat/completions to the upstream over a keep-alive agent and pipes the
 * answer back, with no routing, no accounting and no logging:
 *
 *   node --import tsx bench/bare-proxy.ts node UPSTREAM_PORT [port]   plain node:http server
 *   node --import tsx bench/bare-proxy.ts h3   UPSTREAM_PORT [port]   inside an h3 app served like gw: JSON read whole and
 *                                                                     sent as a string FastResponse, streams piped (as gw does)
 *
 * Prints `listening <port>` on stdout.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { H3, toNodeHandler } from 'h3';
import { FastResponse } from 'srvx';

const [mode = 'node', upstreamPort = '0', port = '0'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function forward(body: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const up = http.request(
      { host: '127.0.0.1', port: Number(upstreamPort), path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      resolve,
    );
    up.once('error', reject);
    up.end(body);
  });
}

async function nodeHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const up = await forward(await readBody(req));
    res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json' });
    up.pipe(res);
  } catch {
    res.writeHead(502).end();
  }
}

function h3Handler() {
  const app = new H3();
  app.post('/v1/chat/completions', async (event) => {
    const nodeReq = (event.req as { runtime?: { node?: { req: IncomingMessage } } }).runtime!.node!.req;
    const body = await readBody(nodeReq);
    const up = await forward(body);
    const init = { status: up.statusCode ?? 502, headers: { 'content-type': up.headers['content-type'] ?? 'application/json' } };
    // as gw answers: a stream piped through as it comes, JSON read whole and sent as one string
    if (body.includes('"stream":true')) return new FastResponse(up, init);
    return new FastResponse((await readBody(up)).toString('utf8'), init);
  });
  return toNodeHandler(app);
}

const server = http.createServer(mode === 'h3' ? h3Handler() : (req, res) => void nodeHandler(req, res));
server.keepAliveTimeout = 30_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
const stop = () => server.close(() => process.exit(0)).closeAllConnections();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
