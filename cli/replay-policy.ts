import { readFileSync } from 'node:fs';
import { loadPolicy } from '../compiler/load-policy.ts';
import { formatReport } from '../compiler/format-diagnostics.ts';
import { hasErrors } from '../compiler/diagnostics.ts';
import type { DecisionTable } from '../runtime/types/decision-table.ts';
import { parseTraffic, TrafficError, type TrafficRequest } from '../runtime/replay/traffic.ts';
import { UsageError, type Io } from './io.ts';

/**
 * A policy as a replay sees it. No upstream is called, so by default every provider counts as enabled (a key variable
 * that is unset here is given a placeholder, and the table holds variable names only); `asServed` keeps the
 * environment's keys, as `gw serve` on this machine would.
 */
export function replayPolicy(path: string, io: Io, asServed: boolean): DecisionTable {
  const load = (env: Io['env']) => loadPolicy({ path, file: path, env });
  let r = load(io.env);
  if (!r.table || hasErrors(r.diagnostics)) throw new UsageError(formatReport(r.diagnostics.filter((d) => d.severity === 'error'), r.text).trimEnd());
  if (!asServed) {
    const env: Record<string, string | undefined> = { ...io.env };
    let missing = false;
    for (const p of r.table.providers)
      if (!p.enabled && p.keyEnv.length && p.baseUrl) {
        env[p.keyEnv[0]] = 'replay-placeholder';
        missing = true;
      }
    if (missing) r = load(env);
  }
  return r.table!;
}

export function readTrafficFile(path: string): TrafficRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the traffic file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseTraffic(text, path);
  } catch (e) {
    if (e instanceof TrafficError) throw new UsageError(e.message);
    throw e;
  }
}
