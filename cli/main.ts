import { check, checkHelp } from './check.ts';
import { compileCommand, compileHelp } from './compile.ts';
import { explain, explainHelp } from './explain.ts';
import { serve, serveHelp } from './serve.ts';
import { processIo, UsageError, type Io } from './io.ts';
import { withDotEnv } from './dot-env.ts';

type Command = { run: (args: string[], io: Io) => number | Promise<number>; help: string };

async function loadFmt(): Promise<Command> {
  const m = await import('./fmt.ts');
  return { run: m.fmt, help: m.fmtHelp };
}

const commands: Record<string, () => Promise<Command>> = {
  catalog: async () => {
    const m = await import('./catalog.ts');
    return { run: m.catalog, help: m.catalogHelp };
  },
  check: async () => ({ run: check, help: checkHelp }),
  compile: async () => ({ run: compileCommand, help: compileHelp }),
  doctor: async () => {
    const m = await import('./doctor.ts');
    return { run: m.doctor, help: m.doctorHelp };
  },
  explain: async () => ({ run: explain, help: explainHelp }),
  fmt: loadFmt,
  models: async () => {
    const m = await import('./models.ts');
    return { run: m.models, help: m.modelsHelp };
  },
  providers: async () => {
    const m = await import('./providers.ts');
    return { run: m.providers, help: m.providersHelp };
  },
  serve: async () => ({ run: serve, help: serveHelp }),
  quota: async () => {
    const m = await import('./quota.ts');
    return { run: m.quota, help: m.quotaHelp };
  },
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
