import type * as A from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { anySet, flatten } from '../values.ts';
import { isValidDate, LIMIT_UNITS } from './models.ts';
import type { CheckContext, CheckPass } from './context.ts';

/** An allowed-model entry matches a model id, a bare model name, or every model of a provider (`provider/*` is
 * written `provider` alone). */
export function allowEntryKnown(ctx: CheckContext, entry: string): boolean {
  for (const id of ctx.symbols.models.keys()) {
    if (id === entry || id.slice(id.indexOf('/') + 1) === entry || id.slice(0, id.indexOf('/')) === entry) return true;
  }
  return false;
}

const BUDGET_PER = ['day', 'month'] as const;
const BUDGET_THEN = ['free_only', 'block'] as const;

/** An origin as browsers send it: scheme, host and optional port, nothing after. */
export const ORIGIN = /^https?:\/\/[^\s/?#]+$/;

function guess(word: string, options: Iterable<string>): { message: string }[] {
  const g = didYouMean(word, options);
  return g ? [{ message: `did you mean "${g}"?` }] : [];
}

function clientChecks(ctx: CheckContext, c: A.ClientDecl): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { file } = ctx;
  const key = c.settings.find((s): s is Extract<A.ClientSetting, { kind: 'key' }> => s.kind === 'key');
  if (!key) {
    out.push(error('GW180', file, c.name.loc, `client "${c.name.text}" has no key`, [{ message: 'add `key env NAME`: the variable (or `gw secrets set NAME`) holds the key the client sends' }]));
  } else {
    const flat = flatten(key.value);
    if (flat.literal !== null && flat.literalLoc)
      out.push(error('GW151', file, flat.literalLoc, `the key of client "${c.name.text}" is written in the policy file; secrets must come from the environment`, [{ message: 'write `key env NAME` and set NAME in the gateway\'s environment (or `gw secrets set NAME`)' }]));
    else if (!anySet(flat.env, ctx.env))
      out.push(
        warning('GW181', file, key.value.loc, `client "${c.name.text}" is disabled: ${flat.env.length === 1 ? `${flat.env[0]} is not set` : `none of ${flat.env.join(', ')} is set`}`, [
          { message: 'requests with its key are refused until the variable is set (or `gw secrets set` stores it) and the policy reloads' },
        ]),
      );
  }
  for (const s of c.settings) {
    if (s.kind === 'limit') {
      if (!(LIMIT_UNITS as readonly string[]).includes(s.unit.text))
        out.push(error('GW144', file, s.unit.loc, `a limit is in rpm (requests per minute) or tpm (tokens per minute), found "${s.unit.text}"`, guess(s.unit.text, LIMIT_UNITS)));
      else if (!Number.isInteger(s.value.value) || s.value.value < 1) out.push(error('GW182', file, s.value.loc, `a client limit is a whole number of at least 1, found ${s.value.raw}`));
    }
    if (s.kind === 'budget') {
      if (!(BUDGET_PER as readonly string[]).includes(s.per.text)) out.push(error('GW170', file, s.per.loc, `a budget is per day or per month, found "${s.per.text}"`, guess(s.per.text, BUDGET_PER)));
      if (!(BUDGET_THEN as readonly string[]).includes(s.then.text))
        out.push(error('GW170', file, s.then.loc, `after the budget is spent: then free_only or then block, found "${s.then.text}"`, guess(s.then.text, BUDGET_THEN)));
    }
    if (s.kind === 'expires' && !isValidDate(s.date.text)) out.push(error('GW142', file, s.date.loc, `"${s.date.text}" is not a calendar date`));
    if (s.kind === 'allow' && s.what === 'scenario') {
      const names = ctx.symbols.scenarios.map((x) => x.name.text);
      for (const n of s.names)
        if (!names.includes(n.text)) out.push(error('GW183', file, n.loc, `client "${c.name.text}" allows the unknown scenario "${n.text}"`, guess(n.text, names)));
    }
    if (s.kind === 'allow' && s.what === 'model') {
      for (const n of s.names)
        if (!allowEntryKnown(ctx, n.text))
          out.push(error('GW184', file, n.loc, `client "${c.name.text}" allows the unknown model "${n.text}"`, [...guess(n.text, ctx.symbols.models.keys()), { message: 'name a declared model (provider/model or its bare name) or a provider' }]));
    }
  }
  return out;
}

function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of ctx.symbols.clients) out.push(...clientChecks(ctx, c));
  for (const g of ctx.symbols.singletons.gateway) {
    for (const s of g.settings) {
      if (s.kind !== 'cors') continue;
      for (const o of s.origins)
        if (!ORIGIN.test(o.value))
          out.push(error('GW185', ctx.file, o.loc, `"${o.value}" is not an origin`, [{ message: 'an origin is a scheme, a host and an optional port, like "https://app.example" or "http://localhost:5173" (or write `cors any`)' }]));
    }
  }
  return out;
}

export const clientsPass: CheckPass = { name: 'clients', run };
