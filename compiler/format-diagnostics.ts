import { baseName } from './source.ts';
import type { Diagnostic } from './diagnostics.ts';
import { maskSecretsInLine } from './mask-secrets.ts';

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
    // a secret written in the file is pointed at, never quoted
    const line = maskSecretsInLine(src.replace(/\r$/, '').replace(/\t/g, ' '));
    const startCol = Math.min(d.loc.col, line.length + 1);
    const endCol = d.loc.endLine === d.loc.line ? Math.max(d.loc.endCol, startCol + 1) : line.length + 1;
    const width = Math.max(1, Math.min(endCol, line.length + 1) - startCol);
    out.push(`${pad} |`);
    out.push(`${d.loc.line} | ${line}`);
    // columns count UTF-16 units; a terminal gives CJK and other wide characters two cells
    const indent = displayWidth(line.slice(0, startCol - 1));
    const carets = Math.max(1, displayWidth(line.slice(startCol - 1, startCol - 1 + width)));
    out.push(`${pad} | ${' '.repeat(indent)}${'^'.repeat(carets)}`);
  }
  for (const n of d.notes) {
    out.push(`  = note: ${n.message}${n.loc ? ` (${baseName(d.file)}:${n.loc.line}:${n.loc.col})` : ''}`);
  }
  return out.join('\n');
}

/** East Asian wide and fullwidth ranges (CJK, kana, hangul, fullwidth forms) and emoji: two terminal cells. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** How many terminal cells `s` takes (control and combining marks are not special-cased: policies rarely hold them). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return w;
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
