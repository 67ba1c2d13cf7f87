/**
 * detectPii — run the rule detectors for the requested types and return
 * non-overlapping findings sorted by start.
 *
 * Overlap resolution: findings whose spans overlap (same or different type)
 * are grouped; within a group the winner is chosen by type specificity
 *   wechat = alipay > id_card > passport > bank_card > email > phone > address > name
 * then longer span, then earlier start, then detector order (stable). A
 * losing finding is dropped only if it overlaps a winner; so the result is a
 * set of disjoint spans ready for masking. Example: "支付宝：13812345678" yields
 * one alipay finding, not alipay + phone — unless only 'phone' was requested.
 *
 * Cheap pre-checks skip whole families: digit detectors need a digit run of
 * the minimum length (spaces/dashes allowed inside), email needs "@", e164
 * needs "+".
 */
import { DETECTORS } from './detectors/index.ts';
import { PII_TYPES, type PiiDetector, type PiiFinding, type PiiType } from './types.ts';

/** Names a policy's `detect` line may use: exactly the PiiType values. */
export const KNOWN_DETECT_NAMES: readonly PiiType[] = PII_TYPES;

export function isKnownDetectName(name: string): name is PiiType {
  return (KNOWN_DETECT_NAMES as readonly string[]).includes(name);
}

const PRIORITY: Record<PiiType, number> = {
  wechat: 9,
  alipay: 9,
  id_card: 8,
  passport: 7,
  bank_card: 6,
  email: 5,
  phone: 4,
  address: 2,
  name: 1,
};

/** Minimum digit-run length (separators allowed) a text needs for a detector to possibly fire. */
const MIN_DIGITS: Partial<Record<string, number>> = {
  cn_mobile: 11,
  e164: 8,
  cn_id18: 17,
  cn_id15: 15,
  luhn_card: 13,
  cn_passport: 7,
  passport_ctx: 6,
};

const ORDER = new Map<PiiDetector, number>(DETECTORS.map((d, i) => [d, i]));

export function detectPii(text: string, types: readonly PiiType[]): PiiFinding[] {
  if (text.length === 0 || types.length === 0) return [];
  const want = new Set(types);
  // one pass to measure the longest digit run (with single separators)
  let maxRun = -1;
  const all: Array<PiiFinding & { ord: number }> = [];
  for (const d of DETECTORS) {
    if (!want.has(d.type)) continue;
    const need = MIN_DIGITS[d.name];
    if (need !== undefined) {
      if (maxRun < 0) maxRun = longestDigitRun(text);
      if (maxRun < need) continue;
    }
    const ord = ORDER.get(d) ?? 0;
    for (const f of d.detect(text)) all.push({ ...f, ord });
  }
  return resolveOverlaps(all);
}

/** Longest digit count in a run where gaps of at most two of " -().", do not break the run. */
function longestDigitRun(text: string): number {
  let best = 0;
  let run = 0;
  let gap = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      run++;
      gap = 0;
      if (run > best) best = run;
    } else if (run > 0 && gap < 2 && (c === 32 || c === 45 || c === 40 || c === 41 || c === 46)) {
      gap++;
    } else {
      run = 0;
      gap = 0;
    }
  }
  return best;
}

function better(a: PiiFinding & { ord: number }, b: PiiFinding & { ord: number }): boolean {
  const pa = PRIORITY[a.type];
  const pb = PRIORITY[b.type];
  if (pa !== pb) return pa > pb;
  const la = a.end - a.start;
  const lb = b.end - b.start;
  if (la !== lb) return la > lb;
  if (a.start !== b.start) return a.start < b.start;
  return a.ord < b.ord;
}

/** Sort by start and drop findings that overlap a better one (see header). */
export function resolveOverlaps(input: Array<PiiFinding & { ord?: number }>): PiiFinding[] {
  const items = input.map((f, i) => ({ ...f, ord: f.ord ?? 0, idx: i }));
  items.sort((a, b) => a.start - b.start || a.end - b.end || a.ord - b.ord || a.idx - b.idx);
  const out: PiiFinding[] = [];
  let i = 0;
  while (i < items.length) {
    // cluster of transitively overlapping spans
    let j = i + 1;
    let clusterEnd = items[i].end;
    while (j < items.length && items[j].start < clusterEnd) {
      if (items[j].end > clusterEnd) clusterEnd = items[j].end;
      j++;
    }
    if (j === i + 1) {
      const { ord: _o, idx: _i, ...f } = items[i];
      out.push(f);
    } else {
      const cluster = items.slice(i, j);
      const ranked = [...cluster].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
      const kept: typeof cluster = [];
      for (const c of ranked) {
        if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
      }
      kept.sort((a, b) => a.start - b.start);
      for (const { ord: _o, idx: _i, ...f } of kept) out.push(f);
    }
    i = j;
  }
  return out;
}

/** Convenience: detect every type. */
export function detectAllPii(text: string): PiiFinding[] {
  return detectPii(text, PII_TYPES);
}
