import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import { didYouMean } from './did-you-mean.ts';
import { NEVER_RETRIED, RETRY_CLASSES } from './checks/limits.ts';
import { PII_TYPES } from '../runtime/pii/types.ts';

/**
 * Chevrotain's raw "Expecting one of these possible Token sequences" walls, rewritten as sentences. A message may
 * carry a note after a NUL character; the syntax pass splits it into the diagnostic's note.
 */
export const NOTE_SEPARATOR = '\u0000';
/** How an unclosed-block message starts: the syntax pass points it at the `{` that is never closed. */
export const UNCLOSED_BLOCK = 'this block is not closed';

interface BlockInfo {
  what: string;
  settings: string[];
}
const blocks: Record<string, BlockInfo> = {
  gatewayDecl: { what: 'gateway', settings: ['listen', 'auth', 'state', 'body_limit', 'logs', 'cors', 'clamp_max_tokens', 'sync'] },
  providerDecl: { what: 'provider', settings: ['protocol', 'base_url', 'key', 'local', 'timeout', 'idle_timeout', 'deadline', 'header'] },
  modelDecl: { what: 'model', settings: ['context', 'max_output', 'price', 'can', 'speed', 'free', 'limit'] },
  scenarioDecl: { what: 'scenario', settings: ['paid', 'free', 'willingness', 'rank', 'fallback'] },
  piiDecl: { what: 'pii', settings: ['detect', 'classify', 'route', 'redact', 'block', 'on_error'] },
  retryDecl: { what: 'retry', settings: ['attempts', 'backoff', 'on', 'cooldown'] },
};
const statementRules: Record<string, string> = {
  gatewayStatement: 'gatewayDecl',
  providerStatement: 'providerDecl',
  modelStatement: 'modelDecl',
  scenarioStatement: 'scenarioDecl',
  piiStatement: 'piiDecl',
  retryStatement: 'retryDecl',
};
const DECLARATIONS = ['gateway', 'provider', 'model', 'scenario', 'pii', 'retry', 'fallback', 'budget', 'alert'];

/**
 * Blocks with an open-ended word list (`on network rate_limit`, `detect phone email`). The list ends at the first word
 * that starts a statement, so a keyword written as an item (`on network auth`) arrives as an unknown setting.
 */
const lists: Record<string, { keyword: string; item: string; items: readonly string[]; never?: readonly string[] }> = {
  retryDecl: { keyword: 'on', item: 'retry class', items: RETRY_CLASSES, never: NEVER_RETRIED },
  piiDecl: { keyword: 'detect', item: 'PII detector', items: PII_TYPES },
};

const ruleContext: Record<string, string> = {
  value: 'a value (env NAME, a "string" or a number)',
  condition: 'a condition',
  andCondition: 'a condition',
  unaryCondition: 'a condition',
  primaryCondition:
    'a condition (tokens > N, text ~ /re/, model ~ /re/, has image, has tools, header NAME = "v", not …, ( … ))',
  freeQuota: 'a free quota (free N tokens every day|week|month [at HH:MM ZONE] | once [until DATE])',
  alertItem: 'an alert item (low_quota below N tokens, expiring within D, webhook URL)',
  modelList: 'a model reference like provider/model',
  chain: 'a model reference like provider/model',
};

/** `… in X` after a mismatched token: the long forms of a condition are noise once its first word is written. */
const mismatchContext: Record<string, string | null> = {
  ...ruleContext,
  primaryCondition: 'a condition',
  modelList: null,
  chain: null,
};

export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'the end of the file';
  if (t.tokenType.name === 'Newline') return 'the end of the line';
  if (t.tokenType.name === 'StringLit') return `the string ${t.image}`;
  return `"${t.image}"`;
}

function labelOf(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function joinOr(items: string[]): string {
  const u = [...new Set(items)];
  if (u.length <= 1) return u[0] ?? 'something else';
  return `${u.slice(0, -1).join(', ')} or ${u[u.length - 1]}`;
}

function after(previous: IToken | undefined): string {
  return previous && previous.image && previous.tokenType !== EOF && previous.tokenType.name !== 'Newline'
    ? ` after "${previous.image}"`
    : '';
}

/**
 * The tokens being parsed, so messages can name the token really written before the offending one: chevrotain's
 * `previous` is the parser's position, which in-repetition recovery has already moved past skipped tokens.
 */
let source: readonly IToken[] = [];
export function withSource<T>(tokens: readonly IToken[], run: () => T): T {
  source = tokens;
  try {
    return run();
  } finally {
    source = [];
  }
}

function tokenBefore(actual: IToken, fallback: IToken | undefined): IToken | undefined {
  if (Number.isNaN(actual.startOffset) || actual.tokenType === EOF) return source.length > 0 ? source[source.length - 1] : fallback;
  let lo = 0;
  let hi = source.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (source[mid].startOffset < actual.startOffset) lo = mid + 1;
    else hi = mid;
  }
  if (source[lo] !== actual) return fallback; // not from this input: trust chevrotain
  return lo > 0 ? source[lo - 1] : undefined;
}

