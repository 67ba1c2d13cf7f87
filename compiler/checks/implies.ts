import type * as A from '../ast.ts';

/**
 * Conservative implication between scenario conditions: true only when every request that satisfies `b` is sure to
 * satisfy `a`. Used to find scenarios that an earlier one shadows; a false "no" only misses a warning.
 */
export function implies(b: A.Cond, a: A.Cond): boolean {
  if (a.kind === 'or' && a.args.some((x) => implies(b, x))) return true;
  if (a.kind === 'and') return a.args.every((x) => implies(b, x));
  if (b.kind === 'and' && b.args.some((x) => implies(x, a))) return true;
  if (b.kind === 'or') return b.args.every((x) => implies(x, a));
  return atomImplies(b, a);
}

function atomImplies(b: A.Cond, a: A.Cond): boolean {
  if (a.kind === 'not' && b.kind === 'not') return implies(a.arg, b.arg);
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'tokens': {
      const bb = b as typeof a;
      const lowerA = a.cmp === '>' ? a.value.value + 1 : a.cmp === '>=' ? a.value.value : null;
      const lowerB = bb.cmp === '>' ? bb.value.value + 1 : bb.cmp === '>=' ? bb.value.value : null;
      if (lowerA !== null && lowerB !== null) return lowerB >= lowerA;
      const upperA = a.cmp === '<' ? a.value.value - 1 : a.cmp === '<=' ? a.value.value : null;
      const upperB = bb.cmp === '<' ? bb.value.value - 1 : bb.cmp === '<=' ? bb.value.value : null;
      if (upperA !== null && upperB !== null) return upperB <= upperA;
      return false;
    }
    case 'text':
    case 'model': {
      const bb = b as typeof a;
      return a.regex.source === bb.regex.source && a.regex.flags === bb.regex.flags;
    }
    case 'has':
      return a.what.text === (b as typeof a).what.text;
    case 'header': {
      const bb = b as typeof a;
      if (a.name.toLowerCase() !== bb.name.toLowerCase()) return false;
      if (a.equals !== null) return bb.equals === a.equals;
      if (a.regex && bb.regex) return a.regex.source === bb.regex.source && a.regex.flags === bb.regex.flags;
      return false;
    }
    default:
      return false;
  }
}
