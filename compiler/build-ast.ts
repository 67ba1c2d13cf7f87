import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { error, type Diagnostic } from './diagnostics.ts';
import type { Loc } from './source.ts';
import { interpret, type QuantityKind } from './units.ts';

/** CST → AST: every node gets its span; number literals are checked against the unit their place takes (GW010). */
export function buildAst(cst: CstNode, file: string): { policy: A.Policy; diagnostics: Diagnostic[] } {
  const b = new Builder(file);
  const decls: A.Decl[] = [];
  for (const d of nodes(cst, 'declaration')) {
    const inner = firstChildNode(d);
    const decl = b.declaration(inner);
    if (decl) decls.push(decl);
  }
  return { policy: { file, decls }, diagnostics: b.diagnostics };
}

type Children = Record<string, CstElement[]>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}
function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e));
}
function node(n: CstNode, key: string): CstNode | undefined {
  return nodes(n, key)[0];
}
function toks(n: CstNode, key: string): IToken[] {
  return (n.children[key] ?? []).filter(isToken);
}
function tok(n: CstNode, key: string): IToken | undefined {
  return toks(n, key)[0];
}
function firstChildNode(n: CstNode): CstNode {
  for (const v of Object.values(n.children)) for (const e of v) if (!isToken(e)) return e;
  throw new Error(`empty ${n.name}`);
}
function has(n: CstNode, key: string): boolean {
  return (n.children[key]?.length ?? 0) > 0;
}

export function tokenLoc(t: IToken): Loc {
  const end = (t.endOffset ?? t.startOffset) + 1;
  return {
    line: t.startLine ?? 1,
    col: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endCol: (t.endColumn ?? t.startColumn ?? 1) + 1,
    offset: t.startOffset,
    endOffset: end,
  };
}

/** The span of a CST node, newlines excluded: its first and last real tokens, found without collecting them. */
function nodeLoc(n: CstNode): Loc {
  const ends: { first: IToken | null; last: IToken | null } = { first: null, last: null };
  extremes(n, ends);
  const a = tokenLoc(ends.first!);
  const z = tokenLoc(ends.last!);
  return { line: a.line, col: a.col, endLine: z.endLine, endCol: z.endCol, offset: a.offset, endOffset: z.endOffset };
}

function extremes(n: CstNode, ends: { first: IToken | null; last: IToken | null }): void {
  for (const key in n.children) {
    for (const e of (n.children as Children)[key]) {
      if (!isToken(e)) {
        extremes(e, ends);
        continue;
      }
      if (e.tokenType.name === 'Newline' || Number.isNaN(e.startOffset)) continue;
      if (!ends.first || e.startOffset < ends.first.startOffset) ends.first = e;
      if (!ends.last || e.startOffset > ends.last.startOffset) ends.last = e;
    }
  }
}

function unquote(image: string): string {
  return JSON.parse(image) as string;
}

class Builder {
  diagnostics: Diagnostic[] = [];
  private file: string;
  constructor(file: string) {
    this.file = file;
  }

  name(t: IToken): A.Name {
    return { text: t.image, loc: tokenLoc(t) };
  }

  quantity(t: IToken, kind: QuantityKind): A.Quantity {
    const r = interpret(t.image, kind);
    if ('error' in r) this.diagnostics.push(error('GW010', this.file, tokenLoc(t), r.error));
    const unit = /^[\d.]+(.*)$/.exec(t.image)?.[1] ?? '';
    return { value: 'error' in r ? NaN : r.value, unit, raw: t.image, loc: tokenLoc(t) };
  }

  value(n: CstNode): A.Value {
    const loc = nodeLoc(n);
    if (has(n, 'Kw_env')) {
      const inner = node(n, 'value');
      return { kind: 'env', name: tok(n, 'Identifier')!.image, fallback: inner ? this.value(inner) : null, loc };
    }
    const s = tok(n, 'StringLit');
    if (s) return { kind: 'string', value: unquote(s.image), loc };
    const num = tok(n, 'NumberLit')!;
    const q = this.quantity(num, 'count');
    return { kind: 'number', value: q.value, unit: q.unit, raw: num.image, loc };
  }

  models(n: CstNode): A.Name[] {
    return toks(n, 'ModelRef').map((t) => this.name(t));
  }

