import type * as A from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { PROVIDER_PRESETS } from '../../runtime/providers/presets.ts';
import { providerOf } from '../symbols.ts';
import type { CheckContext, CheckPass } from './context.ts';

/** Every model reference in the policy, with where it was written. */
export function modelReferences(policy: A.Policy): A.Name[] {
  const refs: A.Name[] = [];
  for (const d of policy.decls) {
    if (d.kind === 'scenario') {
      for (const s of d.settings) {
        if (s.kind === 'paid' || s.kind === 'free') refs.push(...s.models);
        if (s.kind === 'fallback') refs.push(...s.chain);
      }
    } else if (d.kind === 'fallback') refs.push(...d.chain);
    else if (d.kind === 'pii') {
      for (const s of d.settings) if (s.kind === 'route' || s.kind === 'classify') refs.push(s.model);
    }
  }
  return refs;
}

function duplicates(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, A.Name>();
  const dup = (what: string, n: A.Name) => {
    const key = `${what}:${n.text}`;
    const first = seen.get(key);
    if (first) {
      out.push(
        error('GW101', ctx.file, n.loc, `duplicate ${what} "${n.text}"`, [
          { message: `first declared at line ${first.loc.line}`, loc: first.loc },
        ]),
      );
    } else seen.set(key, n);
  };
  const singles = new Map<string, A.Node>();
  for (const d of ctx.policy.decls) {
    if (d.kind === 'provider') dup('provider', d.name);
    else if (d.kind === 'model') dup('model', d.ref);
    else if (d.kind === 'scenario') dup('scenario', d.name);
    else if (d.kind === 'client') dup('client', d.name);
    else {
      const first = singles.get(d.kind);
      // point at the keyword, not the whole (possibly multi-line) declaration
      const keyword = { ...d.loc, endLine: d.loc.line, endCol: d.loc.col + d.kind.length, endOffset: d.loc.offset + d.kind.length };
      if (first)
        out.push(
          error('GW105', ctx.file, keyword, `a second \`${d.kind}\` declaration; a policy has at most one`, [
            { message: `the first is at line ${first.loc.line}`, loc: first.loc },
          ]),
        );
      else singles.set(d.kind, d);
    }
    if ('settings' in d) {
      const settingsSeen = new Map<string, A.Node>();
      for (const s of d.settings as Array<A.Node & { kind: string }>) {
        if (s.kind === 'header') continue;
        // `limit 30 rpm` and `limit 100k tpm` are two settings
        // (and `allow scenario …` and `allow model …`)
        const key =
          s.kind === 'limit' ? `limit ${(s as unknown as { unit: A.Name }).unit.text}` : s.kind === 'allow' ? `allow ${(s as unknown as { what: string }).what}` : s.kind;
        const prev = settingsSeen.get(key);
        if (prev)
          out.push(
            error('GW105', ctx.file, s.loc, `\`${s.kind}\` is set twice in this ${d.kind} block`, [
              { message: `first set at line ${prev.loc.line}`, loc: prev.loc },
            ]),
          );
        else settingsSeen.set(key, s);
      }
    }
  }
  return out;
}

function unknownNames(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { symbols, file } = ctx;
  const providerNames = [...symbols.providers.keys(), ...PROVIDER_PRESETS.map((p) => p.name)];
  const unknownProvider = (n: A.Name, name: string) => {
    const guess = didYouMean(name, providerNames);
    const decl = guess ? symbols.providers.get(guess) : undefined;
    out.push(
      error(
        'GW102',
        file,
        { ...n.loc, endCol: n.loc.col + name.length, endOffset: n.loc.offset + name.length },
        `unknown provider "${name}"`,
        guess ? [{ message: `did you mean "${guess}"?`, loc: decl?.name.loc }] : [{ message: 'declare it with `provider NAME { base_url … }` or use a known preset (`gw providers` lists them)' }],
      ),
    );
  };
  for (const m of symbols.models.values()) {
    const p = providerOf(m.ref.text);
    if (!symbols.providerKnown(p)) unknownProvider(m.ref, p);
  }
  for (const ref of modelReferences(ctx.policy)) {
    if (symbols.models.has(ref.text)) continue;
    const p = providerOf(ref.text);
    if (!symbols.providerKnown(p)) {
      unknownProvider(ref, p);
      continue;
    }
    const guess = didYouMean(ref.text, symbols.models.keys());
    out.push(
      error(
        'GW103',
        file,
        ref.loc,
        `unknown model "${ref.text}"`,
        guess
          ? [{ message: `did you mean "${guess}"?`, loc: symbols.models.get(guess)!.ref.loc }]
          : [{ message: `declare it with \`model ${ref.text} { context … }\`` }],
      ),
    );
  }
  return out;
}

export const namesPass: CheckPass = {
  name: 'names',
  run: (ctx) => [...duplicates(ctx), ...unknownNames(ctx)],
};
