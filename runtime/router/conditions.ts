import { thousands } from './format.ts';
import type { Condition, RegexRow } from '../types/decision-table.ts';

export interface ConditionInput {
  tokens: number;
  text: string;
  model: string;
  images: number;
  hasTools: boolean;
  headers: Readonly<Record<string, string | undefined>>;
}

const compiled = new WeakMap<RegexRow, RegExp>();
function regexOf(r: RegexRow): RegExp {
  let re = compiled.get(r);
  if (!re) {
    re = new RegExp(r.source, r.flags.replace(/[gy]/g, ''));
    compiled.set(r, re);
  }
  return re;
}

/** Evaluate a scenario condition; `why` collects the atoms that decided it, for the trace. */
export function evaluate(c: Condition, input: ConditionInput, why: string[]): boolean {
  switch (c.op) {
    case 'and':
      return c.args.every((a) => evaluate(a, input, why));
    case 'or':
      return c.args.some((a) => evaluate(a, input, why));
    case 'not':
      return !evaluate(c.arg, input, why);
    case 'tokens': {
      const v = input.tokens;
      const ok = c.cmp === '>' ? v > c.value : c.cmp === '>=' ? v >= c.value : c.cmp === '<' ? v < c.value : v <= c.value;
      why.push(`tokens ${thousands(v)} ${ok ? '' : 'not '}${c.cmp} ${thousands(c.value)}`);
      return ok;
    }
    case 'text': {
      const m = regexOf(c.regex).exec(input.text);
      why.push(m ? `text matches /${c.regex.source}/ at "${m[0].slice(0, 24)}"` : `text does not match /${c.regex.source}/`);
      return m !== null;
    }
    case 'model': {
      const ok = regexOf(c.regex).test(input.model);
      why.push(`model "${input.model}" ${ok ? 'matches' : 'does not match'} /${c.regex.source}/`);
      return ok;
    }
    case 'has': {
      const ok = c.what === 'image' ? input.images > 0 : input.hasTools;
      why.push(`${ok ? 'has' : 'no'} ${c.what}`);
      return ok;
    }
    case 'header': {
      const v = input.headers[c.name];
      const ok = v !== undefined && (c.equals !== null ? v === c.equals : c.regex ? regexOf(c.regex).test(v) : true);
      why.push(`header ${c.name} ${v === undefined ? 'absent' : ok ? 'matches' : 'differs'}`);
      return ok;
    }
  }
}
