import { parseArgs } from 'node:util';
import { syncProviders, type SyncReport } from '../runtime/gateway/provider-sync.ts';
import { useProxyEnv } from '../runtime/providers/proxy-agent.ts';
import { ProviderStore } from '../runtime/state/provider-store.ts';
import type { Io } from './io.ts';
import { openState } from './state-db.ts';
import { tableLines } from './table-text.ts';

/**
 * `gw models sync`: read each enabled provider's model list and balance now and record them in the state database,
 * where the gateway picks them up (within seconds, while it runs): a declared model its provider no longer lists is
 * skipped by routing, warned about by `gw check` and the banner. Exit 1 when a list could not be read or a declared
 * model is not served.
 */
export async function modelsSync(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, provider: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const st = openState(values.config, io);
  if (!st) return 1;
  try {
    if (values.provider && !st.table.providers.some((p) => p.name === values.provider && p.enabled)) {
      io.err(`gw models sync: the policy has no enabled provider "${values.provider}"\n`);
      return 1;
    }
    useProxyEnv(io.env);
    const reports = await syncProviders(st.table, io.env, new ProviderStore(st.db), { only: values.provider });
    const broken = reports.some((r) => !r.ok || r.notServed.length > 0);
    if (values.json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
    else io.out(renderSync(reports, st.path));
    return broken ? 1 : 0;
  } finally {
    st.db.close();
  }
}

function renderSync(reports: SyncReport[], path: string): string {
  const rows = reports.map((r) => [r.provider, r.ok ? 'ok' : 'FAIL', r.latencyMs === null ? '-' : `${r.latencyMs} ms`, r.detail, r.notServed.join(', ') || '-', r.balance?.summary ?? r.balanceError ?? '-']);
  const gone = reports.flatMap((r) => r.notServed);
  const tail = reports.length === 0 ? 'no enabled provider to sync' : gone.length ? `not served any more (skipped by routing until listed again): ${gone.join(', ')}` : `synced ${reports.length} provider${reports.length === 1 ? '' : 's'} into ${path}`;
  return `${tableLines([['PROVIDER', 'RESULT', 'LATENCY', 'LIST', 'NOT SERVED', 'BALANCE'], ...rows]).join('\n')}\n\n${tail}\n`;
}
