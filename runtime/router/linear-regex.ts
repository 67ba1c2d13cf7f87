/**
 * Matching the policy's regexes (`text ~`, `model ~`, `header … ~`) in time linear in the input (issue 10). A client
 * controls every input, so no pattern may backtrack on it:
 *
 * - a pattern without an unbounded repetition (no `*`, `+`, `{n,}`, no repetition above 64, none nested inside another
 *   repeated group: `python`, `\b(refactor|debug)\b`, `\d{7}`) cannot backtrack more than its own size per position:
 *   JavaScript's engine runs it (the fastest; ≈ 1 µs on a 1 KB prompt);
 * - any other pattern runs on re2js, RE2's automaton in pure JavaScript: linear whatever the pattern (`/a.*b/` on
 *   16 KiB of `a`: ≈ 0.2 ms, JavaScript's engine 440 ms). The pattern is translated so that it means what it means in
 *   JavaScript: `.` stops at \n \r \u2028 \u2029 (without the `s` flag) and `\s` is JavaScript's set of spaces;
 * - a pattern RE2 cannot express (a backreference, a lookahead) that also repeats without bound falls back to
 *   JavaScript's engine; `gw check` warns about it (GW200) and the `text ~` window (conditions.ts) bounds it.
 */
import { RE2JS } from 're2js';

export type RegexEngine = 'js' | 're2' | 'js-fallback';

export interface PolicyRegex {
  readonly engine: RegexEngine;
  /** the first match: where it starts and its text, or null */
  exec(input: string): { index: number; text: string } | null;
  test(input: string): boolean;
}

/** Largest `{n,m}` bound counted as bounded. */
const MAX_BOUND = 64;
/** Largest number of ways a bounded pattern may try per input position (optional parts and alternatives multiply). */
const MAX_WAYS = 1024;

/**
 * Whether `source` can only do bounded work per input position: no unbounded repetition, no large bound, no
 * repetition of a group that itself repeats, and at most MAX_WAYS ways to try (`a?a?a?…`, `\d{0,64}\d{0,64}` and
 * runs of alternatives multiply). Escapes and character classes are skipped as units.
 */
export function boundedPattern(source: string): boolean {
  // per open group: does it contain a repetition; and how many alternatives it has
  const groups: boolean[] = [false];
  const alts: number[] = [1];
  let ways = 1;
  let lastWasGroupWithRep = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    let atomGroupRep = false;
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++;
        i++;
      }
    } else if (c === '(') {
      // (?:  (?=  (?!  (?<=  (?<!  (?<name>: the prefix is not a repetition
      if (source[i + 1] === '?') {
        i += 2;
        if (source[i] === '<' && source[i + 1] !== '=' && source[i + 1] !== '!') i = source.indexOf('>', i);
        else if (source[i] === '<') i++;
      }
      groups.push(false);
      alts.push(1);
      lastWasGroupWithRep = false;
      continue;
    } else if (c === ')') {
      const inner = groups.pop() ?? false;
      ways *= alts.pop() ?? 1;
      atomGroupRep = inner;
    } else if (c === '|') {
      alts[alts.length - 1]++;
      lastWasGroupWithRep = false;
      continue;
    } else if (c === '^' || c === '$') {
      lastWasGroupWithRep = false;
      continue;
    } else if (c === '*' || c === '+') {
      return false;
    } else if (c === '?') {
      if (lastWasGroupWithRep) return false;
      groups[groups.length - 1] = true;
      ways *= 2;
      continue;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m) {
        if (m[2] !== undefined && m[3] === '') return false;
        const max = Number(m[3] ?? m[1]);
        if (max > MAX_BOUND || lastWasGroupWithRep) return false;
        groups[groups.length - 1] = true;
        ways *= max - Number(m[1]) + 1;
        i += m[0].length - 1;
        continue;
      }
    }
    if (atomGroupRep) groups[groups.length - 1] = true;
    lastWasGroupWithRep = atomGroupRep;
    if (ways > MAX_WAYS) return false;
  }
  return ways * alts[0] <= MAX_WAYS;
}

/** JavaScript's \s: its own list and the Unicode space separators. */
const JS_SPACES = '\\t\\n\\x{0B}\\f\\r\\p{Zs}\\x{2028}\\x{2029}\\x{FEFF}';

