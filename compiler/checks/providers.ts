import type * as A from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { anySet, flatten, resolve } from '../values.ts';
import { PROVIDER_PRESETS } from '../../runtime/providers/presets.ts';
import { providerOf } from '../symbols.ts';
import { CREDENTIAL_HEADER } from '../../runtime/secrets/scrubber.ts';
import type { CheckContext, CheckPass } from './context.ts';

export const PROTOCOLS = ['openai', 'anthropic', 'openai-responses'] as const;

/** The key variables a provider reads: its own `key` line, else its preset's. */
export function keyVariables(ctx: CheckContext, name: string): { vars: string[]; optional: boolean } {
  const decl = ctx.symbols.providers.get(name);
  const keyLine = decl?.settings.find((s) => s.kind === 'key');
  const preset = ctx.symbols.preset(name);
  const local = decl?.settings.some((s) => s.kind === 'local') || preset?.local === true;
  if (keyLine && keyLine.kind === 'key') return { vars: flatten(keyLine.value).env, optional: local || preset?.keyOptional === true };
  return { vars: preset?.keyEnv ?? [], optional: local || preset?.keyOptional === true || !preset };
}

function secretLiteral(ctx: CheckContext, what: string, v: A.Value): Diagnostic | null {
  const flat = flatten(v);
  if (flat.literal === null || !flat.literalLoc) return null;
  // `env A or "literal"`: the variable is there, the fallback is the leak
  if (flat.env.length > 0)
    return error('GW151', ctx.file, flat.literalLoc, `a fallback for ${what} is written in the policy file; secrets must come from the environment`, [
      { message: `drop the \`or …\` fallback and keep \`${flat.env.map((n) => `env ${n}`).join(' or ')}\`` },
    ]);
  return error('GW151', ctx.file, flat.literalLoc, `${what} is written in the policy file; secrets must come from the environment`, [
    { message: `write \`env NAME\` and set NAME in the gateway's environment` },
  ]);
}

function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const used = new Set([...ctx.symbols.models.keys()].map(providerOf));
  for (const d of ctx.symbols.providers.values()) {
    const preset = ctx.symbols.preset(d.name.text);
    let baseUrl: A.ProviderSetting | undefined;
    for (const s of d.settings) {
      if (s.kind === 'protocol' && !(PROTOCOLS as readonly string[]).includes(s.value.text)) {
        const g = didYouMean(s.value.text, PROTOCOLS);
        out.push(error('GW152', ctx.file, s.value.loc, `unknown protocol "${s.value.text}"; use openai, anthropic or openai-responses`, g ? [{ message: `did you mean "${g}"?` }] : []));
      }
      if (s.kind === 'key') {
        const d2 = secretLiteral(ctx, 'an API key', s.value);
        if (d2) out.push(d2);
      }
      // a header that carries a credential (authorization, x-api-key, …) is a key by another name
      if (s.kind === 'header' && CREDENTIAL_HEADER.test(s.name)) {
        const d2 = secretLiteral(ctx, `the value of header "${s.name}"`, s.value);
        if (d2) out.push(d2);
      }
      if ((s.kind === 'timeout' || s.kind === 'idle_timeout' || s.kind === 'deadline') && s.value.value < 1) {
        out.push(error('GW158', ctx.file, s.value.loc, `${s.kind} must be longer than 0, found ${s.value.raw}`, [{ message: 'write a duration such as 500ms, 30s or 5m' }]));
      }
      if (s.kind === 'base_url') {
        baseUrl = s;
        const url = resolve(flatten(s.value), ctx.env);
        if (url !== null && !/^https?:\/\/[^\s/]+/.test(url) && !/^[\w.-]+:\d+/.test(url))
          out.push(error('GW153', ctx.file, s.value.loc, `"${url}" is not an http(s) URL`));
      }
    }
    if (!preset && !baseUrl) {
      // a misspelled preset is the likelier mistake: suggest presets (declared names would only find this one)
      const g = didYouMean(d.name.text, PROVIDER_PRESETS.map((p) => p.name));
      out.push(
        error('GW104', ctx.file, d.name.loc, `provider "${d.name.text}" is not a known preset and has no base_url`, [
          ...(g ? [{ message: `did you mean the preset "${g}"?` }] : []),
          { message: 'add `base_url "https://…/v1"` (and `protocol anthropic` if it speaks the Anthropic API)' },
        ]),
      );
    }
  }
  // Unset key variables: a warning per provider that some model uses (the provider is disabled, not an error).
  for (const name of used) {
    if (!ctx.symbols.providerKnown(name)) continue;
    const { vars, optional } = keyVariables(ctx, name);
    if (optional || vars.length === 0 || anySet(vars, ctx.env)) continue;
    const decl = ctx.symbols.providers.get(name);
    // the provider's declaration, else the provider part of the first model on it (`deepseek` in deepseek/deepseek-chat)
    const ref = [...ctx.symbols.models.values()].find((m) => providerOf(m.ref.text) === name)!.ref.loc;
    const loc = decl?.name.loc ?? { ...ref, endLine: ref.line, endCol: ref.col + name.length, endOffset: ref.offset + name.length };
    out.push(
      warning('GW150', ctx.file, loc, `provider "${name}" is disabled: ${vars.length === 1 ? `${vars[0]} is not set` : `none of ${vars.join(', ')} is set`}`, [
        { message: `its models are skipped until ${vars.length === 1 ? 'the variable' : 'one of them'} is set and the policy reloads` },
      ]),
    );
  }
  for (const g of ctx.symbols.singletons.gateway) {
    for (const s of g.settings) {
      if (s.kind === 'auth') {
        const d2 = secretLiteral(ctx, 'the gateway token', s.value);
        if (d2) out.push(d2);
      }
    }
  }
  return out;
}

export const providersPass: CheckPass = { name: 'providers', run };
