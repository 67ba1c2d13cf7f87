import type { H3 } from 'h3';
import type { Env } from '../../providers/keys.ts';
import type { Ledger } from '../../state/ledger.ts';
import type { LiveState } from '../../state/live-state.ts';
import type { Scrubber } from '../../secrets/scrubber.ts';
import { readJsonObject } from '../body.ts';
import { jsonResponse } from '../errors.ts';
import type { PolicyHolder } from '../policy-holder.ts';
import { decodeParam } from '../route-errors.ts';
import { scrubbedResponse } from '../scrubbed-response.ts';
import { clearCookie, checkOrigin, consoleSession, consoleToken, requireLoopback, sessionCookie, setCookie, tokenMatches, tokenTag } from './console-auth.ts';
import { consoleError, consoleErrorResponse } from './console-errors.ts';
import { logDetail, logsPage } from './logs.ts';
import { overviewBody, parseRange } from './overview.ts';
import { checkText, policyBody, savePolicy } from './policy-file.ts';
import { consoleQuotas } from './quotas.ts';
import { SessionStore, type ConsoleSession } from './session-store.ts';
import { staticFiles } from './static-files.ts';
import { figuresByProvider, registerQuota } from '../ledger-routes.ts';
import type { ProviderState } from '../../state/provider-state.ts';
import type { ClientRegistry } from '../../state/client-registry.ts';
import type { MasterKey, Vault } from '../../state/vault.ts';
import { secretsRoutes } from '../secrets-routes.ts';
import { createKey, listKeys, revokeKey } from './client-keys-view.ts';
import { alertsView, sendTestAlert } from './alerts-view.ts';
import { providersView, testProvider } from './providers-view.ts';
import { explainPlayground } from './explain-playground.ts';
import { EventHub } from './events.ts';
import { logRowJson } from './logs.ts';

export interface ConsoleContext {
  holder: PolicyHolder;
  ledger: Ledger;
  live: LiveState;
  env: Env;
  /** the scrubber of the policy being served: no console answer holds a secret */
  scrubber: () => Scrubber;
  /** the built console's directory (default dist/console/) */
  dir?: string;
  /** client keys (gw keys) */
  registry: ClientRegistry;
  /** the key vault, its master key, and what to call once a secret changed */
  vault: Vault;
  master: () => MasterKey | null;
  vaultChanged: () => void;
  /** the last provider sync's lists and balances (the providers' own figures beside the quotas) */
  providers?: ProviderState;
}

export interface ConsoleApi {
  ctx: ConsoleContext;
  sessions: SessionStore;
  hub: EventHub;
  /** a JSON route under /console/api/ that needs a console session; `handler` returns a body (200) or a Response */
  route(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: (req: Request, session: ConsoleSession) => unknown): void;
}

const BODY_LIMIT = 1024 * 1024;
const iso = (t: number) => new Date(t).toISOString();
/** The request's last path segment, decoded. */
export const lastSegment = (req: Request, name: string) => decodeParam(new URL(req.url).pathname.split('/').pop() ?? '', name);
export const readBody = (req: Request) => readJsonObject(req, BODY_LIMIT);

