import { lex } from './lexer.ts';
import { parseTokens } from './parser.ts';
import { buildAst } from './build-ast.ts';
import { NOTE_SEPARATOR } from './syntax-messages.ts';
import { error, type Diagnostic } from './diagnostics.ts';
import { locAt, type Loc } from './source.ts';
import type { Policy } from './ast.ts';
import type { IToken } from 'chevrotain';

/** Lexer, parser and AST passes: text → AST with locations, or diagnostics. */
export function parsePolicy(text: string, file: string): { policy: Policy | null; diagnostics: Diagnostic[]; comments: IToken[] } {
  const diagnostics: Diagnostic[] = [];
  const lexed = lex(text);
  for (const e of lexed.errors) {
    const ch = text[e.offset];
    const msg =
      ch === '"'
        ? 'this string is not closed: add a `"` before the end of the line'
        : ch === '/'
          ? 'a `/` here must be part of a model reference (provider/model) or a price (2 / 6); a regular expression follows `~`'
          : `unexpected character "${ch}"`;
    const end = ch === '"' ? lineEnd(text, e.offset) : e.offset + Math.max(1, e.length);
    diagnostics.push(error('GW001', file, locAt(text, e.offset, Math.min(end, e.offset + Math.max(1, e.length))), msg));
  }
  const parsed = parseTokens(lexed.tokens);
  for (const e of parsed.errors) {
    const [message, note] = e.message.split(NOTE_SEPARATOR);
    diagnostics.push(error('GW002', file, errorLoc(text, e.token, e.previous), message, note ? [{ message: note }] : []));
  }
  if (diagnostics.length > 0) return { policy: null, diagnostics, comments: lexed.comments };
  const built = buildAst(parsed.cst, file);
  return { policy: built.policy, diagnostics: built.diagnostics, comments: lexed.comments };
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i === -1 ? text.length : i;
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
