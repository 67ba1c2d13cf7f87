// routes.gw highlighting for CodeMirror 6: a stream tokenizer following compiler/lexer.ts's tokens (keywords come from
// the lexer itself through the `virtual:gw-keywords` build module).
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { soft, statements } from 'virtual:gw-keywords';

const STATEMENT = new Set(statements);
const SOFT = new Set(soft);

interface State {
  /** the previous token was `~`: a `/…/flags` regex may follow */
  afterTilde: boolean;
}

const IDENT = /^[A-Za-z_](?:[A-Za-z0-9_]|-(?!>))*/;
const MODEL_REF = /^[A-Za-z_][A-Za-z0-9_-]*\/(?:[A-Za-z0-9_.:/@]|-(?!>))+/;
const REGEX = /^\/(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+\/[A-Za-z]*/;
const DATE = /^\d{4}-\d{2}-\d{2}(?!\w)/;
const TIME = /^\d{1,2}:\d{2}(?![\w:])/;
const NUMBER = /^\d+(?:\.\d+)?(?:ms|[kKMsmhd%])?(?![A-Za-z0-9_])/;

function token(stream: StringStream, state: State): string | null {
  if (stream.eatSpace()) return null;
  const afterTilde = state.afterTilde;
  state.afterTilde = false;
  if (stream.match('#')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
  if (afterTilde && stream.match(REGEX)) return 'regexp';
  if (stream.match(DATE) || stream.match(TIME) || stream.match(NUMBER)) return 'number';
  if (stream.match('->') || stream.match(/^(>=|<=|[<>=])/)) return 'operator';
  if (stream.match('~')) {
    state.afterTilde = true;
    return 'operator';
  }
  if (stream.match(/^[{}()]/)) return 'bracket';
  if (stream.match(',') || stream.match('/')) return 'punctuation';
  if (stream.match(MODEL_REF)) return 'typeName';
  const word = stream.match(IDENT) as RegExpMatchArray | null;
  if (word) {
    if (STATEMENT.has(word[0])) return 'keyword';
    if (SOFT.has(word[0])) return 'operatorKeyword';
    return 'variableName';
  }
  stream.next();
  return 'invalid';
}

export const routesGw = StreamLanguage.define<State>({
  name: 'routes.gw',
  startState: () => ({ afterTilde: false }),
  copyState: (s) => ({ ...s }),
  token,
  languageData: { commentTokens: { line: '#' } },
});
