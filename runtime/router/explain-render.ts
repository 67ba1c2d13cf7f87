import type { DecisionTable } from '../types/decision-table.ts';
import type { Decision } from './types.ts';

/** `routes.gw:64` for a trace line's `routes.gw:64:1`, blank when the line has no source. */
function lineRef(at: string | null): string {
  if (!at) return '';
  const m = /^(.*):(\d+):\d+$/.exec(at);
  return m ? `${m[1]}:${m[2]}` : at;
}

/** The policy line number in a trace step's `routes.gw:64:1`; null for a step without one (or from elsewhere). */
function lineNumber(at: string | null, file: string): number | null {
  const m = at ? /^(.*):(\d+):\d+$/.exec(at) : null;
  return m && m[1] === file ? Number(m[2]) : null;
}

export interface ExplainMeta {
  now: number;
  piiLines: string[];
}

/** One line of the rendering and the routes.gw line the step on it comes from (null: a heading, a detail, or none). */
export interface ExplainLine {
  text: string;
  line: number | null;
}

/** `gw explain`'s human form as lines, each trace step with its routes.gw line number (the console links them). */
export function explainLines(table: DecisionTable, d: Decision, meta: ExplainMeta): ExplainLine[] {
  const width = Math.max(14, ...d.trace.map((t) => lineRef(t.at).length + 2));
  const rows: ExplainLine[] = [];
  const text = (t: string) => rows.push({ text: t, line: null });
  text(`gw explain · ${table.source.file} (sha256 ${table.source.sha256.slice(0, 12)}) · now ${new Date(meta.now).toISOString()} · draw ${d.draw.toFixed(3)}`);
  text('');
  text(`${'where'.padEnd(width)}${'step'.padEnd(11)}what`);
  for (const t of d.trace) {
    rows.push({ text: `${lineRef(t.at).padEnd(width)}${t.step.padEnd(11)}${t.message}`, line: lineNumber(t.at, table.source.file) });
    if (t.step === 'pii' && meta.piiLines.length && t.message.startsWith('found')) for (const p of meta.piiLines) text(`${''.padEnd(width + 11)}  ${p}`);
  }
  text('');
  if (d.error) text(`error (${d.error.type}): ${d.error.message}`);
  text(`scenario ${d.scenario ?? '-'} · tier ${d.tier ?? '-'} · model ${d.model ?? 'none'} · ${d.tokens.toLocaleString('en-US')} prompt tokens`);
  return rows;
}

/** The human form of `gw explain`: a trace whose first column points at the policy line behind each step. */
export function renderExplain(table: DecisionTable, d: Decision, meta: ExplainMeta): string {
  return `${explainLines(table, d, meta)
    .map((l) => l.text)
    .join('\n')}\n`;
}
