import { error, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { PII_TYPES } from '../../runtime/pii/types.ts';
import { providerOf } from '../symbols.ts';
import type { CheckContext, CheckPass } from './context.ts';

function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of ctx.symbols.singletons.pii) {
    const actions = d.settings.filter((s) => s.kind === 'route' || s.kind === 'redact' || s.kind === 'block');
    if (actions.length > 1) {
      out.push(
        error('GW124', ctx.file, actions[1].loc, 'a pii block takes one action: `route MODEL`, `redact` or `block`', [
          { message: `the first action is at line ${actions[0].loc.line}`, loc: actions[0].loc },
        ]),
      );
    }
    for (const s of d.settings) {
      if (s.kind === 'detect') {
        for (const n of s.names) {
          if ((PII_TYPES as readonly string[]).includes(n.text)) continue;
          const g = didYouMean(n.text, PII_TYPES);
          out.push(
            error('GW121', ctx.file, n.loc, `unknown PII detector "${n.text}"; detect takes ${PII_TYPES.join(', ')}`, g ? [{ message: `did you mean "${g}"?` }] : []),
          );
        }
      }
      if ((s.kind === 'route' || s.kind === 'classify') && ctx.symbols.models.has(s.model.text) && !ctx.symbols.isLocal(s.model.text)) {
        const provider = providerOf(s.model.text);
        const decl = ctx.symbols.providers.get(provider);
        const notes = [
          {
            message: `provider "${provider}" is not marked \`local\`${decl ? '' : ' (it is a cloud preset)'}: personal data would leave this machine`,
            loc: decl?.name.loc,
          },
        ];
        if (s.kind === 'route')
          out.push(error('GW120', ctx.file, s.model.loc, `pii route sends personal data to "${s.model.text}", which is not on a local provider`, notes));
        else
          out.push(error('GW122', ctx.file, s.model.loc, `pii classify sends every request's text to "${s.model.text}", which is not on a local provider`, notes));
      }
      if (s.kind === 'on_error' && s.value.text !== 'allow' && s.value.text !== 'block')
        out.push(error('GW123', ctx.file, s.value.loc, `on_error takes allow or block, found "${s.value.text}"`));
    }
  }
  return out;
}

export const piiPass: CheckPass = { name: 'pii', run };
