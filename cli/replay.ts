import { parseArgs } from 'node:util';
import { movedBetween, runReplay, type ReplayRun } from '../runtime/replay/replay.ts';
import { UsageError, type Io } from './io.ts';
import { policyPath } from './policy-path.ts';
import { parseUsed } from './explain.ts';
import { readTrafficFile, replayPolicy } from './replay-policy.ts';
import { renderReplay } from './replay-render.ts';

export const replayHelp = `gw replay --traffic FILE [--config A.gw] [--against B.gw]... [--start-used P/M=TOKENS]...
          [--failures none|recorded] [--as-served] [--json]
  What a policy would have cost: re-decide every request of FILE (JSONL, from \`gw logs export\` or
  \`gw traffic synth\`) in time order under each policy, with a simulated clock and a fresh simulated ledger (free
  quotas reserved, settled to the recorded usage, reset in their own zones, expired at their until dates; rpm/tpm;
  the budget). Reports spend, what all-paid would cost, the saving, free tokens used and free tokens that expired
  unused, per model, per scenario, per tier and per day; with --against, the difference and the requests that moved.
  --start-used   tokens already used of a free quota when the traffic starts
  --failures recorded  models fail as often as the traffic's log recorded (default: no failure is invented)
  --as-served    keep this machine's provider keys (default: every provider counts as enabled; no model is called)`;

export function replay(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    options: {
      traffic: { type: 'string' },
      config: { type: 'string' },
      against: { type: 'string', multiple: true, default: [] },
      'start-used': { type: 'string', multiple: true, default: [] },
      failures: { type: 'string', default: 'none' },
      'as-served': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.traffic) throw new UsageError('--traffic FILE is required');
  if (values.failures !== 'none' && values.failures !== 'recorded') throw new UsageError(`--failures takes none or recorded, got "${values.failures}"`);
  const traffic = readTrafficFile(values.traffic);
  const startUsed = Object.fromEntries(Object.entries(parseUsed(values['start-used']) ?? {}).map(([k, v]) => [k, v.used]));
  const configs: [string, string][] = [[policyPath(values.config, io), values.config ?? 'routes.gw'], ...values.against.map((p): [string, string] => [p, p])];
  const runs: ReplayRun[] = [];
  for (const [path, label] of configs) {
    const table = replayPolicy(path, io, values['as-served']);
    try {
      runs.push(runReplay(table, label, traffic, { startUsed, failures: values.failures }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const moved = runs.slice(1).map((r) => movedBetween(runs[0], r));
  if (values.json) {
    const strip = ({ outcomes: _o, kept: _k, ...rest }: ReplayRun) => rest;
    io.out(`${JSON.stringify({ traffic: values.traffic, requests: traffic.length, runs: runs.map(strip), moved }, null, 2)}\n`);
  } else io.out(renderReplay(runs, moved));
  return 0;
}
