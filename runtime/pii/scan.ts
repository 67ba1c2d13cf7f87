import type { DecisionTable } from '../types/decision-table.ts';
import { detectPii } from './detect.ts';
import type { PiiFinding, PiiType } from './types.ts';

export interface PartFinding extends PiiFinding {
  /** index of the text part (in request order) the offsets refer to */
  part: number;
}

/** Run the policy's `detect` rules over each text part of a request. No `pii` block: nothing is scanned. */
export function scanParts(table: DecisionTable, texts: readonly string[]): PartFinding[] {
  const types = (table.pii?.detect ?? []) as PiiType[];
  if (types.length === 0) return [];
  const out: PartFinding[] = [];
  texts.forEach((t, part) => {
    for (const f of detectPii(t, types)) out.push({ ...f, part });
  });
  return out;
}
