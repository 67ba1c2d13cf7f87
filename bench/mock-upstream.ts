/**
 * A minimal, fast OpenAI chat completions upstream for the gateway bench (the test fixture
 * test/fixtures/fake-upstream.ts records every request and parses URLs and bodies, which costs more than
 * the gateway under test). Any POST is a chat completion: a fixed small JSON answer, or — when the body has
 * `"stream":true` — an SSE answer of 10 `data:` frames plus `[DONE]`, the first frame written at once.
 *
 *   node --import tsx bench/mock-upstream.ts [port]     prints `listening <port>` on stdout
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const id = 'chatcmpl-bench';
const created = 1_700_000_000;
const model = 'bench-model';
const usage = { prompt_tokens: 250, completion_tokens: 8, total_tokens: 258 };

const JSON_ANSWER = JSON.stringify({
  id,
  object: 'chat.completion',
  created,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok from the bench mock upstream', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage,
});

const frame = (choices: unknown[], withUsage = false) =>
  `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...(withUsage ? { usage } : {}) })}\n\n`;
const delta = (d: Record<string, unknown>, finish: string | null = null) => frame([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

const WORDS = ['ok', ' from', ' the', ' bench', ' mock', ' upstream', ' stream', '.'];
const FIRST = delta({ role: 'assistant', content: '' });
const REST = [...WORDS.map((w) => delta({ content: w })), delta({}, 'stop')].join('');
const USAGE = frame([], true);
const DONE = 'data: [DONE]\n\n';

export function createMockUpstream(): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (!body.includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(JSON_ANSWER) });
        res.end(JSON_ANSWER);
        return;
      }
      const tail = REST + (body.includes('"include_usage":true') ? USAGE : '') + DONE;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.write(FIRST); // headers and the first frame leave now (the server sockets are noDelay)
      setImmediate(() => res.end(tail));
    });
  });
}

export function listenMockUpstream(port = 0): Promise<{ server: http.Server; port: number }> {
  const server = createMockUpstream();
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { server, port } = await listenMockUpstream(Number(process.argv[2] ?? 0));
  process.stdout.write(`listening ${port}\n`);
  const stop = () => server.close(() => process.exit(0)).closeAllConnections();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
