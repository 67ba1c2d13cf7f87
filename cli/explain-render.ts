import type { DecisionTable } from '../runtime/types/decision-table.ts';
import type { Decision } from '../runtime/router/types.ts';

/** `routes.gw:64` for a trace line's `routes.gw:64:1`, blank when the line has no source. */
function lineRef(at: string | null): string {
  if (!at) return '';
  const m = /^(.*):(\d+):\d+$/.exec(at);
  return m ? `${m[1]}:${m[2]}` : at;
}

export interface ExplainMeta {
  now: number;
  piiLines: string[];
}

/** The human form of `gw explain`: a trace whose first column points at the policy line behind each step. */
export function renderExplain(table: DecisionTable, d: Decision, meta: ExplainMeta): string {
  const width = Math.max(14, ...d.trace.map((t) => lineRef(t.at).length + 2));
  const rows: string[] = [];
  rows.push(`gw explain · ${table.source.file} (sha256 ${table.source.sha256.slice(0, 12)}) · now ${new Date(meta.now).toISOString()} · draw ${d.draw.toFixed(3)}`);
  rows.push('');
  rows.push(`${'where'.padEnd(width)}${'step'.padEnd(11)}what`);
  for (const t of d.trace) {
    rows.push(`${lineRef(t.at).padEnd(width)}${t.step.padEnd(11)}${t.message}`);
    if (t.step === 'pii' && meta.piiLines.length && t.message.startsWith('found')) for (const p of meta.piiLines) rows.push(`${''.padEnd(width + 11)}  ${p}`);
  }
  rows.push('');
  if (d.error) rows.push(`error (${d.error.type}): ${d.error.message}`);
  rows.push(`scenario ${d.scenario ?? '-'} · tier ${d.tier ?? '-'} · model ${d.model ?? 'none'} · ${d.tokens.toLocaleString('en-US')} prompt tokens`);
  return `${rows.join('\n')}\n`;
}
