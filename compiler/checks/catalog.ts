import { warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { providerOf } from '../symbols.ts';
import { findPreset } from '../../runtime/providers/presets.ts';
import type { CheckContext, CheckPass } from './context.ts';
import { isValidDate } from './models.ts';

const today = (now: number) => new Date(now).toISOString().slice(0, 10);

/** A few current models of a provider to move to: its preset's defaults the catalog does not mark retired. */
function currentModels(ctx: CheckContext, provider: string, day: string): string[] {
  return (findPreset(provider)?.defaultModels ?? []).filter((name) => {
    const e = ctx.catalog.lookup(provider, name)?.entry;
    return e && e.status !== 'deprecated' && !(e.retires && e.retires <= day);
  });
}

/**
 * The catalog's lints: a model the catalog does not know (a typo, or a name the provider never served), a model its
 * provider has retired, and a free quota whose `until` date has passed (billed requests would count as free).
 */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const day = today(ctx.now);
  for (const m of ctx.symbols.models.values()) {
    const id = m.ref.text;
    const provider = providerOf(id);
    const name = id.slice(provider.length + 1);
    const r = ctx.resolved.get(id);
    if (!r) continue;
    if (!r.known && !ctx.symbols.isLocal(id) && !ctx.symbols.providers.get(provider)?.settings.some((s) => s.kind === 'base_url')) {
      const names = ctx.catalog.names(provider);
      if (names.length > 0) {
        const g = didYouMean(name, names);
        out.push(
          warning('GW195', ctx.file, m.ref.loc, `the catalog does not know "${id}": check the name with the provider (\`gw models sync --provider ${provider}\`)`, [
            g ? { message: `did you mean "${provider}/${g}"?` } : { message: `the catalog lists ${names.length} ${provider} models; declare \`context\` and \`price\` yourself if this one is new` },
          ]),
        );
      }
    }
    const retiredOn = r.retires && r.retires <= day ? r.retires : null;
    if (retiredOn || r.status === 'deprecated') {
      const why = retiredOn ? `was retired by ${provider} on ${retiredOn}` : `is no longer served by ${provider} (the catalog marks it deprecated)`;
      const alt = currentModels(ctx, provider, day);
      out.push(
        warning('GW196', ctx.file, m.ref.loc, `"${id}" ${why}: requests to it fail`, [
          { message: alt.length ? `current ${provider} models: ${alt.map((a) => `${provider}/${a}`).join(', ')}` : 'replace it with a current model (`gw models` shows what the catalog knows)' },
        ]),
      );
    }
    for (const s of m.settings) {
      if (s.kind !== 'free' || !s.spec.until) continue;
      const until = s.spec.until.text;
      if (isValidDate(until) && until < day)
        out.push(
          warning('GW197', ctx.file, s.spec.until.loc, `this free quota ended on ${until}: requests billed by ${provider} would be counted as free`, [
            { message: 'remove the `free` line, or give the date of a quota you have now' },
          ]),
        );
    }
  }
  return out;
}

export const catalogChecksPass: CheckPass = { name: 'catalog', run };
