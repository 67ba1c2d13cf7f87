/** A span in a routes.gw source text. Lines and columns are 1-based; offsets are 0-based, end exclusive. */
export interface Loc {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  offset: number;
  endOffset: number;
}

export interface SourceText {
  file: string;
  text: string;
}

/** `routes.gw:12:3` — the form every table row and trace line uses to point back at the policy. */
export function locRef(file: string, loc: Loc): string {
  return `${baseName(file)}:${loc.line}:${loc.col}`;
}

export function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/** Location of the span [start, end) of `text`. */
export function locAt(text: string, start: number, end: number): Loc {
  const a = lineCol(text, start);
  const b = lineCol(text, end);
  return { line: a.line, col: a.col, endLine: b.line, endCol: b.col, offset: start, endOffset: end };
}

export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

export function spanLoc(a: Loc, b: Loc): Loc {
  return { line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol, offset: a.offset, endOffset: b.endOffset };
}
