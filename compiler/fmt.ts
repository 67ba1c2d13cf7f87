import type { CstElement, CstNode, IToken } from 'chevrotain';
import { lex } from './lexer.ts';
import { parseTokens } from './parser.ts';
import { parsePolicy } from './syntax.ts';
import { error, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { locAt } from './source.ts';

/**
 * `gw fmt`: the one canonical layout of a routes.gw. It works on the token stream (so literals and comments keep
 * their exact spelling) with the statement boundaries taken from the parser's CST. Only whitespace changes: the
 * output is re-lexed and re-parsed before it is returned, and must hold the same tokens and comments as the input.
 *
 * Layout rules
 *  - Tokens: one space between tokens, except none before `,` and `)` or after `(` (`a, b`, `(tokens > 8k)`,
 *    `price 2 / 6`, `a -> b -> c`). Numbers, strings, regexes, names are kept exactly as written.
 *  - One declaration per line at the top level, at column 1.
 *  - Blocks: `HEADER {`, one statement per line indented two spaces, `}` alone at column 1.
 *  - One-line blocks: a block written with its `{` and `}` on one line stays one line — `HEADER { s1  s2 }`, two
 *    spaces between statements — if that line is at most 100 columns; otherwise it is opened up. A block with no
 *    statements and no comments is written `HEADER {}`.
 *  - Alignment of one-line blocks: consecutive one-line blocks of the same kind (`model … { … }` rows, `provider
 *    … { … }` rows) form a table, broken by a blank line or by any other declaration (full-line comments do not
 *    break it). The `{` of every row goes one space after the longest header; statements are aligned like Go's
 *    tabwriter: statement k is padded to the widest statement k of the neighbouring rows that also have a
 *    statement after it (so `context 64k   price …` lines up under `context 128k  price …`).
 *  - Comments: a full-line comment stays a full-line comment at the indentation of where it sits (top level or
 *    inside a block), in the same place among the statements. A trailing comment stays on the line of the token it
 *    followed (if a one-line block is opened up, a comment after its `}` moves to the `HEADER {` line). Trailing
 *    comments are aligned: within a block body (the whole body), or among top-level lines not separated by a blank
 *    line, they start at a common column: column 42 (COMMENT_COLUMN, the example policy's comment column), or two
 *    spaces after the widest commented line if that is wider; lines wider than 100 columns keep two spaces and do
 *    not push the others. Comment text is kept, minus trailing whitespace.
 *  - Blank lines: kept where written, collapsed to one; none at the start or end of the file, none after `{` or
 *    before `}`. No blank line is ever added.
 *  - The file ends with exactly one newline; CRLF becomes LF; a leading byte-order mark is dropped; tabs and
 *    trailing whitespace go. An empty (or whitespace-only) file formats to the empty text.
 *
 * Widths count display columns (CJK characters are two columns wide).
 */

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/** Maximum width of a one-line block, and of lines that take part in comment alignment. */
export const LINE_WIDTH = 100;
/** Trailing comments start at least at this 0-based column (column 42, as in the example policy). */
export const COMMENT_COLUMN = 41;
const INDENT = '  ';
const STATEMENT_GAP = 2;
const COMMENT_GAP = 2;

/** Format a routes.gw text. Refuses (with the syntax diagnostics) a text that does not parse. Never throws. */
export function formatPolicy(text: string, file = 'routes.gw'): FormatResult {
  try {
    return format(text, file);
  } catch (e) {
    return { ok: false, diagnostics: [internal(file, text, `gw fmt failed: ${(e as Error).message}`)] };
  }
}

function internal(file: string, text: string, message: string): Diagnostic {
  return error('GW900', file, locAt(text, 0, 0), `internal error: ${message}`);
}

// ---- structure ---------------------------------------------------------------------------------------------------

interface Decl {
  kind: string;
  header: IToken[];
  open: IToken | null;
  close: IToken | null;
  stmts: IToken[][];
  first: number; // input line of the first token
  last: number; // input line of the last token
  offset: number;
}

interface FullComment {
  text: string;
  line: number;
  offset: number;
}

type TopItem = { kind: 'decl'; decl: Decl } | { kind: 'comment'; comment: FullComment };
type BodyItem = { kind: 'stmt'; tokens: IToken[] } | { kind: 'comment'; comment: FullComment };

interface OutLine {
  depth: number;
  kind: 'code' | 'comment' | 'blank';
  /** code: cells separated by at least seps[k] spaces; comment: [text] */
  cells: string[];
  seps: number[];
  /** one-line blocks of the same kind next to each other are aligned as a table */
  run?: string;
  trailing?: string;
  /** rendered code (after alignment) */
  code?: string;
}

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

function tokensOf(n: CstNode, out: IToken[] = []): IToken[] {
  for (const v of Object.values(n.children)) for (const e of v) (isToken(e) ? out.push(e) : tokensOf(e, out));
  return out;
}

const isNewline = (t: IToken): boolean => t.tokenType.name === 'Newline';
const byOffset = (a: IToken, b: IToken): number => a.startOffset - b.startOffset;
const line = (t: IToken): number => t.startLine ?? 1;

function readDecl(n: CstNode): Decl {
  const all = tokensOf(n).filter((t) => !isNewline(t)).sort(byOffset);
  const open = (n.children.LBrace?.find(isToken) as IToken | undefined) ?? null;
  const close = (n.children.RBrace?.find(isToken) as IToken | undefined) ?? null;
  const header = open ? all.filter((t) => t.startOffset < open.startOffset) : all;
  const stmts: IToken[][] = [];
  if (open && close) {
    for (const v of Object.values(n.children)) {
      for (const e of v) {
        if (isToken(e)) continue;
        const ts = tokensOf(e).filter((t) => !isNewline(t)).sort(byOffset);
        if (ts.length > 0 && ts[0].startOffset > open.startOffset && ts[0].startOffset < close.startOffset) stmts.push(ts);
      }
    }
    stmts.sort((a, b) => a[0].startOffset - b[0].startOffset);
  }
  const lastTok = all[all.length - 1];
  return { kind: n.name, header, open, close, stmts, first: line(all[0]), last: line(lastTok), offset: all[0].startOffset };
}

function format(input: string, file: string): FormatResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const syntax = parsePolicy(text, file);
  if (!syntax.policy) return { ok: false, diagnostics: sortDiagnostics(syntax.diagnostics) };

  const lexed = lex(text);
  const parsed = parseTokens(lexed.tokens);
  if (lexed.errors.length > 0 || parsed.errors.length > 0) return { ok: false, diagnostics: [internal(file, text, 'the parser disagrees with itself')] };

  const decls: Decl[] = [];
  for (const d of parsed.cst.children.declaration ?? []) {
    if (isToken(d)) continue;
    const inner = Object.values(d.children).flat().find((e): e is CstNode => !isToken(e));
    if (inner) decls.push(readDecl(inner));
  }
  decls.sort((a, b) => a.offset - b.offset);

  // Comments: trailing ones attach to the last token before them on their line; the rest are full-line comments.
  const code = lexed.tokens.filter((t) => !isNewline(t));
  const lastOnLine = new Map<number, IToken>();
  for (const t of code) lastOnLine.set(line(t), t);
  const trailing = new Map<IToken, string>();
  const full: FullComment[] = [];
  for (const c of lexed.comments) {
    const body = c.image.trimEnd();
    const t = lastOnLine.get(line(c));
    if (t && t.startOffset < c.startOffset) trailing.set(t, body);
    else full.push({ text: body, line: line(c), offset: c.startOffset });
  }
  const trailingOf = (ts: readonly (IToken | null)[]): string | undefined => {
    const found = ts.filter((t): t is IToken => t !== null && trailing.has(t)).map((t) => trailing.get(t)!);
    return found.length > 0 ? found.join(' ') : undefined;
  };

  // Place the full-line comments: inside the block whose braces enclose them, else at the top level.
  const top: TopItem[] = decls.map((decl) => ({ kind: 'decl', decl }));
  const bodies = new Map<Decl, BodyItem[]>();
  for (const d of decls) bodies.set(d, d.stmts.map((tokens) => ({ kind: 'stmt', tokens })));
  for (const c of full) {
    const owner = decls.find((d) => d.open && d.close && d.open.startOffset < c.offset && c.offset < d.close.startOffset);
    if (owner) bodies.get(owner)!.push({ kind: 'comment', comment: c });
    else top.push({ kind: 'comment', comment: c });
  }
  const topOffset = (i: TopItem): number => (i.kind === 'decl' ? i.decl.offset : i.comment.offset);
  top.sort((a, b) => topOffset(a) - topOffset(b));
  const bodyOffset = (i: BodyItem): number => (i.kind === 'stmt' ? i.tokens[0].startOffset : i.comment.offset);
  for (const b of bodies.values()) b.sort((a, b2) => bodyOffset(a) - bodyOffset(b2));

  // Lay out.
  const out: OutLine[] = [];
  let prevLast = -1;
  for (const item of top) {
    const first = item.kind === 'decl' ? item.decl.first : item.comment.line;
    if (prevLast >= 0 && first - prevLast >= 2) out.push(blank(0));
    if (item.kind === 'comment') {
      out.push({ depth: 0, kind: 'comment', cells: [item.comment.text], seps: [] });
      prevLast = item.comment.line;
      continue;
    }
    const d = item.decl;
    prevLast = d.last;
    const header = joinTokens(d.header);
    if (!d.open || !d.close) {
      out.push(codeLine(0, [header], trailingOf(d.header)));
      continue;
    }
    const body = bodies.get(d)!;
    const stmtTexts = d.stmts.map(joinTokens);
    const hasComments = body.some((b) => b.kind === 'comment');
    if (!hasComments && stmtTexts.length === 0) {
      out.push({ ...codeLine(0, [header, '{}'], trailingOf([...d.header, d.open, d.close])), seps: [1], run: d.kind });
      continue;
    }
    const writtenOnOneLine = line(d.open) === line(d.close);
    if (writtenOnOneLine && !hasComments) {
      const cells = [header, ...stmtTexts];
      cells[1] = `{ ${cells[1]}`;
      cells[cells.length - 1] = `${cells[cells.length - 1]} }`;
      const seps = cells.slice(1).map((_, k) => (k === 0 ? 1 : STATEMENT_GAP));
      const flat = cells.map((c, k) => (k === 0 ? c : ' '.repeat(seps[k - 1]) + c)).join('');
      const all = [...d.header, d.open, ...d.stmts.flat(), d.close];
      if (width(flat) <= LINE_WIDTH) {
        out.push({ ...codeLine(0, cells, trailingOf(all)), seps, run: d.kind });
        continue;
      }
    }
    // Multi-line block.
    const closeComment = trailingOf([d.close]);
    const moveClose = writtenOnOneLine && closeComment !== undefined;
    out.push(codeLine(0, [`${header} {`], joinDefined(trailingOf([...d.header, d.open]), moveClose ? closeComment : undefined)));
    let prev = -1;
    for (const b of body) {
      const l = b.kind === 'stmt' ? line(b.tokens[0]) : b.comment.line;
      if (prev >= 0 && l - prev >= 2) out.push(blank(1));
      prev = b.kind === 'stmt' ? line(b.tokens[b.tokens.length - 1]) : l;
      if (b.kind === 'comment') out.push({ depth: 1, kind: 'comment', cells: [b.comment.text], seps: [] });
      else out.push(codeLine(1, [joinTokens(b.tokens)], trailingOf(b.tokens)));
    }
    out.push(codeLine(0, ['}'], moveClose ? undefined : closeComment));
  }

  alignRuns(out);
  const rendered = alignComments(out);
  const result = rendered.length > 0 ? `${rendered.join('\n')}\n` : '';

  const problem = verify(text, result);
  if (problem) return { ok: false, diagnostics: [internal(file, text, `gw fmt would change the policy (${problem}); the file was left as it is`)] };
  return { ok: true, text: result };
}

