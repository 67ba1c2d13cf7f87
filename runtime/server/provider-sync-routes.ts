import type { H3 } from 'h3';
import type { Env } from '../providers/keys.ts';
import { chainsOf, syncProviders, type SyncReport } from '../gateway/provider-sync.ts';
import type { ProviderStore } from '../state/provider-store.ts';
import type { ProviderState } from '../state/provider-state.ts';
import { jsonResponse } from './errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PolicyHolder } from './policy-holder.ts';

interface SyncDeps {
  holder: PolicyHolder;
  env: Env;
  store: ProviderStore;
  state: ProviderState;
  log: Logger;
  now?: () => number;
}

/** How often the gateway looks whether a `sync every` is due (the policy may change it on reload). */
const TICK_MS = 30_000;

/** Sync now and say what changed in the log: a declared model its provider stopped listing is named with where it was a candidate. */
export async function syncAndLog(d: SyncDeps, only?: string): Promise<SyncReport[]> {
  const table = d.holder.current.table;
  const reports = await syncProviders(table, d.env, d.store, { only, now: d.now });
  d.state.refresh();
  for (const r of reports) {
    (r.ok ? d.log.info : d.log.warn)(`sync: ${r.provider}: ${r.detail}${r.balance ? `; balance ${r.balance.summary}` : r.balanceError ? `; balance not read: ${r.balanceError}` : ''}`);
    for (const id of r.newlyGone) {
      const where = chainsOf(table, id);
      d.log.warn(`sync: ${r.provider} no longer lists ${id}: it is skipped${where.length ? ` (dropped from ${where.join(', ')})` : ''} until its provider lists it again`);
    }
  }
  return reports;
}

/**
 * `gateway { sync every D }`: the enabled providers' model lists and balances are read at start (unless a sync is
 * more recent than D) and every D after; `POST /_gw/sync` (admin) syncs now. Off without the line.
 */
export function startProviderSync(app: H3, d: SyncDeps, guarded: (h: (req: Request) => unknown) => (event: { req: Request }) => unknown): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const run = (only?: string) => {
    running ??= syncAndLog(d, only)
      .catch((e: unknown) => d.log.error(`sync failed: ${(e as Error).message}`))
      .finally(() => (running = null));
    return running;
  };
  const due = () => {
    const every = d.holder.current.table.gateway.syncMs ?? null;
    if (every === null || stopped) return;
    const last = Math.max(0, ...d.store.attempts().map((a) => a.at));
    if ((d.now ?? Date.now)() - last >= every) void run();
  };
  const timer = setInterval(due, TICK_MS);
  timer.unref();
  setImmediate(due);
  // admin: `?provider=P` syncs one provider, else all of them
  app.post(
    '/_gw/sync',
    guarded(async (req: Request) => {
      const only = new URL(req.url).searchParams.get('provider') ?? undefined;
      await running;
      const reports = (await run(only)) as SyncReport[] | undefined;
      return jsonResponse(200, { providers: reports ?? [] });
    }),
  );
  return {
    // a sync in flight writes to the state database: it ends before the database closes
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
