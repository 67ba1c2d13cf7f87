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
import { PII_TYPES, type PiiFinding, type PiiType } from './types.ts';

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
  cn_id: 15,
  luhn_card: 13,
  cn_passport: 7,
  passport_ctx: 6,
};

const MAX_MIN_DIGITS = Math.max(...Object.values(MIN_DIGITS).map((v) => v ?? 0));

export function detectPii(text: string, types: readonly PiiType[]): PiiFinding[] {
  if (text.length === 0 || types.length === 0) return [];
  // digit pre-check: measured lazily, once, capped at the largest threshold
  let maxRun = -1;
  const found: PiiFinding[] = [];
  const ords: number[] = [];
  for (let di = 0; di < DETECTORS.length; di++) {
    const d = DETECTORS[di];
    if (!types.includes(d.type)) continue;
    const need = MIN_DIGITS[d.name];
    if (need !== undefined) {
      if (maxRun < 0) maxRun = longestDigitRun(text, MAX_MIN_DIGITS);
      if (maxRun < need) continue;
    }
    const fs = d.detect(text);
    for (let k = 0; k < fs.length; k++) {
      found.push(fs[k]);
      ords.push(di);
    }
  }
  return resolveOverlaps(found, ords);
}

/**
 * Longest digit count in a run where gaps of at most two of " -()." do not
 * break the run; stops early once `cap` is reached.
 */
function longestDigitRun(text: string, cap: number): number {
  let best = 0;
  let run = 0;
  let gap = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      run++;
      gap = 0;
      if (run > best) {
        best = run;
        if (best >= cap) return best;
      }
    } else if (run > 0 && gap < 2 && (c === 32 || c === 45 || c === 40 || c === 41 || c === 46)) {
      gap++;
    } else {
      run = 0;
      gap = 0;
    }
  }
  return best;
}

function better(a: PiiFinding, oa: number, b: PiiFinding, ob: number): boolean {
  const pa = PRIORITY[a.type];
  const pb = PRIORITY[b.type];
  if (pa !== pb) return pa > pb;
  const la = a.end - a.start;
  const lb = b.end - b.start;
  if (la !== lb) return la > lb;
  if (a.start !== b.start) return a.start < b.start;
  return oa < ob;
}

/**
 * Sort by start and drop findings that overlap a better one (see header).
 * `ords` (optional, parallel to `input`) is the detector order used as the
 * last tie-break; input order is used otherwise. Returns the kept findings.
 */
export function resolveOverlaps(input: readonly PiiFinding[], ords?: readonly number[]): PiiFinding[] {
  const n = input.length;
  if (n <= 1) return input.slice();
  const ord = (i: number): number => (ords ? ords[i] : 0);
  const idx: number[] = new Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((x, y) => {
    const a = input[x];
    const b = input[y];
    return a.start - b.start || a.end - b.end || ord(x) - ord(y) || x - y;
  });
  const out: PiiFinding[] = [];
  let i = 0;
  while (i < n) {
    // cluster of transitively overlapping spans
    let j = i + 1;
    let clusterEnd = input[idx[i]].end;
    while (j < n && input[idx[j]].start < clusterEnd) {
      const e = input[idx[j]].end;
      if (e > clusterEnd) clusterEnd = e;
      j++;
    }
    if (j === i + 1) {
      out.push(input[idx[i]]);
    } else {
      const cluster = idx.slice(i, j);
      cluster.sort((x, y) => (better(input[x], ord(x), input[y], ord(y)) ? -1 : better(input[y], ord(y), input[x], ord(x)) ? 1 : 0));
      const kept: PiiFinding[] = [];
      for (const c of cluster) {
        const f = input[c];
        if (kept.every((k) => f.end <= k.start || f.start >= k.end)) kept.push(f);
      }
      kept.sort((a, b) => a.start - b.start);
      for (const f of kept) out.push(f);
    }
    i = j;
  }
  return out;
}

/** Convenience: detect every type. */
export function detectAllPii(text: string): PiiFinding[] {
  return detectPii(text, PII_TYPES);
}