  declaration(n: CstNode): A.Decl | null {
    const loc = nodeLoc(n);
    switch (n.name) {
      case 'gatewayDecl':
        return { kind: 'gateway', loc, settings: nodes(n, 'gatewayStatement').map((s) => this.gatewaySetting(s)) };
      case 'providerDecl':
        return {
          kind: 'provider',
          loc,
          name: this.name(tok(n, 'Identifier')!),
          settings: nodes(n, 'providerStatement').map((s) => this.providerSetting(s)),
        };
      case 'modelDecl':
        return {
          kind: 'model',
          loc,
          ref: this.name(tok(n, 'ModelRef')!),
          settings: nodes(n, 'modelStatement').map((s) => this.modelSetting(s)),
        };
      case 'scenarioDecl': {
        const c = node(n, 'condition');
        return {
          kind: 'scenario',
          loc,
          name: this.name(tok(n, 'Identifier')!),
          when: c ? this.condition(c) : null,
          settings: nodes(n, 'scenarioStatement').map((s) => this.scenarioSetting(s)),
        };
      }
      case 'piiDecl':
        return { kind: 'pii', loc, settings: nodes(n, 'piiStatement').map((s) => this.piiSetting(s)) };
      case 'retryDecl':
        return { kind: 'retry', loc, settings: nodes(n, 'retryStatement').map((s) => this.retrySetting(s)) };
      case 'fallbackDecl':
        return { kind: 'fallback', loc, chain: this.models(node(n, 'chain')!) };
      case 'budgetDecl': {
        const ids = toks(n, 'Identifier');
        return { kind: 'budget', loc, amount: this.quantity(tok(n, 'NumberLit')!, 'plain'), per: this.name(ids[0]), then: this.name(ids[1]) };
      }
      case 'alertDecl': {
        const d: A.AlertDecl = { kind: 'alert', loc, lowQuotaBelow: null, expiringWithin: null, webhook: null };
        for (const item of nodes(n, 'alertItem')) {
          const num = tok(item, 'NumberLit');
          if (has(item, 'Kw_low_quota')) d.lowQuotaBelow = this.quantity(num!, 'count');
          else if (has(item, 'Kw_expiring')) d.expiringWithin = this.quantity(num!, 'duration');
          else d.webhook = this.value(node(item, 'value')!);
        }
        return d;
      }
      case 'clientDecl':
        return { kind: 'client', loc, name: this.name(tok(n, 'Identifier')!), settings: nodes(n, 'clientStatement').map((s) => this.clientSetting(s)) };
      default:
        return null;
    }
  }

  clientSetting(n: CstNode): A.ClientSetting {
    const loc = nodeLoc(n);
    const ids = toks(n, 'Identifier');
    if (has(n, 'Kw_key')) return { kind: 'key', value: this.value(node(n, 'value')!), loc };
    if (has(n, 'Kw_limit')) return { kind: 'limit', value: this.quantity(tok(n, 'NumberLit')!, 'count'), unit: this.name(ids[0]), loc };
    if (has(n, 'Kw_budget')) return { kind: 'budget', amount: this.quantity(tok(n, 'NumberLit')!, 'plain'), per: this.name(ids[0]), then: this.name(ids[1]), loc };
    if (has(n, 'Kw_allow')) {
      const names = nodes(n, 'allowItem').map((i) => this.name((tok(i, 'ModelRef') ?? tok(i, 'Identifier'))!));
      return { kind: 'allow', what: has(n, 'Kw_scenario') ? 'scenario' : 'model', names, loc };
    }
    return { kind: 'expires', date: this.name(tok(n, 'DateLit')!), loc };
  }

  gatewaySetting(n: CstNode): A.GatewaySetting {
    const loc = nodeLoc(n);
    const v = node(n, 'value');
    if (has(n, 'Kw_listen')) return { kind: 'listen', value: this.value(v!), loc };
    if (has(n, 'Kw_auth')) return { kind: 'auth', value: this.value(v!), loc };
    if (has(n, 'Kw_state')) return { kind: 'state', value: this.value(v!), loc };
    const cors = node(n, 'corsSetting');
    if (cors) return { kind: 'cors', any: has(cors, 'Kw_any'), origins: toks(cors, 'StringLit').map((t) => ({ value: unquote(t.image), loc: tokenLoc(t) })), loc };
    if (has(n, 'Kw_clamp_max_tokens')) return { kind: 'clamp_max_tokens', mode: this.name(tok(n, 'Identifier')!), loc };
    const sticky = node(n, 'stickySetting');
    if (sticky) return this.sticky(sticky);
    if (has(n, 'Kw_sync')) return { kind: 'sync', every: this.quantity(tok(n, 'NumberLit')!, 'duration'), loc };
    const logs = node(n, 'logsSetting');
    if (logs) {
      const num = tok(logs, 'NumberLit');
      const unit = tok(logs, 'Identifier');
      if (!num) return { kind: 'logs', mode: this.name(unit!), keep: null, keepUnit: null, loc };
      return { kind: 'logs', mode: null, keep: this.quantity(num, unit ? 'count' : 'duration'), keepUnit: unit ? this.name(unit) : null, loc };
    }
    return { kind: 'body_limit', value: this.quantity(tok(n, 'NumberLit')!, 'bytes'), loc };
  }

