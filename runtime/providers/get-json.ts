import { keepAliveFetch } from './keep-alive-fetch.ts';
import { readCapped } from './sse.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A model list or balance answer is small; OpenRouter's full list is a few MB. */
const MAX_GET_BODY = 32 * 1024 * 1024;

export type GetJson =
  | { ok: true; status: number; body: unknown; text: string; latencyMs: number }
  | {
      ok: false;
      /** unreachable: no answer (connect, TLS, timeout, proxy); auth: 401/403; http: another status; json: not JSON */
      kind: 'unreachable' | 'auth' | 'http' | 'json';
      status: number | null;
      detail: string;
      latencyMs: number | null;
    };

/**
 * GET a JSON document from a provider's API (its model list, its balance) over the same transport as the gateway's
 * upstream calls: keep-alive agents, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY read from `env` (the policy's `.env`
 * included). Never throws; the detail never holds the request's headers (the key).
 */
export async function getJson(url: string, headers: Record<string, string>, env: Env, timeoutMs = 10_000): Promise<GetJson> {
  const t0 = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await keepAliveFetch(url, { headers: { accept: 'application/json', ...headers }, signal, headersTimeoutMs: timeoutMs, deadlineMs: timeoutMs, proxyEnv: env });
    const latencyMs = Math.round(performance.now() - t0);
    const text = await readCapped(res.body, MAX_GET_BODY, res.headers.get('content-length'));
    if (res.status === 401 || res.status === 403) return { ok: false, kind: 'auth', status: res.status, detail: `HTTP ${res.status}: the key was refused`, latencyMs };
    if (res.status < 200 || res.status >= 300) return { ok: false, kind: 'http', status: res.status, detail: `HTTP ${res.status}`, latencyMs };
    try {
      return { ok: true, status: res.status, body: JSON.parse(text) as unknown, text, latencyMs };
    } catch {
      return { ok: false, kind: 'json', status: res.status, detail: 'the answer is not JSON', latencyMs };
    }
  } catch (e) {
    const err = e as Error & { code?: string; cause?: { code?: string } };
    const code = err.code ?? err.cause?.code ?? (err.name === 'TimeoutError' || signal.aborted ? 'timeout' : err.message);
    const tls = /CERT|SSL|TLS/i.test(String(code));
    const proxy = code === 'EPROXY';
    return { ok: false, kind: 'unreachable', status: null, detail: proxy ? err.message : `${tls ? 'TLS failed' : 'cannot connect'}: ${code}`, latencyMs: null };
  }
}
