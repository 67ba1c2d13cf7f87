import type { DecisionTable } from '../types/decision-table.ts';
import { DEFAULT_SCAN_BUDGET, scanTextsBounded, type ScanBudget } from './bounded-scan.ts';
import { detectPii } from './detect.ts';
import type { PiiFinding, PiiType } from './types.ts';

export interface PartFinding extends PiiFinding {
  /** index of the text part (in request order) the offsets refer to */
  part: number;
}

/** The policy's `detect` types (none without a `pii` block). */
export function detectTypes(table: DecisionTable): PiiType[] {
  return (table.pii?.detect ?? []) as PiiType[];
}

/** Run the policy's `detect` rules over each text part of a request. No `pii` block: nothing is scanned. */
export function scanParts(table: DecisionTable, texts: readonly string[]): PartFinding[] {
  const types = detectTypes(table);
  if (types.length === 0) return [];
  const out: PartFinding[] = [];
  texts.forEach((t, part) => {
    for (const f of detectPii(t, types)) out.push({ ...f, part });
  });
  return out;
}

export interface PartsScan {
  findings: PartFinding[];
  /** per text part, its findings (what masking reuses instead of scanning again) */
  perText: PiiFinding[][];
  /** the scan stopped at its deadline: how far it got (the request is then treated as holding personal data) */
  unscanned: { scanned: number; total: number } | null;
}

/** scanParts for the gateway: windowed, yielding the event loop, with a deadline (runtime/pii/bounded-scan.ts). */
export async function scanPartsBounded(table: DecisionTable, texts: readonly string[], budget: ScanBudget = DEFAULT_SCAN_BUDGET): Promise<PartsScan> {
  const { perText, unscanned } = await scanTextsBounded(texts, detectTypes(table), budget);
  const findings: PartFinding[] = [];
  perText.forEach((fs, part) => {
    for (const f of fs) findings.push({ ...f, part });
  });
  return { findings, perText, unscanned };
}