  providerSetting(n: CstNode): A.ProviderSetting {
    const loc = nodeLoc(n);
    const v = node(n, 'value');
    if (has(n, 'Kw_protocol')) return { kind: 'protocol', value: this.name(tok(n, 'Identifier')!), loc };
    if (has(n, 'Kw_base_url')) return { kind: 'base_url', value: this.value(v!), loc };
    if (has(n, 'Kw_key')) return { kind: 'key', value: this.value(v!), loc };
    if (has(n, 'Kw_local')) return { kind: 'local', loc };
    if (has(n, 'Kw_timeout')) return { kind: 'timeout', value: this.quantity(tok(n, 'NumberLit')!, 'duration'), loc };
    if (has(n, 'Kw_idle_timeout')) return { kind: 'idle_timeout', value: this.quantity(tok(n, 'NumberLit')!, 'duration'), loc };
    if (has(n, 'Kw_deadline')) return { kind: 'deadline', value: this.quantity(tok(n, 'NumberLit')!, 'duration'), loc };
    const nameTok = tok(n, 'StringLit') ?? tok(n, 'Identifier')!;
    const name = nameTok.tokenType.name === 'StringLit' ? unquote(nameTok.image) : nameTok.image;
    return { kind: 'header', name, nameLoc: tokenLoc(nameTok), value: this.value(v!), loc };
  }

  modelSetting(n: CstNode): A.ModelSetting {
    const loc = nodeLoc(n);
    const nums = toks(n, 'NumberLit');
    if (has(n, 'Kw_context')) return { kind: 'context', value: this.quantity(nums[0], 'count'), loc };
    if (has(n, 'Kw_max_output')) return { kind: 'max_output', value: this.quantity(nums[0], 'count'), loc };
    if (has(n, 'Kw_price'))
      return {
        kind: 'price',
        input: this.quantity(nums[0], 'plain'),
        output: this.quantity(nums[1], 'plain'),
        cacheRead: nums[2] ? this.quantity(nums[2], 'plain') : null,
        cacheWrite: nums[3] ? this.quantity(nums[3], 'plain') : null,
        loc,
      };
    if (has(n, 'Kw_can')) return { kind: 'can', caps: toks(n, 'Identifier').map((t) => this.name(t)), loc };
    if (has(n, 'Kw_speed')) return { kind: 'speed', value: this.quantity(nums[0], 'count'), loc };
    if (has(n, 'Kw_limit'))
      return { kind: 'limit', value: this.quantity(nums[0], 'count'), unit: this.name(tok(n, 'Identifier')!), loc };
    const f = node(n, 'freeQuota')!;
    const fnum = tok(f, 'NumberLit')!;
    const untilTok = tok(f, 'DateLit');
    const until = untilTok ? this.name(untilTok) : null;
    if (has(f, 'Kw_once')) return { kind: 'free', tokens: this.quantity(fnum, 'count'), spec: { kind: 'once', until }, loc: nodeLoc(f) };
    const ids = toks(f, 'Identifier');
    const time = tok(f, 'TimeLit');
    const zoneTok = tok(f, 'ModelRef') ?? ids[1];
    const at = time
      ? { time: time.image, zone: zoneTok ? this.name(zoneTok) : null, loc: zoneTok ? { ...tokenLoc(time), endCol: tokenLoc(zoneTok).endCol, endOffset: tokenLoc(zoneTok).endOffset } : tokenLoc(time) }
      : null;
    return { kind: 'free', tokens: this.quantity(fnum, 'count'), spec: { kind: 'every', unit: this.name(ids[0]), at, until }, loc: nodeLoc(f) };
  }

  /** `sticky 30m` / `sticky off`: the words are judged by the sticky pass (GW210), the duration's unit here (GW010) */
  sticky(n: CstNode): A.StickySetting {
    const num = tok(n, 'NumberLit');
    const word = tok(n, 'Identifier');
    return { kind: 'sticky', duration: num ? this.quantity(num, 'duration') : null, mode: word ? this.name(word) : null, loc: nodeLoc(n) };
  }

