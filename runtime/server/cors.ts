import type { DecisionTable } from '../types/decision-table.ts';

/** Headers a browser may read from gw's answers (beyond the CORS-safelisted ones). */
const EXPOSED = 'retry-after, request-id, x-request-id, x-gw-request-id, x-gw-model, x-gw-scenario, x-gw-tier, x-gw-attempts, x-gw-overhead-ms, x-gw-policy-generation, x-gw-pii';
const METHODS = 'GET, POST, PUT, DELETE, OPTIONS';

/** The origin when `gateway { cors … }` allows it, else null (CORS off, no Origin header, or another origin). */
export function allowedOrigin(table: DecisionTable, headers: Headers): string | null {
  const cors = table.gateway.cors;
  if (!cors) return null;
  const origin = headers.get('origin');
  if (!origin) return null;
  return cors.any || cors.origins.includes(origin) ? origin : null;
}

/** The answer to a preflight (OPTIONS with Access-Control-Request-Method), or null when the request is not one. */
export function preflight(table: DecisionTable, req: Request): Response | null {
  if (req.method !== 'OPTIONS' || !table.gateway.cors || !req.headers.has('access-control-request-method')) return null;
  const origin = allowedOrigin(table, req.headers);
  const vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  if (!origin) return new Response(null, { status: 403, headers: { vary } });
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': METHODS,
      // every header the browser asks for: the SDKs send their own (x-stainless-*, anthropic-*)
      'access-control-allow-headers': req.headers.get('access-control-request-headers') ?? 'authorization, content-type',
      'access-control-max-age': '600',
      vary,
    },
  });
}

/** The answer with the CORS headers of an allowed origin. */
export function withCors(res: Response, origin: string): Response {
  const headers = new Headers(res.headers);
  headers.set('access-control-allow-origin', origin);
  headers.set('access-control-expose-headers', EXPOSED);
  headers.append('vary', 'Origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
