import { H3 } from 'h3';
import type { CallDeps } from '../gateway/route-and-call.ts';
import { anthropicAdapter } from '../providers/anthropic-adapter.ts';
import { openaiAdapter } from '../providers/openai-adapter.ts';
import type { Env } from '../providers/keys.ts';
import { LiveState } from '../state/live-state.ts';
import { checkAuth, gatewayToken } from './auth.ts';
import { chatCompletions } from './chat-route.ts';
import { errorResponse, GwError, jsonResponse } from './errors.ts';
import { anthropicCountTokens, anthropicMessages } from './messages-route.ts';
import { modelRetrieve, modelsList } from './models-route.ts';
import { PolicyHolder } from './policy-holder.ts';
import { consoleLogger, type Logger } from './log.ts';
import { watchPolicy } from './watch-policy.ts';
import { ledgerRoutes } from './ledger-routes.ts';
import { Ledger } from '../state/ledger.ts';
import { openDatabase } from '../state/sqlite-store.ts';
import { applyOverlay } from '../state/overlay.ts';
import { statePath } from '../state/state-path.ts';
import { startCheckpointer } from '../state/checkpointer.ts';
import { ResponseStore } from '../state/response-store.ts';
import { createResponse, deleteResponse, getResponse, listInputItems } from './responses-route.ts';

export interface GatewayOptions {
  policyPath: string;
  env?: Env;
  log?: Logger;
  /** watch the policy file and hot-reload it (default true) */
  watch?: boolean;
  now?: () => number;
  random?: () => number;
  /** the state database; default: the policy's `gateway { state … }`, relative to the policy file */
  statePath?: string;
}

export interface Gateway {
  app: H3;
  holder: PolicyHolder;
  live: LiveState;
  deps: CallDeps;
  ledger: Ledger;
  /** resolves once the policy watcher is armed */
  watching: Promise<void>;
  close(): Promise<void>;
}

/** Build the gateway: load the policy (throws with the diagnostics when it does not compile), wire the routes. */
export function createGateway(opts: GatewayOptions): Gateway {
  const env = opts.env ?? process.env;
  const log = opts.log ?? consoleLogger();
  const holder = new PolicyHolder(opts.policyPath, env, log, opts.policyPath.replace(/^.*[\\/]/, ''));
  if (!holder.reload()) throw new Error(`the policy ${opts.policyPath} does not compile:\n${holder.lastError?.report ?? ''}`);
  const live = new LiveState();
  const ledger = new Ledger(openDatabase(opts.statePath ?? statePath(holder.current.table, opts.policyPath)), { log, env });
  holder.setTransform((t) => applyOverlay(t, ledger.overlays.all()).table);
  ledger.prune(holder.current.table, Date.now());
  ledger.startAlertTimer(() => holder.current.table);
  const checkpointer = startCheckpointer(ledger.db, { onError: (m) => log.warn(m) });
  const deps: CallDeps = {
    env,
    adapters: { openai: openaiAdapter, anthropic: anthropicAdapter },
    live,
    accounting: ledger,
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
  };
  const started = Math.floor(Date.now() / 1000);
  const app = new H3();
  const guarded = (handler: (req: Request) => unknown) => async (event: { req: Request }) => {
    try {
      checkAuth(event.req.headers, gatewayToken(holder.current.table, env));
      return await handler(event.req);
    } catch (e) {
      if (e instanceof GwError) return errorResponse(e);
      throw e;
    }
  };
  app.post('/v1/chat/completions', (event) => chatCompletions(event.req, { holder, deps, log, recorder: ledger }));
  const responses = new ResponseStore(ledger.db);
  responses.prune(holder.current.table.gateway.logs.keepMs, holder.current.table.gateway.logs.keepRows, Date.now());
  const rctx = { holder, deps, log, recorder: ledger, responses };
  app.post('/v1/responses', (event) => createResponse(event.req, rctx));
  // ids are the path's last segment(s); the Responses API's are `resp_…` (no '/')
  const responseId = (req: Request, suffix = '') => decodeURIComponent(new URL(req.url).pathname.slice('/v1/responses/'.length, suffix ? -suffix.length : undefined));
  app.get('/v1/responses/:id/input_items', guarded((req) => listInputItems(responseId(req, '/input_items'), new URL(req.url), rctx)));
  app.get('/v1/responses/:id', guarded((req) => getResponse(responseId(req), rctx)));
  app.delete('/v1/responses/:id', guarded((req) => deleteResponse(responseId(req), rctx)));
  app.post('/v1/messages', (event) => anthropicMessages(event.req, { holder, deps, log, recorder: ledger }));
  app.post('/v1/messages/count_tokens', (event) => anthropicCountTokens(event.req, { holder, deps, log, recorder: ledger }));
  ledgerRoutes(app, { holder, ledger, live, guard: guarded });
  app.get('/v1/models', guarded(() => jsonResponse(200, modelsList(holder.current.table, started))));
  app.get(
    '/v1/models/**',
    guarded((req) => {
      const id = decodeURIComponent(new URL(req.url).pathname.slice('/v1/models/'.length));
      const m = modelRetrieve(holder.current.table, started, id);
      if (!m) throw new GwError(404, 'invalid_request_error', `The model '${id}' does not exist`, 'model_not_found', { param: 'model' });
      return jsonResponse(200, m);
    }),
  );
  app.get('/health', () => jsonResponse(200, { status: 'ok', generation: holder.current.generation, uptime_s: Math.round(process.uptime()) }));
  app.get(
    '/_gw/policy',
    guarded(() => {
      const { table, generation, loadedAt } = holder.current;
      return jsonResponse(200, {
        file: holder.path,
        generation,
        loadedAt: new Date(loadedAt).toISOString(),
        sha256: table.source.sha256,
        lastError: holder.lastError ? { at: new Date(holder.lastError.at).toISOString(), diagnostics: holder.lastError.diagnostics, report: holder.lastError.report } : null,
        health: live.health(Date.now()),
      });
    }),
  );
  app.all('/**', (event) =>
    errorResponse(new GwError(404, 'invalid_request_error', `no route for ${event.req.method} ${new URL(event.req.url).pathname}`, 'unknown_url')),
  );
  app.config.onError = (error) => {
    const cause = (error as { cause?: unknown }).cause ?? error;
    log.error(`unhandled: ${(cause as Error)?.stack ?? String(cause)}`);
    return errorResponse(new GwError(500, 'server_error', 'internal gateway error', 'internal_error'));
  };
  const watcher = opts.watch === false ? null : watchPolicy(holder, log);
  return {
    app,
    holder,
    live,
    deps,
    ledger,
    watching: watcher?.ready ?? Promise.resolve(),
    close: async () => {
      await watcher?.close();
      await checkpointer?.stop(); // then the gateway's connection is the last: closing it checkpoints what is left
      ledger.close();
    },
  };
}
