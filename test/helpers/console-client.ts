import type { RunningGateway } from './gateway.ts';

/** A browser-like client of the console API: keeps the session cookie, sends the CSRF token on state changes. */
export interface ConsoleClient {
  cookie: string | null;
  csrf: string | null;
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Headers; text: string }>;
  login(token: string): Promise<{ status: number; json: any; headers: Headers }>;
}

export function consoleClient(g: RunningGateway): ConsoleClient {
  const c: ConsoleClient = {
    cookie: null,
    csrf: null,
    async send(method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      if (body !== undefined) h['content-type'] = 'application/json';
      if (c.cookie && !('cookie' in h)) h.cookie = c.cookie;
      if (c.csrf && method !== 'GET' && !('x-gw-csrf' in h)) h['x-gw-csrf'] = c.csrf;
      const r = await fetch(`${g.url}${path}`, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const set = r.headers.get('set-cookie');
      if (set) {
        const m = /gw_console=([^;]*)/.exec(set);
        c.cookie = m && m[1] ? `gw_console=${m[1]}` : null;
      }
      const text = await r.text();
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: r.status, json, headers: r.headers, text };
    },
    async login(token) {
      const r = await c.send('POST', '/console/api/login', { token });
      if (r.status === 200) c.csrf = r.json.csrf;
      return r;
    },
  };
  return c;
}
