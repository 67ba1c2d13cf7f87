/**
 * PII scanning with bounded work per event-loop turn (issue 10): a long text is scanned in windows, and the scan gives
 * the event loop back (setImmediate) whenever it has held it for `sliceMs`, so one request's scan never stalls the
 * others. A whole request's scan has a deadline: when it passes, the scan stops and says how far it got, and the
 * caller treats the request as if personal data were found (the policy's action applies; nothing goes out unscanned).
 *
 * Windows: each owns WINDOW code units and is scanned with OVERLAP more on both sides, so every detector sees the
 * context it reads (at most ~320 units before or after a value: URL tokens, label words, the longest e-mail address);
 * a finding is kept by the window that owns its start. Short texts are scanned whole, in one call.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { detectPii, resolveOverlaps } from './detect.ts';
import { maskValue } from './mask.ts';
import type { PiiFinding, PiiType } from './types.ts';

export const WINDOW = 16 * 1024;
export const OVERLAP = 1024;

export interface ScanBudget {
  /** longest the event loop is held before the scan yields, ms */
  sliceMs: number;
  /** the whole scan's deadline, ms from its start: past it the rest is not scanned */
  deadlineMs: number;
}

/** ≈ 100 ms/MB in the worst shapes measured (bench:worst): 10 MB, the body limit, fits on a loaded machine. */
export const DEFAULT_SCAN_BUDGET: ScanBudget = { sliceMs: 10, deadlineMs: 5000 };

export interface TextFindings {
  /** per text, its findings (offsets into that text) */
  perText: PiiFinding[][];
  /** null: every text was scanned to its end; else how far the scan got before its deadline */
  unscanned: { scanned: number; total: number } | null;
}

/** Where each window starts (its owned range is [start, start + WINDOW)). */
function windowStarts(length: number, window: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < length; s += window) out.push(s);
  return out;
}

/** One owned window of `text`: the findings that start in [from, from + window), offsets into `text`. */
export function scanWindow(text: string, types: readonly PiiType[], from: number, window = WINDOW, overlap = OVERLAP): PiiFinding[] {
  const lo = Math.max(0, from - overlap);
  const hi = Math.min(text.length, from + window + overlap);
  const out: PiiFinding[] = [];
  for (const f of detectPii(lo === 0 && hi === text.length ? text : text.slice(lo, hi), types)) {
    const start = f.start + lo;
    if (start >= from && start < from + window) out.push({ ...f, start, end: f.end + lo });
  }
  return out;
}

/**
 * Scan `texts` for `types`, yielding the event loop between windows, stopping at the deadline. The findings of a text
 * scanned in windows are resolved again across window borders (a value seen from both sides is one finding).
 */
export async function scanTextsBounded(texts: readonly string[], types: readonly PiiType[], budget: ScanBudget = DEFAULT_SCAN_BUDGET, now: () => number = performance.now.bind(performance)): Promise<TextFindings> {
  const perText: PiiFinding[][] = texts.map(() => []);
  if (types.length === 0) return { perText, unscanned: null };
  const total = texts.reduce((n, t) => n + t.length, 0);
  const t0 = now();
  let slice = t0;
  let scanned = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (text.length <= WINDOW + OVERLAP) {
      if (now() - t0 > budget.deadlineMs) return { perText, unscanned: { scanned, total } };
      perText[i] = detectPii(text, types);
      scanned += text.length;
    } else {
      const found: PiiFinding[] = [];
      for (const from of windowStarts(text.length, WINDOW)) {
        if (now() - slice > budget.sliceMs) {
          await nextTurn();
          slice = now();
        }
        if (now() - t0 > budget.deadlineMs) {
          perText[i] = resolveOverlaps(found);
          return { perText, unscanned: { scanned, total } };
        }
        for (const f of scanWindow(text, types, from)) found.push(f);
        scanned += Math.min(WINDOW, text.length - from);
      }
      perText[i] = resolveOverlaps(found);
    }
    if (now() - slice > budget.sliceMs) {
      await nextTurn();
      slice = now();
    }
  }
  return { perText, unscanned: null };
}

/** maskText (mask.ts) for a long text with many findings: the same result, the event loop given back every `sliceMs`. */
export async function maskTextBounded(text: string, findings: readonly PiiFinding[], sliceMs = DEFAULT_SCAN_BUDGET.sliceMs): Promise<string> {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let pos = 0;
  let slice = performance.now();
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i];
    if (f.start < pos) continue; // overlapping input: keep the first
    parts.push(text.slice(pos, f.start), maskValue(text, f));
    pos = f.end;
    if ((i & 1023) === 1023 && performance.now() - slice > sliceMs) {
      await nextTurn();
      slice = performance.now();
    }
  }
  parts.push(text.slice(pos));
  return parts.join('');
}
