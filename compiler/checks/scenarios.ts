import type * as A from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { implies, mayImply } from './implies.ts';
import type { CheckContext, CheckPass } from './context.ts';

export const RANKS = ['expiry', 'speed', 'capability', 'cost'] as const;
export const HAS_SUBJECTS = ['image', 'tools'] as const;
const REGEX_FLAGS = /^[imsu]*$/;

function conditions(c: A.Cond, out: A.Cond[] = []): A.Cond[] {
  out.push(c);
  if (c.kind === 'and' || c.kind === 'or') for (const x of c.args) conditions(x, out);
  if (c.kind === 'not') conditions(c.arg, out);
  return out;
}

/** The least token count a request matching `c` must have (from `tokens > N` terms that must hold), or 0. */
export function minTokens(c: A.Cond): number {
  if (c.kind === 'tokens') return c.cmp === '>' ? c.value.value + 1 : c.cmp === '>=' ? c.value.value : 0;
  if (c.kind === 'and') return Math.max(...c.args.map(minTokens));
  if (c.kind === 'or') return Math.min(...c.args.map(minTokens));
  return 0;
}

function order(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sc = ctx.symbols.scenarios;
  if (sc.length === 0) return out;
  const defaults = sc.filter((s) => s.when === null);
  const last = sc[sc.length - 1];
  for (const d of defaults) {
    if (d !== last)
      out.push(
        error('GW110', ctx.file, d.name.loc, `the default scenario "${d.name.text}" (no \`when\`) must be the last one`, [
          { message: 'scenarios are tried in order, so every scenario after it could never match' },
        ]),
      );
  }
  // With a default declared elsewhere, GW110 (move it last) is the whole story; "no default" would mislead.
  if (last.when !== null && defaults.length === 0)
    out.push(
      error('GW111', ctx.file, last.name.loc, 'no default scenario: the last scenario must have no `when` so that every request has a scenario', [
        { message: `add \`scenario chat { … }\` after "${last.name.text}"` },
      ]),
    );
  return out;
}

function shadowed(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sc = ctx.symbols.scenarios;
  for (let j = 0; j < sc.length; j++) {
    const b = sc[j];
    if (!b.when) continue;
    for (let i = 0; i < j; i++) {
      const a = sc[i];
      if (a.when === null) break; // GW110 already says it
      if (mayImply(b.when, a.when) && implies(b.when, a.when)) {
        out.push(
          warning('GW112', ctx.file, b.name.loc, `scenario "${b.name.text}" can never match: every request it matches is taken by "${a.name.text}" first`, [
            { message: `"${a.name.text}" is declared here`, loc: a.name.loc },
          ]),
        );
        break;
      }
    }
  }
  return out;
}

function settings(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of ctx.symbols.scenarios) {
    for (const st of s.settings) {
      if (st.kind === 'willingness' && !Number.isNaN(st.value.value) && (st.value.value < 0 || st.value.value > 100))
        out.push(error('GW113', ctx.file, st.value.loc, `willingness must be between 0% and 100%, found ${st.value.raw}`));
      if (st.kind === 'rank' && !(RANKS as readonly string[]).includes(st.value.text)) {
        const g = didYouMean(st.value.text, RANKS);
        out.push(
          error('GW116', ctx.file, st.value.loc, `unknown rank "${st.value.text}"; rank takes ${RANKS.join(', ')}`, g ? [{ message: `did you mean "${g}"?` }] : []),
        );
      }
    }
    const anyLine = s.settings.find((st) => st.kind === 'free' && st.any);
    // `free any listed` takes what the providers list free at sync, which no file can know
    if (anyLine && !(anyLine.kind === 'free' && anyLine.listed) && ctx.symbols.freeModels.length === 0)
      out.push(
        warning('GW119', ctx.file, anyLine.loc, `scenario "${s.name.text}" says \`free any\`, but no model has a \`free\` line: it never goes free`, [
          { message: 'give a model a quota, e.g. `free 1M tokens every month`, or register one with POST /quota/register' },
        ]),
      );
    const hasCandidates = s.settings.some((st) => (st.kind === 'paid' && st.models.length > 0) || (st.kind === 'free' && (st.any || st.models.length > 0)));
    const hasFallback = s.settings.some((st) => st.kind === 'fallback') || ctx.symbols.singletons.fallback.length > 0;
    if (!hasCandidates && !hasFallback)
      out.push(warning('GW118', ctx.file, s.name.loc, `scenario "${s.name.text}" lists no model (no paid, free or fallback): its requests will fail`));
    if (!s.when) continue;
    for (const c of conditions(s.when)) {
      if (c.kind === 'text' || c.kind === 'model' || (c.kind === 'header' && c.regex)) {
        const re = c.kind === 'header' ? c.regex! : c.regex;
        if (!REGEX_FLAGS.test(re.flags)) {
          out.push(error('GW114', ctx.file, re.loc, `invalid regular expression flags "${re.flags}": use i, m, s or u`));
          continue;
        }
        try {
          new RegExp(re.source, re.flags);
        } catch (e) {
          const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
          out.push(error('GW114', ctx.file, re.loc, `invalid regular expression: ${why}`));
        }
      }
      if (c.kind === 'has' && !(HAS_SUBJECTS as readonly string[]).includes(c.what.text)) {
        const g = didYouMean(c.what.text, HAS_SUBJECTS);
        out.push(error('GW117', ctx.file, c.what.loc, `\`has\` takes image or tools, found "${c.what.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
      }
    }
  }
  return out;
}

function contextFit(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const globalChain = ctx.symbols.singletons.fallback[0]?.chain ?? [];
  scenarios: for (const s of ctx.symbols.scenarios) {
    if (!s.when) continue;
    const need = minTokens(s.when);
    if (need <= 0) continue;
    const ids = new Set<string>();
    for (const st of s.settings) {
      if (st.kind === 'paid' || st.kind === 'free') for (const m of st.models) ids.add(m.text);
      if (st.kind === 'free' && st.any) for (const m of ctx.symbols.freeModels) ids.add(m.ref.text);
      if (st.kind === 'fallback') for (const m of st.chain) ids.add(m.text);
    }
    for (const m of globalChain) ids.add(m.text);
    const contexts: { id: string; context: number }[] = [];
    for (const id of ids) {
      const decl = ctx.symbols.models.get(id);
      const c = decl?.settings.find((x) => x.kind === 'context');
      if (!decl || !c || c.kind !== 'context') continue scenarios; // unknown context: cannot tell for this scenario
      contexts.push({ id, context: c.value.value });
    }
    if (contexts.length > 0 && contexts.every((c) => c.context < need)) {
      const best = contexts.reduce((a, b) => (b.context > a.context ? b : a));
      const cond = s.when.loc;
      out.push(
        error('GW115', ctx.file, cond, `scenario "${s.name.text}" matches only requests of at least ${need.toLocaleString('en-US')} tokens, more than any of its models can take`, [
          { message: `the largest context among its candidates is ${best.context.toLocaleString('en-US')} (${best.id})` },
        ]),
      );
    }
  }
  return out;
}

export const scenariosPass: CheckPass = {
  name: 'scenarios',
  run: (ctx) => [...order(ctx), ...shadowed(ctx), ...settings(ctx), ...contextFit(ctx)],
};
