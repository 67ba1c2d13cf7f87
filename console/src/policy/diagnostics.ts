// The compiler's diagnostics (POST /console/api/policy/check) as CodeMirror lint ranges.
import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';

/** A diagnostic as POST /console/api/policy/check answers it (lines and columns from 1). */
export interface GwDiagnostic {
  severity: string;
  code: string;
  message: string;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

/** The document offset of a 1-based line and column, clamped into the text. */
export function offsetOf(doc: Text, line: number, col: number): number {
  const l = doc.line(Math.min(Math.max(1, line), doc.lines));
  return l.from + Math.min(Math.max(0, col - 1), l.length);
}

export function toLint(doc: Text, d: GwDiagnostic): Diagnostic {
  const from = offsetOf(doc, d.line, d.col);
  let to = d.endLine ? offsetOf(doc, d.endLine, d.endCol ?? d.col) : from;
  if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
  const severity = d.severity === 'warning' ? 'warning' : d.severity === 'error' ? 'error' : 'info';
  return { from, to: Math.max(from, to), severity, source: d.code, message: d.message };
}
