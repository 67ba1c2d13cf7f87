import { decide } from '../router/decide.ts';
import { requestParts } from '../router/request-text.ts';
import type { Decision, RouteRequest, StateSnapshot } from '../router/types.ts';
import type { PartFinding } from '../pii/scan.ts';
import { maskValue } from '../pii/mask.ts';
import type { ClassifierVerdict } from '../pii/classify.ts';
import { redactText } from '../state/redact-log.ts';
import type { Scrubber } from '../secrets/scrubber.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { runPiiChecks, scrubTrace, type ClassifyDeps } from './pii-gate.ts';

/**
 * Trace lines may quote the request (a `text ~` condition shows what it matched): with personal data found, every
 * detected value there is shown masked, and any piece of one starred.
 */
function maskTrace(d: Decision, texts: readonly string[], findings: readonly PartFinding[]): void {
  if (!findings.length) return;
  const values = findings.map((f) => [texts[f.part].slice(f.start, f.end), maskValue(texts[f.part], f)] as const).sort((a, b) => b[0].length - a[0].length);
  // whole values become their masks (through a marker, so the mask's own digits are not starred as pieces)
  const marker = (i: number) => `\u0000${i}\u0000`;
  for (const t of d.trace) values.forEach(([v], i) => v && (t.message = t.message.split(v).join(marker(i))));
  d.trace = scrubTrace(d, values.map(([v]) => v)).trace;
  for (const t of d.trace) values.forEach(([, masked], i) => (t.message = t.message.split(marker(i)).join(masked)));
}

/** Where the classifier's verdict goes in the trace: with the other PII lines (the router reports a verdict it got). */
function classifierNote(d: Decision, table: DecisionTable, line: string): void {
  const at = table.pii?.classify?.at ?? null;
  const said = d.trace.findIndex((t) => t.step === 'pii' && t.message.startsWith('classifier said'));
  const i = said !== -1 ? said + 1 : d.trace.findIndex((t) => t.step === 'pii');
  d.trace.splice(i === -1 ? 1 : i, 0, { step: 'pii', at, message: line });
}

export interface ExplainRun {
  decision: Decision;
  texts: readonly string[];
  findings: readonly PartFinding[];
  classifier: ClassifierVerdict | null;
  /** one line per personal value found, masked (what the rendering shows under the pii step) */
  piiLines: string[];
}

/**
 * A dry run of the router on one request, as `gw explain` and the console's playground show it: the PII checks (the
 * classifier only when `classify` is given), the pure `decide`, notes on a classifier not asked or failing, and every
 * personal value in the trace masked.
 */
export async function explainRun(
  table: DecisionTable,
  req: RouteRequest,
  state: StateSnapshot,
  now: number,
  draw: number,
  opts: { classify: ClassifyDeps | null; scrubber: Scrubber },
): Promise<ExplainRun> {
  const texts = requestParts(req).texts;
  const { findings, classifier } = await runPiiChecks(table, texts, opts.classify);
  const request: RouteRequest = { ...req, pii: table.pii ? { findings, ...(classifier ? { classifier: { verdict: classifier.verdict, ms: classifier.ms } } : {}) } : null };
  const d = decide(table, request, state, now, draw);
  const classify = table.pii?.classify;
  if (classify && !classifier) {
    if (findings.length) classifierNote(d, table, `classifier ${classify.model} not asked: the detectors already found personal data`);
    else if (!opts.classify) classifierNote(d, table, `classifier ${classify.model} not run (it needs the live local model; pass --classify to ask it)`);
  } else if (classifier?.verdict === 'error') {
    const then = table.pii?.onError === 'block' ? 'on_error block refuses the request' : 'on_error allow: routing goes on as without personal data';
    classifierNote(d, table, `the classifier failed (${opts.scrubber.message(redactText(classifier.detail ?? 'no answer')).slice(0, 160)}); ${then}`);
  }
  maskTrace(d, texts, findings);
  const piiLines = findings.map((f) => `${f.type} by ${f.detector} at part ${f.part} offsets ${f.start}-${f.end}: ${maskValue(texts[f.part], f)}`);
  return { decision: d, texts, findings, classifier, piiLines };
}
