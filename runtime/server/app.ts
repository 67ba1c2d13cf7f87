import { runDoctor } from '../providers/doctor.ts';
import { H3 } from 'h3';
import type { CallDeps } from '../gateway/route-and-call.ts';
import { newInstanceId } from '../gateway/hops.ts';
import { anthropicAdapter } from '../providers/anthropic-adapter.ts';
import { openaiAdapter } from '../providers/openai-adapter.ts';
import type { Env } from '../providers/keys.ts';
import { LiveState } from '../state/live-state.ts';
import { createAccess, requireAdmin, type Access, type Caller } from './access.ts';
import { gatewayToken } from './auth.ts';
import { allowedOrigin, preflight, withCors } from './cors.ts';
import { usageResponse } from './usage-route.ts';
import { secretsRoutes } from './secrets-routes.ts';
import { ClientRegistry } from '../state/client-registry.ts';
import { ClientMeter } from '../state/client-meter.ts';
import { allowedModel } from '../router/eligibility.ts';
import { envWithVault, findMasterKey, Vault } from '../state/vault.ts';
import { chatCompletions } from './chat-route.ts';
import { errorResponse, GwError, jsonResponse } from './errors.ts';
import { anthropicCountTokens, anthropicMessages } from './messages-route.ts';
import { modelRetrieve, modelsList } from './models-route.ts';
import { PolicyHolder } from './policy-holder.ts';
import { consoleLogger, scrubbingLogger, type Logger } from '../log/logger.ts';
import { patternScrubber, scrubberFor } from '../secrets/scrubber.ts';
import { scrubbedResponse } from './scrubbed-response.ts';
import { watchPolicy } from './watch-policy.ts';
import { ledgerRoutes } from './ledger-routes.ts';
import { Ledger } from '../state/ledger.ts';
import { openDatabase } from '../state/sqlite-store.ts';
import { applyOverlay } from '../state/overlay.ts';
import { statePath } from '../state/state-path.ts';
import { startCheckpointer } from '../state/checkpointer.ts';
import { authStartError } from './admin-auth.ts';
import { lastResortError, pathnameOf, protocolErrorResponse } from './route-errors.ts';
import { ResponseStore } from '../state/response-store.ts';
import { mountConsole } from './console/mount.ts';
import type { EventHub } from './console/events.ts';
import { createResponse, deleteResponse, getResponse, listInputItems } from './responses-route.ts';
import { createEmbeddings } from './embeddings-route.ts';
import { ProviderStore } from '../state/provider-store.ts';
import { ProviderState } from '../state/provider-state.ts';
import { startProviderSync } from './provider-sync-routes.ts';

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
  /** the built console app (default dist/console/) */
  consoleDir?: string;
}

export interface Gateway {
  app: H3;
  holder: PolicyHolder;
  live: LiveState;
  deps: CallDeps;
  ledger: Ledger;
  access: Access;
  /** the last sync's model lists and balances */
  providers: ProviderState;
  /** the console's live event streams */
  consoleHub: EventHub;
  /** resolves once the policy watcher is armed */
  watching: Promise<void>;
  close(): Promise<void>;
}

