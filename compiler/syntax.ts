import { createTokenInstance, type IToken, type TokenType } from 'chevrotain';
import { lex, NumberLit, Regex, Slash, StringLit, Tilde, type LexResult } from './lexer.ts';
import { parseTokens, type ParseResult } from './parser.ts';
import { buildAst } from './build-ast.ts';
import { NOTE_SEPARATOR, UNCLOSED_BLOCK, withSource } from './syntax-messages.ts';
import { error, type Diagnostic, type DiagnosticNote } from './diagnostics.ts';
import { lineCol, locAt, type Loc } from './source.ts';
import type { Policy } from './ast.ts';

/** Lexer, parser and AST passes: text → AST with locations, or diagnostics. */
export function parsePolicy(text: string, file: string): { policy: Policy | null; diagnostics: Diagnostic[]; comments: IToken[] } {
  const diagnostics: Diagnostic[] = [];
  const lexed = lex(text);
  const tokens = repairLexErrors(text, file, lexed, diagnostics);
  const parsed = withSource(tokens, () => parseTokens(tokens));
  for (const e of withoutCascades(parsed.errors, tokens)) {
    const [message, note] = e.message.split(NOTE_SEPARATOR);
    const notes: DiagnosticNote[] = note ? [{ message: note }] : [];
    let loc = errorLoc(text, e.token, tokenBefore(tokens, e.token) ?? e.previous);
    if (message.startsWith(UNCLOSED_BLOCK)) {
      const open = unclosedBrace(tokens);
      if (open) loc = locAt(text, open.startOffset, open.startOffset + 1);
    }
    diagnostics.push(error('GW002', file, loc, message, notes));
  }
  if (diagnostics.length > 0) return { policy: null, diagnostics, comments: lexed.comments };
  const built = buildAst(parsed.cst, file);
  return { policy: built.policy, diagnostics: built.diagnostics, comments: lexed.comments };
}

/** The end of the line holding `from` (before its `\r\n` or `\n`), or the end of the text. */
function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  if (i === -1) return text.length;
  return i > from && text[i - 1] === '\r' ? i - 1 : i;
}

/** An unclosed string or regex runs to the end of its line, except a final ` {` or ` }`: that is the block's. */
function beforeBrace(text: string, start: number, end: number): number {
  const m = /\s+[{}]\s*$/.exec(text.slice(start + 1, end));
  return m ? start + 1 + m.index : end;
}

interface BadSpan {
  start: number;
  end: number;
  diagnostic: Diagnostic;
  /** the token the parser sees in place of the span, so one mistake makes one diagnostic */
  replacement?: TokenType;
}

/**
 * Lexical mistakes become one diagnostic each, and the parser sees a stand-in token in their place: an unclosed
 * string or regular expression runs to the end of its line, a number with an unknown unit (`8kb`) is one word. Without
 * this, chevrotain's lexer drops one character and lexes the rest, and the parser reports the debris.
 */
function repairLexErrors(text: string, file: string, lexed: LexResult, diagnostics: Diagnostic[]): IToken[] {
  const events: { offset: number; length: number; slash: boolean }[] = lexed.errors.map((e) => ({ offset: e.offset, length: e.length, slash: false }));
  // A `/` right after `~` is a regular expression the lexer could not close.
  lexed.tokens.forEach((t, i) => {
    if (t.tokenType === Slash && i > 0 && lexed.tokens[i - 1].tokenType === Tilde) events.push({ offset: t.startOffset, length: 1, slash: true });
  });
  events.sort((a, b) => a.offset - b.offset);
  const spans: BadSpan[] = [];
  let covered = -1;
  for (const ev of events) {
    if (ev.offset < covered) continue;
    const span = badSpan(text, file, ev.offset, ev.length, ev.slash);
    // a token that starts inside the span belongs to it (`8kb-x` is one word)
    for (const t of lexed.tokens) if (t.startOffset >= span.start && t.startOffset < span.end && t.tokenType.name !== 'Newline') span.end = Math.max(span.end, (t.endOffset ?? t.startOffset) + 1);
    span.diagnostic.loc = locAt(text, span.start, span.end);
    spans.push(span);
    diagnostics.push(span.diagnostic);
    covered = span.end;
  }
  if (spans.length === 0) return lexed.tokens;
  const inSpan = (t: IToken) => spans.some((s) => t.startOffset >= s.start && t.startOffset < s.end);
  const out = lexed.tokens.filter((t) => !inSpan(t));
  for (const s of spans) {
    if (!s.replacement) continue;
    const a = lineCol(text, s.start);
    const z = lineCol(text, s.end - 1);
    out.push(createTokenInstance(s.replacement, text.slice(s.start, s.end), s.start, s.end - 1, a.line, z.line, a.col, z.col));
  }
  return out.sort((x, y) => x.startOffset - y.startOffset);
}