function blank(depth: number): OutLine {
  return { depth, kind: 'blank', cells: [], seps: [] };
}

function codeLine(depth: number, cells: string[], trailing: string | undefined): OutLine {
  return { depth, kind: 'code', cells, seps: [], trailing };
}

function joinDefined(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : `${a} ${b}`;
}

/** Tokens with single spaces, none before `,` or `)` and none after `(`. */
function joinTokens(ts: readonly IToken[]): string {
  let s = '';
  ts.forEach((t, i) => {
    if (i > 0) {
      const prev = ts[i - 1].tokenType.name;
      const cur = t.tokenType.name;
      if (!(cur === 'Comma' || cur === 'RParen' || prev === 'LParen')) s += ' ';
    }
    s += t.image;
  });
  return s;
}

// ---- alignment ---------------------------------------------------------------------------------------------------

/** Consecutive one-line blocks of one kind: align cells as Go's tabwriter does (a cell followed by another is a column cell). */
function alignRuns(lines: OutLine[]): void {
  const runs: OutLine[][] = [];
  let cur: OutLine[] = [];
  for (const l of lines) {
    if (l.kind === 'comment') continue;
    if (l.kind === 'code' && l.run !== undefined && (cur.length === 0 || cur[0].run === l.run)) {
      cur.push(l);
      continue;
    }
    if (cur.length > 0) runs.push(cur);
    cur = l.kind === 'code' && l.run !== undefined ? [l] : [];
  }
  if (cur.length > 0) runs.push(cur);

  for (const l of lines) if (l.kind === 'code') l.code = undefined;
  for (const rows of runs) {
    const widths = rows.map((r) => r.cells.map(() => 0));
    const maxCells = Math.max(...rows.map((r) => r.cells.length));
    for (let k = 0; k < maxCells - 1; k++) {
      let i = 0;
      while (i < rows.length) {
        if (rows[i].cells.length <= k + 1) {
          i++;
          continue;
        }
        let j = i;
        let w = 0;
        while (j < rows.length && rows[j].cells.length > k + 1) {
          w = Math.max(w, width(rows[j].cells[k]));
          j++;
        }
        for (let r = i; r < j; r++) widths[r][k] = w;
        i = j;
      }
    }
    rows.forEach((r, ri) => {
      r.code = r.cells.map((c, k) => (k < r.cells.length - 1 ? c + ' '.repeat(widths[ri][k] - width(c) + r.seps[k]) : c)).join('');
    });
  }
}

