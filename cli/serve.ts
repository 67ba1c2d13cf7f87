import { parseArgs } from 'node:util';
import { createGateway } from '../runtime/server/app.ts';
import { serveGateway } from '../runtime/server/listen.ts';
import { consoleLogger, LOG_LEVELS, type LogLevel } from '../runtime/log/logger.ts';
import { startupBanner } from '../runtime/server/banner.ts';
import { exposureWarning } from '../runtime/server/admin-auth.ts';
import { quotaStatuses } from '../runtime/state/quota-status.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { useProxyEnv } from '../runtime/providers/proxy-agent.ts';
import { providerFigures } from '../runtime/state/balance-drift.ts';

export const serveHelp = `gw serve [--config FILE] [--port N] [--host ADDRESS] [--log-level debug|info|warn|error|silent]
  Serve the OpenAI-compatible API driven by FILE (default ./routes.gw), reloading it whenever it changes.
  The port defaults to the policy's \`gateway { listen N }\` (3000), the host to 127.0.0.1 (use --host 0.0.0.0 to expose it).`;

export async function serve(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, 'log-level': { type: 'string', default: 'info' } } });
  const level = values['log-level'] as LogLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level takes ${LOG_LEVELS.join(', ')}, got "${values['log-level']}"`);
  const file = policyPath(values.config, io);
  // upstream calls honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the shell or the policy's .env
  useProxyEnv(io.env);
  let gw;
  try {
    gw = createGateway({ policyPath: file, env: io.env, log: consoleLogger(level) });
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 1;
  }
  const port = values.port !== undefined ? Number(values.port) : gw.holder.current.table.gateway.listen;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, got "${values.port}"`);
  let listener;
  try {
    listener = await serveGateway(gw, port, values.host);
  } catch (e) {
    if ((e as { code?: string }).code !== 'EADDRINUSE') throw e;
    io.err(`gw: ${(e as Error).message}\n`);
    // nothing was served: close what can close in a moment, and exit either way
    await Promise.race([gw.watching.then(() => gw.close()), new Promise((r) => setTimeout(r, 1000))]);
    return 1;
  }
  const exposed = exposureWarning(gw.holder.current.table, io.env, values.host);
  if (exposed) io.err(`${exposed}\n`);
  const table = gw.holder.current.table;
  const sync = { notServed: gw.providers.notServed(table), figures: providerFigures(gw.ledger.db, table, gw.providers.balances()) };
  io.out(startupBanner(table, listener.url, quotaStatuses(table, gw.ledger.quotas, Date.now()), Date.now(), sync));
  const stop = async () => {
    await gw.close();
    await listener.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {}); // serve until stopped
}
