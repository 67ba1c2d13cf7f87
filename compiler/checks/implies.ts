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

/** The regex/has/header atoms of a condition, as comparable keys; null when it has atoms a key cannot stand for. */
function atomKeys(c: A.Cond, out: Set<string>): Set<string> | null {
  switch (c.kind) {
    case 'and':
    case 'or':
      for (const x of c.args) if (atomKeys(x, out) === null) return null;
      return out;
    case 'text':
    case 'model':
      out.add(`${c.kind}/${c.regex.source}/${c.regex.flags}`);
      return out;
    case 'has':
      out.add(`has ${c.what.text}`);
      return out;
    case 'header':
      out.add(`header ${c.name.toLowerCase()}`);
      return out;
    default:
      return null; // tokens comparisons and `not` are decided by implies() itself
  }
}

/**
 * A cheap necessary condition for implies(b, a), so the shadowing check is not quadratic in full: when `a` is built
 * only of regex/has/header atoms, `b` must share at least one of them.
 */
export function mayImply(b: A.Cond, a: A.Cond): boolean {
  const ka = atomKeys(a, new Set());
  if (ka === null) return true;
  const kb = atomKeys(b, new Set());
  if (kb === null) return true;
  for (const k of ka) if (kb.has(k)) return true;
  return false;
}
