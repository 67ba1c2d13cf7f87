import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import { didYouMean } from './did-you-mean.ts';

/**
 * Chevrotain's raw "Expecting one of these possible Token sequences" walls, rewritten as sentences. A message may
 * carry a note after a NUL character; the syntax pass splits it into the diagnostic's note.
 */
export const NOTE_SEPARATOR = '\u0000';

interface BlockInfo {
  what: string;
  settings: string[];
}
const blocks: Record<string, BlockInfo> = {
  gatewayDecl: { what: 'gateway', settings: ['listen', 'auth', 'state', 'body_limit'] },
  providerDecl: { what: 'provider', settings: ['protocol', 'base_url', 'key', 'local', 'timeout', 'header'] },
  modelDecl: { what: 'model', settings: ['context', 'price', 'can', 'speed', 'free', 'limit'] },
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

function unknownSetting(blockRule: string, actual: IToken): string | null {
  const b = blocks[blockRule];
  if (!b || actual.tokenType === EOF) return null;
  if (actual.tokenType.name === 'Newline') return null;
  const guess = didYouMean(actual.image, b.settings);
  const msg = `unknown ${b.what} setting ${describeToken(actual)}; a ${b.what} block takes ${joinOr(b.settings)}`;
  return guess ? `${msg}${NOTE_SEPARATOR}did you mean "${guess}"?` : msg;
}

export const syntaxMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (expected === EOF) return syntaxMessages.buildNotAllInputParsedMessage({ firstRedundant: actual, ruleName });
    if (expected.name === 'RBrace') {
      const s = unknownSetting(ruleName, actual);
      if (s) return s;
      if (actual.tokenType === EOF) return `this block is not closed: expected "}" before the end of the file`;
    }
    const where = ruleContext[ruleName] ? ` in ${ruleContext[ruleName]}` : '';
    return `expected ${labelOf(expected)}${after(previous)}${where}, found ${describeToken(actual)}`;
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
      const s = unknownSetting(blockRule, first);
      if (s) return s;
    }
    if (ruleName === 'declaration') {
      return syntaxMessages.buildNotAllInputParsedMessage({ firstRedundant: first, ruleName });
    }
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? labelOf(path[0]) : 'end of input')));
    const what = ruleContext[ruleName] ?? joinOr(firsts);
    return `expected ${what}${after(previous)}, found ${describeToken(first)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
    const firsts = expectedIterationPaths.map((path) => (path[0] ? labelOf(path[0]) : 'something'));
    const what = ruleContext[ruleName] ?? `at least one ${joinOr(firsts)}`;
    return `expected ${what}${after(previous)}, found ${describeToken(actual[0])}`;
  },
};