  scenarioSetting(n: CstNode): A.ScenarioSetting {
    const loc = nodeLoc(n);
    if (has(n, 'Kw_paid')) return { kind: 'paid', models: this.models(node(n, 'modelList')!), loc };
    if (has(n, 'Kw_free')) {
      const list = node(n, 'modelList');
      return { kind: 'free', any: has(n, 'Kw_any'), listed: has(n, 'Kw_listed'), models: list ? this.models(list) : [], loc };
    }
    if (has(n, 'Kw_willingness')) return { kind: 'willingness', value: this.quantity(tok(n, 'NumberLit')!, 'percent'), loc };
    if (has(n, 'Kw_rank')) return { kind: 'rank', value: this.name(tok(n, 'Identifier')!), loc };
    const sticky = node(n, 'stickySetting');
    if (sticky) return this.sticky(sticky);
    return { kind: 'fallback', chain: this.models(node(n, 'chain')!), loc };
  }

  condition(n: CstNode): A.Cond {
    const loc = nodeLoc(n);
    switch (n.name) {
      case 'condition':
      case 'andCondition': {
        const parts = nodes(n, n.name === 'condition' ? 'andCondition' : 'unaryCondition').map((c) => this.condition(c));
        return parts.length === 1 ? parts[0] : { kind: n.name === 'condition' ? 'or' : 'and', args: parts, loc };
      }
      case 'unaryCondition': {
        const inner = node(n, 'unaryCondition');
        if (inner) return { kind: 'not', arg: this.condition(inner), loc };
        return this.condition(node(n, 'primaryCondition')!);
      }
      default: {
        const paren = node(n, 'condition');
        if (paren) return this.condition(paren);
        if (has(n, 'Kw_tokens')) {
          const cmp = (tok(n, 'Gt') ?? tok(n, 'GtEq') ?? tok(n, 'Lt') ?? tok(n, 'LtEq'))!.image as '>' | '>=' | '<' | '<=';
          return { kind: 'tokens', cmp, value: this.quantity(tok(n, 'NumberLit')!, 'count'), loc };
        }
        if (has(n, 'Kw_text') || has(n, 'Kw_model')) {
          return { kind: has(n, 'Kw_text') ? 'text' : 'model', regex: this.regex(tok(n, 'Regex')!), loc };
        }
        if (has(n, 'Kw_has')) return { kind: 'has', what: this.name(tok(n, 'Identifier')!), loc };
        const strings = toks(n, 'StringLit');
        const ident = tok(n, 'Identifier');
        const nameTok = ident ?? strings[0];
        const name = ident ? ident.image : unquote(strings[0].image);
        const re = tok(n, 'Regex');
        const eq = ident ? strings[0] : strings[1];
        return {
          kind: 'header',
          name,
          nameLoc: tokenLoc(nameTok),
          equals: eq ? unquote(eq.image) : null,
          regex: re ? this.regex(re) : null,
          loc,
        };
      }
    }
  }

  regex(t: IToken): A.RegexLit {
    const i = t.image.lastIndexOf('/');
    return { source: t.image.slice(1, i), flags: t.image.slice(i + 1), loc: tokenLoc(t) };
  }

  piiSetting(n: CstNode): A.PiiSetting {
    const loc = nodeLoc(n);
    if (has(n, 'Kw_detect')) return { kind: 'detect', names: toks(n, 'Identifier').map((t) => this.name(t)), loc };
    if (has(n, 'Kw_classify')) {
      const num = tok(n, 'NumberLit');
      return { kind: 'classify', model: this.name(tok(n, 'ModelRef')!), timeout: num ? this.quantity(num, 'duration') : null, loc };
    }
    if (has(n, 'Kw_route')) return { kind: 'route', model: this.name(tok(n, 'ModelRef')!), loc };
    if (has(n, 'Kw_redact')) return { kind: 'redact', loc };
    if (has(n, 'Kw_on_error')) return { kind: 'on_error', value: this.name(tok(n, 'Identifier')!), loc };
    return { kind: 'block', loc };
  }

  retrySetting(n: CstNode): A.RetrySetting {
    const loc = nodeLoc(n);
    const nums = toks(n, 'NumberLit');
    if (has(n, 'Kw_attempts')) return { kind: 'attempts', value: this.quantity(nums[0], 'plain'), loc };
    if (has(n, 'Kw_backoff'))
      return {
        kind: 'backoff',
        initial: this.quantity(nums[0], 'duration'),
        doubling: has(n, 'Kw_doubling'),
        max: nums[1] ? this.quantity(nums[1], 'duration') : null,
        loc,
      };
    if (has(n, 'Kw_on')) return { kind: 'on', classes: toks(n, 'Identifier').map((t) => this.name(t)), loc };
    return {
      kind: 'cooldown',
      duration: this.quantity(nums[0], 'duration'),
      after: nums[1] ? this.quantity(nums[1], 'plain') : null,
      loc,
    };
  }
}