/** The JavaScript pattern rewritten for RE2 where the two read the same syntax differently (see the header). */
function forRe2(source: string, dotAll: boolean): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1];
      if (n === 's') out += `[${JS_SPACES}]`;
      else if (n === 'S') out += `[^${JS_SPACES}]`;
      else out += c + (n ?? '');
      i++;
    } else if (c === '[') {
      // a class, copied with \s spliced in; [^] and [] are translateRegExp's
      let j = i + 1;
      let cls = '[';
      if (source[j] === '^') cls += source[j++];
      if (source[j] === ']') cls += source[j++];
      while (j < source.length && source[j] !== ']') {
        if (source[j] === '\\') {
          cls += source[j + 1] === 's' ? JS_SPACES : source[j] + (source[j + 1] ?? '');
          j += 2;
        } else cls += source[j++];
      }
      out += `${cls}]`;
      i = j;
    } else if (c === '.' && !dotAll) out += '[^\\n\\r\\x{2028}\\x{2029}]';
    else out += c;
  }
  return out;
}

function re2Flags(flags: string): number {
  let f = RE2JS.LOOKBEHINDS;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  return f;
}

/** The RE2 form of a JavaScript pattern, or why RE2 cannot express it. */
export function re2Of(source: string, flags: string): { re: RE2JS } | { problem: string } {
  try {
    return { re: RE2JS.compile(RE2JS.translateRegExp(forRe2(source, flags.includes('s'))), re2Flags(flags)) };
  } catch (e) {
    return { problem: featureName(source) ?? String((e as Error).message).replace(/^error parsing regexp: /, '') };
  }
}

/** The JavaScript-only feature in a pattern, in words. */
function featureName(source: string): string | null {
  if (/\\[1-9]|\\k</.test(source)) return 'a backreference';
  if (/\(\?[=!]/.test(source)) return 'a lookahead';
  if (/\(\?<[=!]/.test(source)) return 'a lookbehind that captures';
  return null;
}

/**
 * Why a policy regex is matched by a backtracking engine without a bound of its own (GW200), or null: it is bounded
 * or RE2 expresses it.
 */
export function linearProblem(source: string, flags: string): string | null {
  if (boundedPattern(source)) return null;
  const r = re2Of(source, flags);
  return 'problem' in r ? r.problem : null;
}

const LINE_ENDS = /[\r\u2028\u2029]/g;

/**
 * With the `m` flag JavaScript's ^ and $ also stop at \r, \u2028 and \u2029, RE2's only at \n: such a pattern reads
 * its input with those three turned into \n (same offsets), unless it names one of them or \n itself (then RE2's
 * reading stands). Every other part of a pattern treats the four alike.
 */
function multilineEnds(source: string, flags: string): boolean {
  return flags.includes('m') && /[\^$]/.test(source) && !/\\[rnxupPc]|[\r\n\u2028\u2029]/.test(source);
}

function jsRegex(source: string, flags: string, engine: RegexEngine): PolicyRegex {
  const re = new RegExp(source, flags.replace(/[gy]/g, ''));
  return {
    engine,
    exec(input) {
      const m = re.exec(input);
      return m ? { index: m.index, text: m[0] } : null;
    },
    test: (input) => re.test(input),
  };
}

/** The matcher for a policy regex (which engine: see the header). The pattern compiled as JavaScript already. */
export function policyRegex(source: string, flags: string): PolicyRegex {
  if (boundedPattern(source)) return jsRegex(source, flags, 'js');
  const r = re2Of(source, flags);
  if ('problem' in r) return jsRegex(source, flags, 'js-fallback');
  const re = r.re;
  const lines = multilineEnds(source, flags);
  return {
    engine: 're2',
    exec(input) {
      const s = lines ? input.replace(LINE_ENDS, '\n') : input;
      // test first: a miss (the usual case) takes the automaton's fast path; then the whole match's bounds only (no
      // submatches: several times faster than exec on long matches)
      if (!re.test(s)) return null;
      const at = re.re2().findIndex(s) as [number, number] | null;
      return at ? { index: at[0], text: input.slice(at[0], at[1]) } : null;
    },
    test: (input) => re.test(lines ? input.replace(LINE_ENDS, '\n') : input),
  };
}