/** The answer with one more header. */
function withHeader(res: Response, name: string, value: string): Response {
  const headers = new Headers(res.headers);
  headers.append(name, value);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * The console: its built app under /console (any page path answers index.html) and its JSON API under /console/api/,
 * which a console session opens (login with the admin token; without one, loopback peers only). Every answer goes
 * through the policy's scrubber: no secret value ever reaches the browser.
 */
export function consoleRoutes(app: H3, ctx: ConsoleContext): ConsoleApi {
  const sessions = new SessionStore();
  const table = () => ctx.holder.current.table;
  const secure = (req: Request) => new URL(req.url).protocol === 'https:';
  const answer = async (run: () => unknown | Promise<unknown>): Promise<unknown> => {
    try {
      const v = await run();
      // an event stream never ends: its frames are scrubbed one by one (events.ts)
      if (v instanceof Response && v.headers.get('content-type')?.startsWith('text/event-stream')) return v;
      return await scrubbedResponse(v instanceof Response ? v : jsonResponse(200, v), ctx.scrubber());
    } catch (e) {
      const r = consoleErrorResponse(e);
      if (r) return r;
      throw e;
    }
  };
  const route: ConsoleApi['route'] = (method, path, handler) => {
    const h = (event: { req: Request }) =>
      answer(async () => {
        const { session, fresh } = consoleSession(event.req, table(), ctx.env, sessions);
        const res = await handler(event.req, session);
        if (!fresh) return res;
        return withHeader(res instanceof Response ? res : jsonResponse(200, res), 'set-cookie', setCookie(session, secure(event.req)));
      });
    if (method === 'GET') app.get(path, h);
    else if (method === 'POST') app.post(path, h);
    else if (method === 'PUT') app.put(path, h);
    else app.delete(path, h);
  };

  // ---- session ---------------------------------------------------------------------------------------------------
  app.post('/console/api/login', (event) =>
    answer(async () => {
      const req = event.req;
      const token = consoleToken(table(), ctx.env);
      if (token === null) requireLoopback(req);
      checkOrigin(req);
      const body = await readJsonObject(req, 64 * 1024);
      if (token !== null && !tokenMatches(body.token, token)) throw consoleError(401, 'wrong admin token', 'bad_token');
      sessions.delete(sessionCookie(req.headers));
      const s = sessions.create(tokenTag(token));
      return jsonResponse(200, { csrf: s.csrf, expires_at: iso(s.expiresAt), auth_required: token !== null }, { 'set-cookie': setCookie(s, secure(req)), 'cache-control': 'no-store' });
    }),
  );
  route('POST', '/console/api/logout', (req) => {
    sessions.delete(sessionCookie(req.headers));
    return new Response(null, { status: 204, headers: { 'set-cookie': clearCookie() } });
  });
  app.get('/console/api/session', (event) =>
    answer(() => {
      try {
        const { session, fresh, authRequired } = consoleSession(event.req, table(), ctx.env, sessions);
        const headers: Record<string, string> = { 'cache-control': 'no-store' };
        if (fresh) headers['set-cookie'] = setCookie(session, secure(event.req));
        return jsonResponse(200, { authenticated: true, csrf: session.csrf, expires_at: iso(session.expiresAt), auth_required: authRequired }, headers);
      } catch (e) {
        const r = consoleErrorResponse(e);
        if (r?.status === 401) return jsonResponse(401, { error: { message: 'not logged in: POST /console/api/login with the admin token', code: 'not_logged_in' }, authenticated: false, auth_required: true });
        throw e;
      }
    }),
  );

  // ---- data ------------------------------------------------------------------------------------------------------
  route('GET', '/console/api/overview', (req) => overviewBody(table(), ctx.ledger, parseRange(new URL(req.url).searchParams.get('range')), Date.now()));
  route('GET', '/console/api/quotas', () => consoleQuotas(table(), ctx.ledger, Date.now(), figuresByProvider(table(), ctx.ledger, ctx.providers)));
  route('POST', '/console/api/quotas', async (req) => jsonResponse(201, registerQuota(ctx.holder, ctx.ledger, await readJsonObject(req, 64 * 1024))));
  route('GET', '/console/api/logs', (req) => logsPage(ctx.ledger, new URL(req.url).searchParams));
  route('GET', '/console/api/logs/:id', (req) => logDetail(table(), ctx.ledger, lastSegment(req, 'request id')));
  route('GET', '/console/api/policy', () => policyBody(ctx.holder, ctx.env));
  route('POST', '/console/api/policy/check', async (req) => {
    const body = await readBody(req);
    if (typeof body.text !== 'string') throw consoleError(400, 'send {"text": "<routes.gw>"}', 'invalid_value', { param: 'text' });
    return { diagnostics: checkText(ctx.holder, ctx.env, body.text).diagnostics };
  });
  route('PUT', '/console/api/policy', async (req) => savePolicy(ctx.holder, ctx.env, await readBody(req)));

  route('POST', '/console/api/explain', async (req) => {
    const now = Date.now();
    return explainPlayground(table(), ctx.ledger.snapshot(table(), now), await readBody(req), now, ctx.scrubber());
  });

  // ---- providers, keys, secrets, alerts ----------------------------------------------------------------------------
  route('GET', '/console/api/providers', () => providersView(table(), ctx.env));
  route('POST', '/console/api/providers/:name/test', (req) => testProvider(table(), ctx.env, decodeParam(new URL(req.url).pathname.split('/').at(-2) ?? '', 'provider')));
  route('GET', '/console/api/keys', () => listKeys(ctx.registry, ctx.ledger, Date.now()));
  route('POST', '/console/api/keys', async (req) => jsonResponse(201, createKey(ctx.registry, ctx.ledger, table(), await readBody(req), Date.now())));
  route('DELETE', '/console/api/keys/:name', (req) => revokeKey(ctx.registry, lastSegment(req, 'name'), Date.now()));
  const guard = (h: (req: Request) => unknown) => (event: { req: Request }) =>
    answer(() => {
      consoleSession(event.req, table(), ctx.env, sessions);
      return h(event.req);
    });
  secretsRoutes(app, { vault: ctx.vault, guard, master: ctx.master, changed: ctx.vaultChanged }, '/console/api/secrets');
  route('GET', '/console/api/alerts', (req) => alertsView(table(), ctx.ledger, ctx.env, new URL(req.url).searchParams, Date.now()));
  route('POST', '/console/api/alerts/test', () => sendTestAlert(table(), ctx.env, Date.now()));

  // ---- live --------------------------------------------------------------------------------------------------------
  const hub = new EventHub({
    stats: () => overviewBody(table(), ctx.ledger, 'today', Date.now()),
    logRow: (row) => logRowJson(row),
    policy: () => ({ generation: ctx.holder.current.generation, ok: ctx.holder.lastError === null }),
    scrub: (text) => ctx.scrubber().text(text),
    listen: (onRow) => {
      ctx.ledger.recorded.add(onRow);
      return () => ctx.ledger.recorded.delete(onRow);
    },
  });
  app.get('/console/api/events', (event) =>
    answer(() => {
      const { session } = consoleSession(event.req, table(), ctx.env, sessions);
      return hub.open(event.req.signal ?? null, () => sessions.get(session.id) !== null);
    }),
  );

  const api: ConsoleApi = { ctx, sessions, route, hub };
  return api;
}

/**
 * The console's last routes: an unknown /console/api/ path is a JSON 404; every other /console path is the app.
 * Registered after every API route (and before the gateway's catch-all).
 */
export function consoleFallback(app: H3, api: ConsoleApi): void {
  const serve = staticFiles(api.ctx.dir);
  const unknown = (event: { req: Request }) =>
    jsonResponse(404, { error: { message: `no console API route ${event.req.method} ${new URL(event.req.url).pathname.slice(0, 200)}`, code: 'unknown_url' } });
  app.all('/console/api/**', unknown);
  const page = (event: { req: Request }) => {
    const { holder, env } = api.ctx;
    try {
      if (consoleToken(holder.current.table, env) === null) requireLoopback(event.req);
    } catch (e) {
      return consoleErrorResponse(e) ?? Promise.reject(e);
    }
    return serve(event.req, new URL(event.req.url).pathname);
  };
  app.get('/console', page);
  app.get('/console/**', page);
}
