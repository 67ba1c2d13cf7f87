import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * A loopback CONNECT proxy: every tunnel, whatever host it names, goes to a port on 127.0.0.1 (`portFor(host)`, or
 * one upstream port); a host starting `denied.test` is refused with 403. `seen` lists each tunnel's target and the
 * Proxy-Authorization it came with.
 */
export function startProxy(upstream: number | ((host: string) => number)): { server: Server; seen: string[]; sockets: Set<Socket> } {
  const portFor = typeof upstream === 'number' ? () => upstream : upstream;
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`${req.url} ${req.headers['proxy-authorization'] ?? ''}`.trim());
    if (String(req.url).startsWith('denied.test')) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const up = connect(portFor(String(req.url).replace(/:\d+$/, '')), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  return { server, seen, sockets };
}
