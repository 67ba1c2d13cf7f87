import { createToken, Lexer, type IToken, type TokenType, type CustomPatternMatcherFunc } from 'chevrotain';
import { skipGrammarValidations } from './grammar-checks.ts';

/**
 * The routes.gw lexer. Keywords are "soft": every keyword is also an Identifier, so names such as a scenario called
 * `text` still parse. Keywords that start a statement inside a block also carry the StatementStart category, which
 * ends open-ended lists (`can code vision tools`) in one-line blocks.
 */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_](?:[A-Za-z0-9_]|-(?!>))*/, label: 'a name' });
export const StatementStart = createToken({ name: 'StatementStart', pattern: Lexer.NA });

const keywordTokens: TokenType[] = [];
const statementStarts = new Set<string>();
function kw(word: string, startsStatement = false): TokenType {
  const t = createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_]|-(?!>))`),
    longer_alt: [ModelRef, Identifier],
    categories: startsStatement ? [Identifier, StatementStart] : [Identifier],
    label: `\`${word}\``,
  });
  keywordTokens.push(t);
  if (startsStatement) statementStarts.add(word);
  return t;
}

// A model reference: provider/model, where the model part may hold / . : - (Qwen/Qwen2.5-7B-Instruct, qwen2.5:7b).
export const ModelRef = createToken({
  name: 'ModelRef',
  pattern: /[A-Za-z_][A-Za-z0-9_-]*\/(?:[A-Za-z0-9_.:/@]|-(?!>))+/,
  label: 'a model reference like provider/model',
});

// Top level
export const Gateway = kw('gateway', true);
export const Provider = kw('provider', true);
export const Model = kw('model', true);
export const Scenario = kw('scenario', true);
export const Pii = kw('pii', true);
export const Retry = kw('retry', true);
export const Fallback = kw('fallback', true);
export const Budget = kw('budget', true);
export const Alert = kw('alert', true);
export const Client = kw('client', true);
// gateway
export const Listen = kw('listen', true);
export const Auth = kw('auth', true);
export const State = kw('state', true);
export const BodyLimit = kw('body_limit', true);
export const Logs = kw('logs', true);
export const Cors = kw('cors', true);
export const ClampMaxTokens = kw('clamp_max_tokens', true);
// gateway and scenario: session affinity (`sticky 30m`, `sticky off`)
export const Sticky = kw('sticky', true);
export const Sync = kw('sync', true);
// provider
export const Protocol = kw('protocol', true);
export const BaseUrl = kw('base_url', true);
export const Key = kw('key', true);
export const Local = kw('local', true);
export const Timeout = kw('timeout', true);
export const IdleTimeout = kw('idle_timeout', true);
export const Deadline = kw('deadline', true);
export const Header = kw('header', true);
// model
export const Context = kw('context', true);
export const MaxOutput = kw('max_output', true);
export const Price = kw('price', true);
export const Cache = kw('cache');
export const Can = kw('can', true);
export const Speed = kw('speed', true);
export const Free = kw('free', true);
export const Limit = kw('limit', true);
// scenario
export const Paid = kw('paid', true);
export const Willingness = kw('willingness', true);
export const Rank = kw('rank', true);
// pii
export const Detect = kw('detect', true);
export const Classify = kw('classify', true);
export const Route = kw('route', true);
export const Redact = kw('redact', true);
export const Block = kw('block', true);
export const OnError = kw('on_error', true);
// retry
export const Attempts = kw('attempts', true);
export const Backoff = kw('backoff', true);
export const On = kw('on', true);
export const Cooldown = kw('cooldown', true);
// client
export const Allow = kw('allow', true);
export const Expires = kw('expires', true);
// soft words
export const When = kw('when');
export const Env = kw('env');
export const Or = kw('or');
export const And = kw('and');
export const Not = kw('not');
export const Tokens = kw('tokens');
export const Text = kw('text');
export const Has = kw('has');
export const Every = kw('every');
export const Once = kw('once');
export const Until = kw('until');
export const At = kw('at');
export const Any = kw('any');
export const With = kw('with');
export const Doubling = kw('doubling');
export const Up = kw('up');
export const To = kw('to');
export const After = kw('after');
export const Failures = kw('failures');
export const Per = kw('per');
export const Then = kw('then');
export const Below = kw('below');
export const Expiring = kw('expiring');
export const Within = kw('within');
export const Webhook = kw('webhook');
export const LowQuota = kw('low_quota');
export const Keep = kw('keep');
export const Listed = kw('listed');

export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: '`{`' });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: '`}`' });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '`(`' });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '`)`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/, label: '`->`' });
export const Tilde = createToken({ name: 'Tilde', pattern: /~/, label: '`~`' });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, label: '`>=`' });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, label: '`<=`' });
export const Gt = createToken({ name: 'Gt', pattern: />/, label: '`>`' });
export const Lt = createToken({ name: 'Lt', pattern: /</, label: '`<`' });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: '`=`' });

const regexBody = /\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([A-Za-z]*)/y;
/** A regex literal is only a regex right after `~`; elsewhere `/` divides a price or joins a model reference. */
const matchRegex: CustomPatternMatcherFunc = (text, offset, tokens) => {
  const prev = tokens[tokens.length - 1];
  if (!prev || prev.tokenType !== Tilde) return null;
  regexBody.lastIndex = offset;
  return regexBody.exec(text);
};
export const Regex = createToken({
  name: 'Regex',
  pattern: { exec: matchRegex },
  line_breaks: false,
  start_chars_hint: ['/'],
  label: 'a regular expression like /word/i',
});
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: '`/`' });

export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n]|\\.)*"/, label: 'a string' });
export const DateLit = createToken({ name: 'DateLit', pattern: /\d{4}-\d{2}-\d{2}(?![\w])/, label: 'a date like 2026-12-31' });
export const TimeLit = createToken({ name: 'TimeLit', pattern: /\d{1,2}:\d{2}(?![\w:])/, label: 'a time like 00:00' });
/** Numbers carry an optional unit: 8k 1M 70% 500ms 3s 10m 24h 7d. Which units fit is checked where the number is used. */
export const NumberLit = createToken({
  name: 'NumberLit',
  pattern: /\d+(?:\.\d+)?(?:ms|[kKMsmhd%])?(?![A-Za-z0-9_])/,
  label: 'a number',
});

export const Newline = createToken({ name: 'Newline', pattern: /\r?\n/, line_breaks: true, label: 'end of line' });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\f\v\uFEFF]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: 'comments' });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Newline,
  StringLit,
  Regex,
  DateLit,
  TimeLit,
  NumberLit,
  Arrow,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Tilde,
  GtEq,
  LtEq,
  Gt,
  Lt,
  Equals,
  ...keywordTokens,
  ModelRef,
  Identifier,
  StatementStart,
  Slash,
];

export const KEYWORDS: readonly string[] = keywordTokens.map((t) => t.name.slice(3));
export const STATEMENT_KEYWORDS: ReadonlySet<string> = statementStarts;

export const gwLexer = new Lexer(allTokens, { ensureOptimizations: true, positionTracking: 'full', skipValidations: skipGrammarValidations });

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  errors: { offset: number; line: number; column: number; length: number; message: string }[];
}

export function lex(text: string): LexResult {
  const r = gwLexer.tokenize(text);
  return {
    tokens: r.tokens,
    comments: (r.groups.comments as IToken[] | undefined) ?? [],
    errors: r.errors.map((e) => ({ offset: e.offset, line: e.line ?? 1, column: e.column ?? 1, length: e.length, message: e.message })),
  };
}