function sameLine(a: IToken | undefined, b: IToken): boolean {
  return a !== undefined && a.tokenType !== EOF && a.tokenType.name !== 'Newline' && a.startLine === b.startLine;
}

function unknownSetting(blockRule: string, actual: IToken, reported?: IToken): string | null {
  const previous = tokenBefore(actual, reported);
  const b = blocks[blockRule];
  if (!b || actual.tokenType === EOF) return null;
  if (actual.tokenType.name === 'Newline') return null;
  // A declaration word starting a line inside a block: most likely the block above lacks its `}`. `model` is also
  // a plausible misplaced setting (`model gpt-4o` in a scenario), so it keeps the unknown-setting message with a hint.
  if (previous?.tokenType.name === 'Newline' && DECLARATIONS.includes(actual.image) && !b.settings.includes(actual.image)) {
    if (actual.image !== 'model') return `the ${b.what} block is not closed: expected "}" before "${actual.image}"`;
    return `unknown ${b.what} setting "model"; a ${b.what} block takes ${joinOr(b.settings)}${NOTE_SEPARATOR}if the ${b.what} block ends above this line, it is missing its "}"`;
  }
  const list = lists[blockRule];
  if (list && previous && sameLine(previous, actual) && (previous.tokenType.name === 'Identifier' || previous.image === list.keyword)) {
    const msg = `"${actual.image}" is not a ${list.item}; \`${list.keyword}\` takes ${joinOr([...list.items])}`;
    if (list.never?.includes(actual.image)) return `${msg}${NOTE_SEPARATOR}"${actual.image}" errors are never retried: the same request would fail the same way`;
    const g = didYouMean(actual.image, list.items);
    return g ? `${msg}${NOTE_SEPARATOR}did you mean "${g}"?` : msg;
  }
  const guess = didYouMean(actual.image, b.settings);
  const msg = `unknown ${b.what} setting ${describeToken(actual)}; a ${b.what} block takes ${joinOr(b.settings)}`;
  return guess ? `${msg}${NOTE_SEPARATOR}did you mean "${guess}"?` : msg;
}

export const syntaxMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (expected === EOF) return syntaxMessages.buildNotAllInputParsedMessage({ firstRedundant: actual, ruleName });
    if (expected.name === 'RBrace') {
      const s = unknownSetting(ruleName, actual, previous);
      if (s) return s;
      if (actual.tokenType === EOF) return `${UNCLOSED_BLOCK}: expected "}" before the end of the file`;
    }
    const context = mismatchContext[ruleName];
    const where = context ? ` in ${context}` : '';
    const msg = `expected ${labelOf(expected)}${after(tokenBefore(actual, previous))}${where}, found ${describeToken(actual)}`;
    if (expected.name === 'LBrace' && ruleName === 'scenarioDecl' && didYouMean(actual.image, ['when']))
      return `${msg}${NOTE_SEPARATOR}did you mean "when"?`;
    if (expected.name === 'Regex' && actual.tokenType.name === 'StringLit') {
      const pattern = actual.image.slice(1, -1).replace(/\//g, '\\/');
      return `${msg}${NOTE_SEPARATOR}a pattern is written between slashes: /${pattern}/`;
    }
    return msg;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    const guess = didYouMean(firstRedundant.image, DECLARATIONS);
    const msg = `expected a declaration (${DECLARATIONS.join(', ')}), found ${describeToken(firstRedundant)}`;
    return guess ? `${msg}${NOTE_SEPARATOR}did you mean "${guess}"?` : msg;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
    const first = actual[0];
    const blockRule = statementRules[ruleName];
    if (blockRule) {
      const s = unknownSetting(blockRule, first, previous);
      if (s) return s;
    }
    if (ruleName === 'declaration') {
      return syntaxMessages.buildNotAllInputParsedMessage({ firstRedundant: first, ruleName });
    }
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? labelOf(path[0]) : 'end of input')));
    const what = ruleContext[ruleName] ?? joinOr(firsts);
    return `expected ${what}${after(tokenBefore(first, previous))}, found ${describeToken(first)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
    const firsts = expectedIterationPaths.map((path) => (path[0] ? labelOf(path[0]) : 'something'));
    const what = ruleContext[ruleName] ?? `at least one ${joinOr(firsts)}`;
    return `expected ${what}${after(tokenBefore(actual[0], previous))}, found ${describeToken(actual[0])}`;
  },
};
