import { warning, type Diagnostic } from '../diagnostics.ts';
import type * as A from '../ast.ts';
import { linearProblem } from '../../runtime/router/linear-regex.ts';
import type { CheckContext, CheckPass } from './context.ts';

/**
 * `text ~ /re/` runs over the whole prompt, which the client controls: a pattern that can backtrack exponentially
 * (nested unbounded quantifiers such as `(a+)+` or `(\w+\s?)*`, or an unbounded repetition of alternatives that can
 * match the same text such as `(x|xx)*` or `(a|\w)+`) lets one request hold the gateway. Found by a small structural
 * scan of the pattern (star height and overlapping first characters), so it is a warning: rewrite without nesting.
 */

interface Item {
  /** first-character key of the item ('' if it may match nothing first, '*' for a wildcard class) */
  first: string;
  unbounded: boolean;
  /** the item (or something in it) is an unbounded repetition */
  hasUnbounded: boolean;
}

interface Scan {
  pos: number;
  bad: string | null;
}

const WILD = new Set(['.', '\\w', '\\W', '\\s', '\\S', '\\d', '\\D', '[']);

/** Parse alternatives until `)` or the end; returns each alternative's items. */
function alternatives(src: string, s: Scan): Item[][] {
  const alts: Item[][] = [[]];
  while (s.pos < src.length) {
    const c = src[s.pos];
    if (c === ')') break;
    if (c === '|') {
      alts.push([]);
      s.pos++;
      continue;
    }
    let item: Item;
    if (c === '(') {
      s.pos++;
      if (src[s.pos] === '?') {
        // (?:  (?=  (?!  (?<=  (?<!  (?<name>
        s.pos++;
        if (src[s.pos] === '<' && src[s.pos + 1] !== '=' && src[s.pos + 1] !== '!') while (s.pos < src.length && src[s.pos] !== '>') s.pos++;
        else if (src[s.pos] === '<') s.pos++;
        s.pos++;
      }
      const inner = alternatives(src, s);
      s.pos++; // ')'
      const hasUnbounded = inner.some((a) => a.some((i) => i.hasUnbounded));
      const firsts = inner.map((a) => a[0]?.first ?? '');
      item = { first: firsts.length === 1 ? firsts[0] : firsts.includes('*') ? '*' : firsts.join('|'), unbounded: false, hasUnbounded };
      const q = quantifier(src, s);
      if (q) {
        item.unbounded = true;
        if (hasUnbounded && !s.bad) s.bad = 'a repetition inside a repetition (such as (a+)+)';
        if (!s.bad && overlapping(inner.map((a) => a[0]?.first ?? ''))) s.bad = 'a repetition of alternatives that can match the same text (such as (x|xx)*)';
        item.hasUnbounded = true;
      }
      alts[alts.length - 1].push(item);
      continue;
    }
    let atom: string;
    if (c === '\\') {
      atom = src.slice(s.pos, s.pos + 2);
      s.pos += 2;
    } else if (c === '[') {
      let p = s.pos + 1;
      if (src[p] === '^') p++;
      if (src[p] === ']') p++;
      while (p < src.length && src[p] !== ']') p += src[p] === '\\' ? 2 : 1;
      atom = '[';
      s.pos = p + 1;
    } else {
      atom = c;
      s.pos++;
    }
    const q = quantifier(src, s);
    const first = atom === '^' || atom === '$' || atom === '\\b' || atom === '\\B' ? '' : WILD.has(atom) ? '*' : atom.toLowerCase();
    item = { first, unbounded: q, hasUnbounded: q };
    alts[alts.length - 1].push(item);
  }
  return alts;
}

/** Consume a quantifier; true if it is unbounded (*, +, {n,}) or repeats many times ({n,m} with m > 16). */
function quantifier(src: string, s: Scan): boolean {
  const c = src[s.pos];
  let unbounded = false;
  if (c === '*' || c === '+') {
    unbounded = true;
    s.pos++;
  } else if (c === '?') s.pos++;
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(s.pos, s.pos + 24));
    if (!m) return false;
    unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 16);
    s.pos += m[0].length;
  } else return false;
  if (src[s.pos] === '?') s.pos++; // lazy: backtracks the same way
  return unbounded;
}

function overlapping(firsts: string[]): boolean {
  if (firsts.length < 2) return false;
  for (let i = 0; i < firsts.length; i++)
    for (let j = i + 1; j < firsts.length; j++) {
      const a = firsts[i];
      const b = firsts[j];
      if (a === '*' || b === '*' || (a !== '' && a === b)) return true;
    }
  return false;
}

/** Why `source` can backtrack catastrophically, or null. */
export function catastrophicBacktracking(source: string): string | null {
  const s: Scan = { pos: 0, bad: null };
  while (s.pos < source.length && !s.bad) {
    alternatives(source, s);
    s.pos++; // a stray ')' (the regex compiled, so this does not happen)
  }
  return s.bad;
}

function* textConditions(c: A.Cond): Generator<{ regex: A.RegexLit }> {
  if (c.kind === 'and' || c.kind === 'or') for (const a of c.args) yield* textConditions(a);
  else if (c.kind === 'not') yield* textConditions(c.arg);
  else if (c.kind === 'text') yield c;
}

/**
 * The gateway matches every regex in linear time (runtime/router/linear-regex.ts) unless RE2 cannot express it (a
 * backreference, a lookahead) and it repeats without bound: then it runs on JavaScript's backtracking engine, bounded
 * only by the 16 KiB windows of the prompt. Such a pattern is a warning: GW190 when it can backtrack exponentially
 * (no window bounds that), else GW200.
 */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of ctx.symbols.scenarios) {
    if (!s.when) continue;
    for (const c of textConditions(s.when)) {
      let feature: string | null;
      try {
        feature = linearProblem(c.regex.source, c.regex.flags);
      } catch {
        continue; // not a valid pattern: GW114/GW115 say so
      }
      if (feature === null) continue;
      const why = catastrophicBacktracking(c.regex.source);
      if (why)
        out.push(
          warning('GW190', ctx.file, c.regex.loc, `/${c.regex.source}/ can backtrack catastrophically on a long prompt: ${why}, and it uses ${feature}, which linear-time matching cannot express`, [
            { message: 'match one repetition without nesting, e.g. /a+/ for /(a+)+/, or alternatives that start differently' },
          ]),
        );
      else
        out.push(
          warning('GW200', ctx.file, c.regex.loc, `/${c.regex.source}/ uses ${feature}, which linear-time matching cannot express: it is matched by a backtracking engine, over the first and last 16 KiB of the prompt only`, [
            { message: 'without backreferences and lookaheads every `text ~` pattern is matched in linear time' },
          ]),
        );
    }
  }
  return out;
}

export const regexBacktrackingPass: CheckPass = { name: 'regex-backtracking', run };
