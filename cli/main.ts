import { processIo, UsageError, type Io } from './io.ts';
import { withDotEnv } from './dot-env.ts';

type Command = { run: (args: string[], io: Io) => number | Promise<number>; help: string };

/** A command whose module is imported only when it runs (its own chunk in dist/): each command loads only what it uses. */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Command): (() => Promise<Command>) =>
  async () =>
    pick(await load());

const commands: Record<string, () => Promise<Command>> = {
  catalog: lazy(() => import('./catalog.ts'), (m) => ({ run: m.catalog, help: m.catalogHelp })),
  check: lazy(() => import('./check.ts'), (m) => ({ run: m.check, help: m.checkHelp })),
  compile: lazy(() => import('./compile.ts'), (m) => ({ run: m.compileCommand, help: m.compileHelp })),
  doctor: lazy(() => import('./doctor.ts'), (m) => ({ run: m.doctor, help: m.doctorHelp })),
  explain: lazy(() => import('./explain.ts'), (m) => ({ run: m.explain, help: m.explainHelp })),
  fmt: lazy(() => import('./fmt.ts'), (m) => ({ run: m.fmt, help: m.fmtHelp })),
  models: lazy(() => import('./models.ts'), (m) => ({ run: m.models, help: m.modelsHelp })),
  providers: lazy(() => import('./providers.ts'), (m) => ({ run: m.providers, help: m.providersHelp })),
  serve: lazy(() => import('./serve.ts'), (m) => ({ run: m.serve, help: m.serveHelp })),
  replay: lazy(() => import('./replay.ts'), (m) => ({ run: m.replay, help: m.replayHelp })),
  traffic: lazy(() => import('./traffic.ts'), (m) => ({ run: m.traffic, help: m.trafficHelp })),
  logs: lazy(() => import('./logs.ts'), (m) => ({ run: m.logs, help: m.logsHelp })),
  keys: lazy(() => import('./keys.ts'), (m) => ({ run: m.keys, help: m.keysHelp })),
  secrets: lazy(() => import('./secrets.ts'), (m) => ({ run: m.secrets, help: m.secretsHelp })),
  quota: lazy(() => import('./quota.ts'), (m) => ({ run: m.quota, help: m.quotaHelp })),
};

export const usage = `gw — a free-tier-first, OpenAI-compatible LLM gateway driven by routes.gw

usage: gw <command> [options]

  catalog    refresh the model catalog (limits, prices, retirements) from models.dev
  check      lint routes.gw
  compile    print the decision table
  doctor     check each provider live: reachable, key accepted, models still served
  explain    dry-run the router on a prompt
  fmt        format routes.gw
  models     list the policy's models: price, context, free quota, limits
  providers  list known providers and whether each is enabled here
  serve      serve the gateway (hot-reloads routes.gw)
  quota      the free quotas as the gateway sees them
  replay     what a policy would have cost: replay logged or synthetic traffic, side by side
  traffic    synth: generate plausible traffic for gw replay
  logs       export: the request log as replay traffic
  keys       client keys: create, list, revoke, rotate (limits, budgets, allow lists)
  secrets    the encrypted key vault for provider keys: set, list, rm, rotate-master

Run \`gw <command> --help\` for a command's options.
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.err(`gw: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, withDotEnv(io, rest));
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`gw ${name}: ${(e as Error).message}\n\n${cmd.help}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
      io.err(`gw ${name}: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
}
