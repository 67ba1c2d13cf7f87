import { thousands } from './format.ts';
import type { Condition, RegexRow } from '../types/decision-table.ts';
import { policyRegex, type PolicyRegex } from './linear-regex.ts';

export interface ConditionInput {
  tokens: number;
  text: string;
  model: string;
  images: number;
  hasTools: boolean;
  headers: Readonly<Record<string, string | undefined>>;
}

/**
 * Bounded matching: a `text ~ /re/` condition reads at most TEXT_MATCH_HEAD code units from the start of the prompt
 * text and TEXT_MATCH_TAIL from its end (joined by "\n"). Every pattern is matched in time linear in what it reads
 * (linear-regex.ts: JavaScript's engine for patterns that cannot backtrack, RE2 for the others), so the window bounds
 * the cost per regex at ≈ 10 ms in the worst shapes; only a pattern RE2 cannot express runs on a backtracking engine
 * (`gw check` warns: GW200, and GW190 when it can backtrack exponentially, which no window bounds). The start holds
 * the system prompt, the end the latest message.
 */
export const TEXT_MATCH_HEAD = 16 * 1024;
export const TEXT_MATCH_TAIL = 16 * 1024;

/** What a `text ~` regex is matched against (see TEXT_MATCH_HEAD). */
export function matchWindow(text: string): string {
  if (text.length <= TEXT_MATCH_HEAD + TEXT_MATCH_TAIL) return text;
  let h = TEXT_MATCH_HEAD;
  let t = text.length - TEXT_MATCH_TAIL;
  const hc = text.charCodeAt(h - 1);
  if (hc >= 0xd800 && hc <= 0xdbff) h--; // never cut a surrogate pair
  const tc = text.charCodeAt(t);
  if (tc >= 0xdc00 && tc <= 0xdfff) t++;
  return `${text.slice(0, h)}\n${text.slice(t)}`;
}

const compiled = new WeakMap<RegexRow, PolicyRegex>();
function regexOf(r: RegexRow): PolicyRegex {
  let re = compiled.get(r);
  if (!re) {
    re = policyRegex(r.source, r.flags);
    compiled.set(r, re);
  }
  return re;
}

function testShort(re: PolicyRegex, s: string): boolean {
  return re.test(shortInput(re, s));
}

/** A `model ~` or `header ~` input as the regex reads it: whole, or windowed for a backtracking fallback. */
function shortInput(re: PolicyRegex, s: string): string {
  return re.engine === 'js-fallback' ? matchWindow(s) : s;
}

/** Evaluate a scenario condition; `why` collects the atoms that decided it, for the trace. */
export function evaluate(c: Condition, input: ConditionInput, why: string[]): boolean {
  const ctx = new CondContext(input.tokens, thousands(input.tokens), null, input.text, input.model, input.images, input.hasTools, input.headers);
  ctx.list = why;
  return holds(planOf(c), ctx);
}

// ---------------------------------------------------------------------------------------------------------------------
// The router's form: a condition compiled once (per condition object) with the fixed parts of its trace text, evaluated
// against a per-request context that joins the request's texts only if a `text ~` atom reads them and builds the
// `why` text as one string.

/** A condition with the constant parts of its trace text, built once per condition row. */
export type CondPlan =
  | { op: 'and' | 'or'; args: CondPlan[] }
  | { op: 'not'; arg: CondPlan }
  | { op: 'tokens'; cmp: '>' | '>=' | '<' | '<='; value: number; yes: string; no: string }
  | { op: 'text'; regex: RegexRow; re: PolicyRegex | null; yes: string; no: string }
  | { op: 'model'; regex: RegexRow; re: PolicyRegex | null; yes: string; no: string }
  | { op: 'has'; image: boolean; yes: string; no: string }
  | { op: 'header'; name: string; equals: string | null; regex: RegexRow | null; re: PolicyRegex | null; absent: string; yes: string; no: string };

const plans = new WeakMap<Condition, CondPlan>();

/** The compiled form of a condition row (cached per row; rows are immutable once compiled). */
export function planOf(c: Condition): CondPlan {
  let p = plans.get(c);
  if (!p) {
    p = compile(c);
    plans.set(c, p);
  }
  return p;
}

