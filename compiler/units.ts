/** Number literals with unit suffixes: which units fit where, and what they are worth. */
export type QuantityKind = 'count' | 'percent' | 'duration' | 'plain' | 'bytes';

const countUnits: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6 };
const durationUnits: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };
const byteUnits: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6 };

export interface ParsedNumber {
  value: number;
  unit: string;
}

export function splitNumber(raw: string): { digits: number; unit: string } {
  const m = /^(\d+(?:\.\d+)?)(.*)$/.exec(raw);
  return { digits: m ? Number(m[1]) : NaN, unit: m ? m[2] : '' };
}

const kindText: Record<QuantityKind, string> = {
  count: 'a count like 500, 8k or 1M',
  percent: 'a percentage like 70%',
  duration: 'a duration like 500ms, 3s, 10m, 24h or 7d',
  plain: 'a plain number',
  bytes: 'a size in bytes like 10M',
};

export function describeKind(kind: QuantityKind): string {
  return kindText[kind];
}

/** The scaled value, or an error sentence saying what was expected. */
export function interpret(raw: string, kind: QuantityKind): { value: number } | { error: string } {
  const { digits, unit } = splitNumber(raw);
  const table =
    kind === 'count' ? countUnits : kind === 'duration' ? durationUnits : kind === 'bytes' ? byteUnits : kind === 'percent' ? { '%': 1 } : { '': 1 };
  const scale = table[unit];
  if (scale === undefined) return { error: `expected ${kindText[kind]}, found "${raw}"` };
  return { value: Math.round(digits * scale * 1e6) / 1e6 };
}
