import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import type { Io } from './io.ts';
import { policyPath } from './policy-path.ts';

/** The policy file a command's arguments name (`--config FILE` or `--config=FILE`), else ./routes.gw. */
export function configArg(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config') return args[i + 1];
    if (args[i].startsWith('--config=')) return args[i].slice('--config='.length);
  }
  // `gw check FILE`, `gw fmt FILE`: a positional *.gw names the policy too
  return args.find((a) => !a.startsWith('-') && a.endsWith('.gw'));
}

/**
 * The environment with the `.env` beside the policy file read in: the process environment wins over the file, so a
 * key set in the shell is never replaced. A missing or unreadable `.env` changes nothing.
 */
export function withDotEnv(io: Io, args: readonly string[]): Io {
  const file = join(dirname(policyPath(configArg(args), io)), '.env');
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return io;
  }
  return { ...io, env: { ...parsed, ...Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== undefined)) } };
}