function compile(c: Condition): CondPlan {
  switch (c.op) {
    case 'and':
    case 'or':
      return { op: c.op, args: c.args.map(planOf) };
    case 'not':
      return { op: 'not', arg: planOf(c.arg) };
    case 'tokens': {
      const v = thousands(c.value);
      return { op: 'tokens', cmp: c.cmp, value: c.value, yes: ` ${c.cmp} ${v}`, no: ` not ${c.cmp} ${v}` };
    }
    case 'text':
      return { op: 'text', regex: c.regex, re: null, yes: `text matches /${c.regex.source}/ at "`, no: `text does not match /${c.regex.source}/` };
    case 'model':
      return { op: 'model', regex: c.regex, re: null, yes: `" matches /${c.regex.source}/`, no: `" does not match /${c.regex.source}/` };
    case 'has':
      return { op: 'has', image: c.what === 'image', yes: `has ${c.what}`, no: `no ${c.what}` };
    case 'header':
      return {
        op: 'header',
        name: c.name,
        equals: c.equals,
        regex: c.regex,
        re: null,
        absent: `header ${c.name} absent`,
        yes: `header ${c.name} matches`,
        no: `header ${c.name} differs`,
      };
  }
}

/** What a condition reads of a request, and the `why` text of the scenario being tested. */
export class CondContext {
  readonly tokens: number;
  /** `thousands(tokens)` */
  readonly tokensText: string;
  private readonly texts: readonly string[] | null;
  private joined: string | null;
  readonly model: string;
  readonly images: number;
  readonly hasTools: boolean;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** the atoms that decided the condition so far, joined by "; " (see `reset`) */
  why = '';
  atoms = 0;
  /** when set, atoms are pushed here instead of joined into `why` */
  list: string[] | null = null;

  /** `texts` are joined with "\n" when a `text ~` atom first reads them; `text` is used as is when `texts` is null. */
  constructor(
    tokens: number,
    tokensText: string,
    texts: readonly string[] | null,
    text: string | null,
    model: string,
    images: number,
    hasTools: boolean,
    headers: Readonly<Record<string, string | undefined>>,
  ) {
    this.tokens = tokens;
    this.tokensText = tokensText;
    this.texts = texts;
    this.joined = text;
    this.model = model;
    this.images = images;
    this.hasTools = hasTools;
    this.headers = headers;
  }

  get text(): string {
    if (this.joined === null) {
      const t = this.texts!;
      this.joined = t.length === 1 ? t[0] : t.join('\n');
    }
    return this.joined;
  }

  private window: string | null = null;
  /** `text` as a `text ~` regex reads it: `matchWindow(text)`. */
  get matchText(): string {
    return (this.window ??= matchWindow(this.text));
  }

  /** Start the `why` of another condition. */
  reset(): void {
    this.why = '';
    this.atoms = 0;
  }

  add(atom: string): void {
    if (this.list !== null) this.list.push(atom);
    else this.why = this.atoms++ === 0 ? atom : `${this.why}; ${atom}`;
  }
}

/** Whether a compiled condition holds; adds the atoms that decided it to `ctx.why`, in evaluation order. */
export function holds(c: CondPlan, ctx: CondContext): boolean {
  switch (c.op) {
    case 'and':
      for (let i = 0; i < c.args.length; i++) if (!holds(c.args[i], ctx)) return false;
      return true;
    case 'or':
      for (let i = 0; i < c.args.length; i++) if (holds(c.args[i], ctx)) return true;
      return false;
    case 'not':
      return !holds(c.arg, ctx);
    case 'tokens': {
      const v = ctx.tokens;
      const ok = c.cmp === '>' ? v > c.value : c.cmp === '>=' ? v >= c.value : c.cmp === '<' ? v < c.value : v <= c.value;
      ctx.add(`tokens ${ctx.tokensText}${ok ? c.yes : c.no}`);
      return ok;
    }
    case 'text': {
      const m = (c.re ??= regexOf(c.regex)).exec(ctx.matchText);
      ctx.add(m ? `${c.yes}${m.text.slice(0, 24)}"` : c.no);
      return m !== null;
    }
    case 'model': {
      const re = (c.re ??= regexOf(c.regex));
      const ok = re.test(shortInput(re, ctx.model));
      ctx.add(`model "${ctx.model}${ok ? c.yes : c.no}`);
      return ok;
    }
    case 'has': {
      const ok = c.image ? ctx.images > 0 : ctx.hasTools;
      ctx.add(ok ? c.yes : c.no);
      return ok;
    }
    case 'header': {
      const v = ctx.headers[c.name];
      const ok = v !== undefined && (c.equals !== null ? v === c.equals : c.regex ? testShort((c.re ??= regexOf(c.regex)), v) : true);
      ctx.add(v === undefined ? c.absent : ok ? c.yes : c.no);
      return ok;
    }
  }
}
