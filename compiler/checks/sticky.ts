import type * as A from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import type { CheckContext, CheckPass } from './context.ts';
import type { Symbols } from '../symbols.ts';

/** Session affinity when the policy says nothing: every scenario keeps a conversation on its model for 30 minutes. */
export const DEFAULT_STICKY_MS = 30 * 60_000;
const MIN_MS = 1000;
const MAX_MS = 7 * 86_400_000;
const WORDS = ['off', 'on'] as const;

/**
 * `sticky 30m` / `sticky off` / `sticky on`, in the gateway block (the default for every scenario) and in a scenario
 * (its own). Checks the values (GW210 words, GW211 range) and warns where affinity cannot matter (GW212: a scenario
 * with one candidate). `stickyMs` is what the compiler writes into each scenario's row.
 */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (s: A.StickySetting) => {
    if (s.mode && !(WORDS as readonly string[]).includes(s.mode.text)) {
      const g = didYouMean(s.mode.text, WORDS);
      out.push(
        error('GW210', ctx.file, s.mode.loc, `sticky takes a duration like 30m, or on or off, found "${s.mode.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []),
      );
    }
    const d = s.duration;
    if (d && Number.isFinite(d.value) && (d.value < MIN_MS || d.value > MAX_MS))
      out.push(
        error('GW211', ctx.file, d.loc, `a sticky duration runs from 1s to 7d, found ${d.raw}`, [
          { message: d.value < MIN_MS ? 'to turn session affinity off, write `sticky off`' : 'a session idle longer than a week starts afresh anyway' },
        ]),
      );
  };
  for (const g of ctx.symbols.singletons.gateway) for (const s of g.settings) if (s.kind === 'sticky') check(s);
  for (const sc of ctx.symbols.scenarios) {
    const s = stickyLine(sc);
    if (!s) continue;
    check(s);
    if (s.mode && s.mode.text !== 'on') continue;
    const models = candidateModels(sc, ctx.symbols);
    if (models.length === 1)
      out.push(
        warning('GW212', ctx.file, s.loc, `\`sticky\` has no effect in scenario ${sc.name.text}: its only candidate is ${models[0]}`, [
          { message: 'affinity chooses among a scenario’s candidates; add candidates or remove the line' },
        ]),
      );
  }
  return out;
}

function stickyLine(sc: A.ScenarioDecl): A.StickySetting | undefined {
  return sc.settings.find((x): x is A.StickySetting => x.kind === 'sticky');
}

/** The distinct models a scenario can route to (its paid, free and fallback lines, and the policy's fallback). */
function candidateModels(sc: A.ScenarioDecl, symbols: Symbols): string[] {
  const ids = new Set<string>();
  for (const s of sc.settings) {
    if (s.kind === 'paid') for (const m of s.models) ids.add(m.text);
    else if (s.kind === 'free') for (const m of s.any ? symbols.freeModels.map((x) => x.ref) : s.models) ids.add(m.text);
    else if (s.kind === 'fallback') for (const m of s.chain) ids.add(m.text);
  }
  for (const f of symbols.singletons.fallback) for (const m of f.chain) ids.add(m.text);
  return [...ids];
}

/** How long a scenario keeps a session on its model (ms), or null when affinity is off there. */
export function stickyMs(sc: A.ScenarioDecl, symbols: Symbols): number | null {
  const gw = symbols.singletons.gateway[0]?.settings.find((x): x is A.StickySetting => x.kind === 'sticky');
  const base = gw ? valueOf(gw, DEFAULT_STICKY_MS) : DEFAULT_STICKY_MS;
  const own = stickyLine(sc);
  // `sticky on` in a scenario takes the gateway's duration (or the default when the gateway turned it off)
  return own ? valueOf(own, base ?? DEFAULT_STICKY_MS) : base;
}

function valueOf(s: A.StickySetting, onMs: number): number | null {
  if (s.duration) return s.duration.value;
  return s.mode?.text === 'off' ? null : onMs;
}

export const stickyPass: CheckPass = { name: 'sticky', run };
