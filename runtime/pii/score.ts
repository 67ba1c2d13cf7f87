/**
 * Corpus scoring shared by the PII bench (bench/pii.bench.ts) and the corpus
 * test (test/pii-detectors.test.ts), so both report the same figures.
 *
 * A label is `{ type, value }` where value is an exact substring of the
 * message text; the k-th label carrying a given value refers to the k-th
 * occurrence of that value. A finding matches a label when the types are
 * equal and the spans overlap.
 *   recall    = labels matched by at least one finding / labels
 *   precision = findings matching at least one label / findings
 * per type and overall (micro-averaged over the scored types). Empty
 * denominators give 1.
 */
import { readFileSync } from 'node:fs';
import { detectPii } from './detect.ts';
import { maskValue } from './mask.ts';
import { PII_TYPES, type PiiFinding, type PiiType } from './types.ts';

export interface CorpusLabel {
  type: PiiType;
  value: string;
}

export interface CorpusEntry {
  id: string;
  lang: 'zh' | 'en';
  text: string;
  labels: CorpusLabel[];
}

export interface LabelSpan {
  type: PiiType;
  start: number;
  end: number;
}

export interface TypeScore {
  labels: number;
  matchedLabels: number;
  findings: number;
  matchedFindings: number;
  precision: number;
  recall: number;
}

export interface ScoreMiss {
  id: string;
  type: PiiType;
  /** masked value, never the clear value */
  masked: string;
}

export interface ScoreReport {
  perType: Record<PiiType, TypeScore>;
  overall: TypeScore;
  /** labels no finding matched */
  misses: ScoreMiss[];
  /** findings that matched no label */
  falsePositives: Array<ScoreMiss & { detector: string }>;
}

/** Types whose values are found by pattern + validation (as opposed to cue-based name/address). */
export const STRUCTURED_TYPES: readonly PiiType[] = ['phone', 'id_card', 'bank_card', 'email', 'passport', 'wechat', 'alipay'];
/** All detectors in runtime/pii are rules; name/address are cue-based rules. */
export const RULE_TYPES: readonly PiiType[] = PII_TYPES;

export function loadCorpus(path: string): CorpusEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as CorpusEntry);
}

/** Resolve labels to spans (k-th label with the same value -> k-th occurrence). Throws on a missing value. */
export function labelSpans(entry: CorpusEntry): LabelSpan[] {
  const seen = new Map<string, number>();
  return entry.labels.map((l) => {
    const k = seen.get(l.value) ?? 0;
    seen.set(l.value, k + 1);
    let pos = -1;
    for (let i = 0; i <= k; i++) {
      pos = entry.text.indexOf(l.value, pos + 1);
      if (pos < 0) throw new Error(`corpus ${entry.id}: label value #${k + 1} of type ${l.type} not found in text`);
    }
    return { type: l.type, start: pos, end: pos + l.value.length };
  });
}

function emptyScore(): TypeScore {
  return { labels: 0, matchedLabels: 0, findings: 0, matchedFindings: 0, precision: 1, recall: 1 };
}

function finish(s: TypeScore): void {
  s.precision = s.findings === 0 ? 1 : s.matchedFindings / s.findings;
  s.recall = s.labels === 0 ? 1 : s.matchedLabels / s.labels;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start < b.end && b.start < a.end;

export function scoreCorpus(
  entries: readonly CorpusEntry[],
  types: readonly PiiType[] = RULE_TYPES,
  detect: (text: string, types: readonly PiiType[]) => PiiFinding[] = detectPii,
): ScoreReport {
  const want = new Set(types);
  const perType = {} as Record<PiiType, TypeScore>;
  for (const t of PII_TYPES) perType[t] = emptyScore();
  const overall = emptyScore();
  const misses: ScoreMiss[] = [];
  const falsePositives: ScoreReport['falsePositives'] = [];
  for (const e of entries) {
    const labels = labelSpans(e).filter((l) => want.has(l.type));
    const findings = detect(e.text, types).filter((f) => want.has(f.type));
    for (const l of labels) {
      const hit = findings.some((f) => f.type === l.type && overlaps(f, l));
      perType[l.type].labels++;
      overall.labels++;
      if (hit) {
        perType[l.type].matchedLabels++;
        overall.matchedLabels++;
      } else {
        misses.push({ id: e.id, type: l.type, masked: maskValue(e.text, { ...l, detector: 'label' }) });
      }
    }
    for (const f of findings) {
      const hit = labels.some((l) => l.type === f.type && overlaps(f, l));
      perType[f.type].findings++;
      overall.findings++;
      if (hit) {
        perType[f.type].matchedFindings++;
        overall.matchedFindings++;
      } else {
        falsePositives.push({ id: e.id, type: f.type, detector: f.detector, masked: maskValue(e.text, f) });
      }
    }
  }
  for (const t of PII_TYPES) finish(perType[t]);
  finish(overall);
  return { perType, overall, misses, falsePositives };
}

/** Fixed-width table of a report, for the bench. */
export function formatReport(r: ScoreReport, types: readonly PiiType[] = RULE_TYPES): string {
  const rows = [['type', 'labels', 'findings', 'precision', 'recall']];
  for (const t of types) {
    const s = r.perType[t];
    rows.push([t, String(s.labels), String(s.findings), s.precision.toFixed(3), s.recall.toFixed(3)]);
  }
  const o = r.overall;
  rows.push(['overall', String(o.labels), String(o.findings), o.precision.toFixed(3), o.recall.toFixed(3)]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
}