/** Render lines; trailing comments aligned per block body, or per top-level stretch without blank lines. */
function alignComments(lines: OutLine[]): string[] {
  const text = lines.map((l) => {
    if (l.kind === 'blank') return '';
    const indent = INDENT.repeat(l.depth);
    if (l.kind === 'comment') return indent + l.cells[0];
    return indent + (l.code ?? l.cells.map((c, k) => (k === 0 ? c : ' '.repeat(l.seps[k - 1] ?? 1) + c)).join(''));
  });
  const groups: number[][] = [];
  let group: number[] = [];
  lines.forEach((l, i) => {
    const prev = lines[i - 1];
    if (prev && (prev.depth !== l.depth || (l.depth === 0 && l.kind === 'blank'))) {
      groups.push(group);
      group = [];
    }
    group.push(i);
  });
  groups.push(group);
  for (const g of groups) {
    const commented = g.filter((i) => lines[i].trailing !== undefined);
    if (commented.length === 0) continue;
    let col = COMMENT_COLUMN;
    for (const i of commented) {
      const w = width(text[i]);
      if (w <= LINE_WIDTH) col = Math.max(col, w + COMMENT_GAP);
    }
    for (const i of commented) {
      const w = width(text[i]);
      text[i] += ' '.repeat(Math.max(COMMENT_GAP, col - w)) + lines[i].trailing;
    }
  }
  return text;
}