/** Build the gateway: load the policy (throws with the diagnostics when it does not compile), wire the routes. */
export function createGateway(opts: GatewayOptions): Gateway {
  const baseEnv = opts.env ?? process.env;
  // provider and client keys: the environment first, then the key vault (decrypted once the state is open)
  let secrets: ReadonlyMap<string, string> = new Map();
  const env = envWithVault(baseEnv, () => secrets);
  // the scrubber of the policy being served (patterns only until one loaded): every console line, admin answer
  const served: { holder?: PolicyHolder } = {};
  const scrubber = () => (served.holder?.ready ? scrubberFor(served.holder.current.table, env) : patternScrubber);
  const log = scrubbingLogger(opts.log ?? consoleLogger(), scrubber);
  const holder = new PolicyHolder(opts.policyPath, env, log, opts.policyPath.replace(/^.*[\\/]/, ''));
  served.holder = holder;
  if (!holder.reload()) throw new Error(`the policy ${opts.policyPath} does not compile:\n${holder.lastError?.report ?? ''}`);
  const authError = authStartError(holder.current.table, env);
  if (authError) throw new Error(authError);
  const live = new LiveState();
  const stateFile = opts.statePath ?? statePath(holder.current.table, opts.policyPath);
  const ledger = new Ledger(openDatabase(stateFile), { log, env });
  // requests answered by a run that was killed, replayed from its journal before anything reads the ledger
  ledger.openJournal();
  ledger.startLogWriter();
  const vault = new Vault(ledger.db);
  const loadVault = (): boolean => {
    try {
      const before = secrets;
      secrets = vault.readAll(findMasterKey(baseEnv, stateFile));
      return before.size > 0 || secrets.size > 0;
    } catch (e) {
      log.error(`key vault: ${(e as Error).message}; its secrets are not used`);
      secrets = new Map();
      return false;
    }
  };
  // a provider may become enabled by a vault secret: the policy is compiled again even when its file is unchanged
  const refreshVault = () => {
    if (loadVault()) holder.reload(undefined, true);
  };
  refreshVault();
  const registry = new ClientRegistry(ledger.db, { env, onVaultChange: refreshVault });
  if (registry.names(holder.current.table).length > 0 && gatewayToken(holder.current.table, env) === null)
    log.warn('client keys exist but no gateway token is set (gateway { auth env … }): a request without a client key is served as the admin');
  const meter = new ClientMeter((name, since) => ledger.requests.spentSince(since, name));
  const access = createAccess(registry, meter, env);
  holder.setTransform((t) => {
    const o = applyOverlay(t, ledger.overlays.all());
    for (const r of o.rejected) log.warn(`registered quota ${r.id} left out: ${r.reason}`);
    return o.table;
  });
  ledger.prune(holder.current.table, Date.now());
  ledger.startAlertTimer(() => holder.current.table);
  const checkpointer = startCheckpointer(ledger.db, { onError: (m) => log.warn(m) });
  // the providers' model lists and balances as the last sync read them (gw models sync, gateway { sync every })
  const providerStore = new ProviderStore(ledger.db);
  const providerState = new ProviderState(providerStore);
  const deps: CallDeps = {
    env,
    adapters: { openai: openaiAdapter, anthropic: anthropicAdapter },
    live,
    accounting: ledger,
    sessions: ledger.sessions,
    now: opts.now ?? Date.now,
    random: opts.random ?? Math.random,
    instanceId: newInstanceId(),
    providers: providerState,
  };
  const started = Math.floor(Date.now() / 1000);
  const app = new H3();
  // First on every request: pick up client keys and vault secrets another process committed (a cheap version check),
  // so the request already sees them; then CORS (off unless `gateway { cors … }`): preflights answered before auth.
  app.use(async (event, next) => {
    registry.sync();
    const table = holder.current.table;
    if (!table.gateway.cors) return next();
    const pre = preflight(table, event.req);
    if (pre) return pre;
    const origin = allowedOrigin(table, event.req.headers);
    const res = await next();
    return origin && res instanceof Response ? withCors(res, origin) : res;
  });
  /** A route for `role`: the admin (gateway token) by default; `any` lets client keys in too. */
  const guard =
    (role: 'admin' | 'any', handler: (req: Request, caller: Caller) => unknown) =>
    async (event: { req: Request }) => {
      try {
        const caller = access.identify(event.req.headers, holder.current.table);
        if (role === 'admin') requireAdmin(caller, new URL(event.req.url).pathname);
        return await scrubbedResponse(await handler(event.req, caller), scrubber());
      } catch (e) {
        if (e instanceof GwError) return errorResponse(e);
        throw e;
      }
    };
  const guarded = (handler: (req: Request) => unknown) => guard('admin', handler);
  const ctx = { holder, deps, log, recorder: ledger, access };
  app.post('/v1/chat/completions', (event) => chatCompletions(event.req, ctx));
  const responses = new ResponseStore(ledger.db);
  responses.prune(holder.current.table.gateway.logs.keepMs, holder.current.table.gateway.logs.keepRows, Date.now());
  const rctx = { ...ctx, responses };
  app.post('/v1/responses', (event) => createResponse(event.req, rctx));
  // ids are the path's last segment(s); the Responses API's are `resp_…` (no '/')
  const responseId = (req: Request, suffix = '') => decodeURIComponent(new URL(req.url).pathname.slice('/v1/responses/'.length, suffix ? -suffix.length : undefined));
  app.get('/v1/responses/:id/input_items', guard('any', (req) => listInputItems(responseId(req, '/input_items'), new URL(req.url), rctx)));
  app.get('/v1/responses/:id', guard('any', (req) => getResponse(responseId(req), rctx)));
  app.delete('/v1/responses/:id', guard('any', (req) => deleteResponse(responseId(req), rctx)));
  app.post('/v1/embeddings', (event) => createEmbeddings(event.req, ctx));
  app.post('/v1/messages', (event) => anthropicMessages(event.req, ctx));
  app.post('/v1/messages/count_tokens', (event) => anthropicCountTokens(event.req, ctx));
  ledgerRoutes(app, { holder, ledger, live, guard: guarded, env, providers: providerState });
  app.get(
    '/v1/models',
    guard('any', (_req, caller) => {
      const list = modelsList(holder.current.table, started) as { data: { id: string }[] };
      // a client key sees the models it may use
      const allowed = caller.role === 'client' ? caller.client.models : null;
      if (allowed) list.data = list.data.filter((m) => m.id === 'auto' || allowedModel(allowed, m.id));
      return jsonResponse(200, list);
    }),
  );
  app.get(
    '/v1/models/**',
    guard('any', (req, caller) => {
      const id = decodeURIComponent(new URL(req.url).pathname.slice('/v1/models/'.length));
      const m = modelRetrieve(holder.current.table, started, id);
      const allowed = caller.role === 'client' ? caller.client.models : null;
      if (!m || (allowed && !allowedModel(allowed, id))) throw new GwError(404, 'invalid_request_error', `The model '${id}' does not exist`, 'model_not_found', { param: 'model' });
      return jsonResponse(200, m);
    }),
  );
  app.get('/v1/usage', guard('any', (req, caller) => usageResponse(req, caller, ledger, access, holder.current.table)));
  secretsRoutes(app, {
    vault,
    guard: guarded,
    master: () => findMasterKey(baseEnv, stateFile, { create: true }),
    changed: refreshVault,
  });
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
  // the console's doctor: the same checks as `gw doctor` (`?provider=P`, `?call=1` as its flags), 503 when something is broken
  app.get(
    '/_gw/doctor',
    guarded(async (req) => {
      const q = new URL(req.url).searchParams;
      const only = q.get('provider') ?? undefined;
      if (only && !holder.current.table.providers.some((p) => p.name === only)) throw new GwError(404, 'invalid_request_error', `the policy has no provider "${only.slice(0, 80)}"`, 'provider_not_found');
      const providers = await runDoctor(holder.current.table, env, only, { call: q.get('call') === '1' });
      const ok = providers.every((p) => p.status === 'ok');
      return jsonResponse(ok ? 200 : 503, { ok, providers });
    }),
  );
  const syncer = startProviderSync(app, { holder, env, store: providerStore, state: providerState, log, now: opts.now }, guarded);
  const consoleHub = mountConsole(app, {
    holder,
    ledger,
    live,
    env,
    scrubber,
    dir: opts.consoleDir,
    registry,
    vault,
    master: () => findMasterKey(baseEnv, stateFile, { create: true }),
    vaultChanged: refreshVault,
    providers: providerState,
  });
  app.all('/**', (event) => {
    const path = pathnameOf(event.req.url);
    return protocolErrorResponse(path, new GwError(404, 'invalid_request_error', `no route for ${event.req.method} ${path.slice(0, 200)}`, 'unknown_url'));
  });
  app.config.onError = (error, event) => lastResortError(error, event as never, log);
  const watcher = opts.watch === false ? null : watchPolicy(holder, log);
  return {
    app,
    holder,
    live,
    deps,
    ledger,
    access,
    consoleHub,
    watching: watcher?.ready ?? Promise.resolve(),
    providers: providerState,
    close: async () => {
      await syncer.stop();
      consoleHub.closeAll();
      await watcher?.close();
      await checkpointer?.stop(); // then the gateway's connection is the last: closing it checkpoints what is left
      ledger.close();
    },
  };
}