function badSpan(text: string, file: string, offset: number, length: number, slash: boolean): BadSpan {
  const at = (end: number, code: string, message: string, notes: DiagnosticNote[] = []) => error(code, file, locAt(text, offset, end), message, notes);
  if (slash) {
    if (text[offset + 1] === '/')
      return { start: offset, end: offset + 2, diagnostic: at(offset + 2, 'GW001', 'a regular expression cannot be empty: write the pattern between the slashes'), replacement: Regex };
    const end = beforeBrace(text, offset, lineEnd(text, offset));
    return { start: offset, end, diagnostic: at(end, 'GW001', 'this regular expression is not closed: add a `/` before the end of the line'), replacement: Regex };
  }
  const ch = text[offset];
  if (ch === '"') {
    const end = beforeBrace(text, offset, lineEnd(text, offset));
    return { start: offset, end, diagnostic: at(end, 'GW001', 'this string is not closed: add a `"` before the end of the line'), replacement: StringLit };
  }
  if (/\d/.test(ch)) {
    const word = /\d[A-Za-z0-9_.%]*/y;
    word.lastIndex = offset;
    const raw = word.exec(text)![0];
    const unit = /^\d+(?:\.\d+)?(.*)$/.exec(raw)?.[1] ?? '';
    const end = offset + raw.length;
    return {
      start: offset,
      end,
      diagnostic: at(end, 'GW010', `${unit ? `unknown unit "${unit}" in "${raw}"` : `"${raw}" is not a number`}; numbers take k, M (8k, 1M), % (70%) or ms, s, m, h, d (500ms, 3s, 24h)`),
      replacement: NumberLit,
    };
  }
  const end = offset + Math.max(1, length);
  const notes = ch === ';' ? [{ message: 'statements end at the end of the line; no `;` is needed' }] : [];
  return { start: offset, end, diagnostic: at(end, 'GW001', `unexpected character "${ch}"`, notes) };
}

/**
 * After a mistake, chevrotain may leave the declaration and resync at each following line, reporting every line of
 * the block again as "expected a declaration". Keep the first report: drop top-level errors inside the statement of an
 * earlier error (its line, or the `{ … }` it opens), and a stray top-level `}` once some error came before it.
 */
function withoutCascades(errors: ParseResult['errors'], tokens: IToken[]): ParseResult['errors'] {
  const out: ParseResult['errors'] = [];
  let skipUntil = -1;
  for (const e of errors) {
    const at = e.token.startOffset;
    const top = e.ruleStack.length > 0 && e.ruleStack.every((r) => r === 'policy' || r === 'declaration');
    if (top && !Number.isNaN(at)) {
      if (at < skipUntil) continue;
      if (out.length > 0 && e.token.tokenType.name === 'RBrace') continue;
    }
    out.push(e);
    if (!Number.isNaN(at)) skipUntil = Math.max(skipUntil, regionEnd(tokens, at));
  }
  return out;
}

/** Where the statement starting at `offset` ends: its line, or the `}` closing a block it opens. */
function regionEnd(tokens: IToken[], offset: number): number {
  let depth = 0;
  for (const t of tokens) {
    if (t.startOffset < offset) continue;
    const name = t.tokenType.name;
    if (name === 'LBrace') depth++;
    else if (name === 'RBrace') {
      depth--;
      if (depth === 0) return t.startOffset + 1;
    } else if (name === 'Newline' && depth <= 0) return t.startOffset;
  }
  return Infinity;
}

/** The innermost `{` that no `}` closes. */
function unclosedBrace(tokens: IToken[]): IToken | undefined {
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType.name === 'LBrace') open.push(t);
    else if (t.tokenType.name === 'RBrace') open.pop();
  }
  return open[open.length - 1];
}

/** The token written just before `t` (chevrotain's `previous` is where recovery left the parser). */
function tokenBefore(tokens: IToken[], t: IToken): IToken | undefined {
  if (Number.isNaN(t.startOffset) || t.tokenType.name === 'EOF') return tokens[tokens.length - 1];
  const i = tokens.indexOf(t);
  return i > 0 ? tokens[i - 1] : undefined;
}

/** Where a syntax error points: the offending token; at end of line/file, just after the previous token. */
function errorLoc(text: string, token: IToken, previous: IToken | undefined): Loc {
  const bad = Number.isNaN(token.startOffset) || token.tokenType.name === 'EOF' || token.tokenType.name === 'Newline';
  if (bad) {
    const anchor = previous && !Number.isNaN(previous.startOffset) ? (previous.endOffset ?? previous.startOffset) + 1 : Number.isNaN(token.startOffset) ? text.length : token.startOffset;
    return locAt(text, anchor, anchor + 1);
  }
  return locAt(text, token.startOffset, (token.endOffset ?? token.startOffset) + 1);
}
