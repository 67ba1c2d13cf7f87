import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

type Env = Readonly<Record<string, string | undefined>>;

/** Does NO_PROXY exempt this host? Entries: `*`, `host`, `.suffix` or `suffix` (subdomains too), `host:port`. */
export function noProxy(url: URL, env: Env): boolean {
  const list = (env.NO_PROXY ?? env.no_proxy ?? '').split(/[\s,]+/).filter(Boolean);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of list) {
    if (raw === '*') return true;
    const [h, p] = raw.toLowerCase().split(/:(?=\d+$)/);
    if (p && p !== port) continue;
    const bare = h.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** This machine's own addresses never go through a proxy (local providers, tests' fakes). */
function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1';
}

/** The proxy an upstream URL goes through (never for loopback): HTTPS_PROXY for https, HTTP_PROXY for http (either case), unless NO_PROXY. */
export function proxyFor(url: URL, env: Env): URL | null {
  const raw = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!raw || isLoopback(url) || noProxy(url, env)) return null;
  try {
    return new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return null;
  }
}

/** Open a tunnel to host:port through an HTTP proxy with CONNECT (credentials in the proxy URL become Basic auth). */
function connectTunnel(proxy: URL, host: string, port: number, cb: (err: Error | null, socket?: Duplex) => void): void {
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  const mod = proxy.protocol === 'https:' ? https : http;
  const req = mod.request({ host: proxy.hostname, port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80), method: 'CONNECT', path: `${host}:${port}`, headers, agent: false });
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      cb(Object.assign(new Error(`proxy ${proxy.host} refused the tunnel to ${host}:${port}: HTTP ${res.statusCode}`), { code: 'EPROXY' }));
      return;
    }
    cb(null, socket);
  });
  req.once('error', (e) => cb(e));
  req.end();
}

/** Keep-alive agents whose connections are CONNECT tunnels through one proxy (TLS inside the tunnel for https). */
function tunnelAgents(proxy: URL) {
  class HttpTunnel extends http.Agent {
    override createConnection(o: http.ClientRequestArgs, cb: (err: Error | null, s?: Duplex) => void): Duplex | undefined {
      connectTunnel(proxy, String(o.host ?? o.hostname), Number(o.port ?? 80), cb);
      return undefined;
    }
  }
  class HttpsTunnel extends https.Agent {
    override createConnection(o: http.ClientRequestArgs & tls.ConnectionOptions, cb: (err: Error | null, s?: Duplex) => void): Duplex | undefined {
      const host = String(o.host ?? o.hostname);
      connectTunnel(proxy, host, Number(o.port ?? 443), (err, socket) => {
        if (err || !socket) return cb(err ?? new Error('no tunnel'));
        const t = tls.connect({ ...o, socket, servername: o.servername || host });
        t.once('secureConnect', () => cb(null, t));
        t.once('error', (e) => cb(e));
      });
      return undefined;
    }
  }
  const opts = { keepAlive: true, keepAliveMsecs: 1000, scheduling: 'lifo' as const };
  return { 'http:': new HttpTunnel(opts), 'https:': new HttpsTunnel(opts) };
}

const byProxy = new Map<string, ReturnType<typeof tunnelAgents>>();

let processProxyEnv: Env = process.env;

/**
 * The environment upstream calls read their proxy variables from when a call names none: `gw serve` sets it to the
 * process environment with the `.env` beside the policy read in, so a proxy set only in `.env` is honoured.
 */
export function useProxyEnv(env: Env): void {
  processProxyEnv = env;
}

/** The agent for an upstream URL when a proxy applies to it (one pool per proxy), else null: use the direct agents. */
export function proxyAgentFor(url: URL, env: Env = processProxyEnv): http.Agent | null {
  const proxy = proxyFor(url, env);
  if (!proxy || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  let agents = byProxy.get(proxy.href);
  if (!agents) byProxy.set(proxy.href, (agents = tunnelAgents(proxy)));
  return agents[url.protocol];
}
