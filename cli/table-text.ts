import { displayWidth } from '../compiler/format-diagnostics.ts';

export type Align = 'left' | 'right';

export interface TableOptions {
  /** per column; default left */
  align?: readonly Align[];
  /** spaces between columns (default 2) */
  gap?: number;
  /** spaces before the first column (default 0) */
  indent?: number;
}

/** Pad to `width` terminal cells (CJK titles take two cells a character). */
function pad(s: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}

/**
 * Rows of single-line cells → aligned lines (no trailing spaces). The first row is usually the header; every
 * row may have fewer cells than the widest (missing cells are blank).
 */
export function tableLines(rows: readonly (readonly string[])[], opts: TableOptions = {}): string[] {
  const gap = ' '.repeat(opts.gap ?? 2);
  const indent = ' '.repeat(opts.indent ?? 0);
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ''))));
  return rows.map((r) =>
    (indent + widths.map((w, i) => pad(r[i] ?? '', w, opts.align?.[i] ?? 'left')).join(gap)).replace(/\s+$/, ''),
  );
}

/** The start column (in cells) of column `index` in a table laid out by `tableLines` with the same rows and options. */
export function columnOffset(rows: readonly (readonly string[])[], index: number, opts: TableOptions = {}): number {
  let off = opts.indent ?? 0;
  for (let i = 0; i < index; i++) off += Math.max(0, ...rows.map((r) => displayWidth(r[i] ?? ''))) + (opts.gap ?? 2);
  return off;
}