/** Display width: East Asian wide and fullwidth characters count two columns, combining marks none. */
export function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || (c >= 0xfe00 && c <= 0xfe0f)) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0x303e) ||
      (c >= 0x3041 && c <= 0x33ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xa000 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x1f900 && c <= 0x1f9ff) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

// ---- safety net --------------------------------------------------------------------------------------------------

/** The output must lex and parse cleanly and hold exactly the input's tokens and comments. Returns a problem or null. */
function verify(before: string, after: string): string | null {
  const a = lex(before);
  const b = lex(after);
  if (b.errors.length > 0) return 'the output does not lex';
  const sig = (ts: IToken[]): string[] => ts.filter((t) => !isNewline(t)).map((t) => `${t.tokenType.name}\u0000${t.image}`);
  const sa = sig(a.tokens);
  const sb = sig(b.tokens);
  if (sa.length !== sb.length || sa.some((s, i) => s !== sb[i])) return 'tokens differ';
  const ca = a.comments.map((c) => c.image.trimEnd());
  const cb = b.comments.map((c) => c.image.trimEnd());
  if (ca.length !== cb.length || ca.some((c, i) => c !== cb[i])) return 'comments differ';
  if (parseTokens(b.tokens).errors.length > 0) return 'the output does not parse';
  return null;
}
