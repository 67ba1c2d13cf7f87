import { parseArgs } from 'node:util';
import { parseMix, synthTraffic, SYNTH_KINDS } from '../runtime/replay/synth.ts';
import { trafficLineText } from '../runtime/replay/traffic.ts';
import { UsageError, type Io } from './io.ts';

export const trafficHelp = `gw traffic synth [--days N] [--per-day N] [--mix code=30%,chat=60%,long_text=10%] [--seed S] [--start YYYY-MM-DD]
  Plausible replay traffic (JSONL on stdout) for a policy with no logs yet: arrivals by hour of day, prompts of each
  kind, answer sizes from a log-normal. Kinds: ${SYNTH_KINDS.join(', ')}. The same seed gives the same traffic.`;

function whole(s: string | undefined, flag: string, dflt: number, max: number): number {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} takes a whole number from 1 to ${max}, got "${s}"`);
  return n;
}

export function traffic(args: string[], io: Io): number {
  const [sub, ...rest] = args;
  if (sub !== 'synth') throw new UsageError(sub ? `unknown traffic command "${sub}"` : 'gw traffic needs a command: synth');
  const { values } = parseArgs({
    args: rest,
    options: { days: { type: 'string' }, 'per-day': { type: 'string' }, mix: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' } },
  });
  const start = values.start ? Date.parse(`${values.start}T00:00:00Z`) : Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1);
  if (Number.isNaN(start)) throw new UsageError(`--start takes a date YYYY-MM-DD, got "${values.start}"`);
  let mix: Record<string, number>;
  try {
    mix = parseMix(values.mix ?? 'code=30%,chat=60%,long_text=10%');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const opts = { days: whole(values.days, '--days', 30, 3660), perDay: whole(values['per-day'], '--per-day', 50, 1_000_000), mix, seed: whole(values.seed, '--seed', 1, 2 ** 31), start };
  for (const line of synthTraffic(opts)) io.out(`${trafficLineText(line)}\n`);
  return 0;
}
