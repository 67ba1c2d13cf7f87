import { baseName } from './source.ts';
import type { Diagnostic } from './diagnostics.ts';

/**
 * `routes.gw:12:8: error[GW102]: unknown provider "anthropc"`, the source line with a caret under the span, the
 * notes, and (from formatReport) a closing count.
 */
export function formatDiagnostic(d: Diagnostic, text: string): string {
  const lines = text.split('\n');
  const out = [`${d.file}:${d.loc.line}:${d.loc.col}: ${d.severity}[${d.code}]: ${d.message}`];
  const src = lines[d.loc.line - 1];
  if (src !== undefined && text.length > 0) {
    const gutter = String(d.loc.line).length;
    const pad = ' '.repeat(gutter);
    const line = src.replace(/\r$/, '').replace(/\t/g, ' ');
    const startCol = Math.min(d.loc.col, line.length + 1);
    const endCol = d.loc.endLine === d.loc.line ? Math.max(d.loc.endCol, startCol + 1) : line.length + 1;
    const width = Math.max(1, Math.min(endCol, line.length + 1) - startCol);
    out.push(`${pad} |`);
    out.push(`${d.loc.line} | ${line}`);
    out.push(`${pad} | ${' '.repeat(startCol - 1)}${'^'.repeat(width)}`);
  }
  for (const n of d.notes) {
    out.push(`  = note: ${n.message}${n.loc ? ` (${baseName(d.file)}:${n.loc.line}:${n.loc.col})` : ''}`);
  }
  return out.join('\n');
}

export function countSummary(ds: readonly Diagnostic[]): string {
  const e = ds.filter((d) => d.severity === 'error').length;
  const w = ds.length - e;
  const parts: string[] = [];
  if (e) parts.push(`${e} error${e === 1 ? '' : 's'}`);
  if (w) parts.push(`${w} warning${w === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function formatReport(ds: readonly Diagnostic[], text: string): string {
  if (ds.length === 0) return '';
  return `${ds.map((d) => formatDiagnostic(d, text)).join('\n\n')}\n\n${countSummary(ds)}\n`;
}

export function diagnosticsJson(ds: readonly Diagnostic[]): object {
  return {
    diagnostics: ds.map((d) => ({
      file: d.file,
      line: d.loc.line,
      col: d.loc.col,
      endLine: d.loc.endLine,
      endCol: d.loc.endCol,
      severity: d.severity,
      code: d.code,
      message: d.message,
      notes: d.notes.map((n) => (n.loc ? { message: n.message, line: n.loc.line, col: n.loc.col } : { message: n.message })),
    })),
    errors: ds.filter((d) => d.severity === 'error').length,
    warnings: ds.filter((d) => d.severity === 'warning').length,
  };
}
