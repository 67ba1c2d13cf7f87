import { error, type Diagnostic } from '../diagnostics.ts';
import { flatten, resolve } from '../values.ts';
import type { CheckContext, CheckPass } from './context.ts';

/** The gateway's default port (compile.ts DEFAULTS.listen; not imported: compile imports the checks). */
const DEFAULT_LISTEN = 3000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::1', '[::1]', '::', '[::]']);

function port(u: URL): number {
  if (u.port !== '') return Number(u.port);
  return u.protocol === 'https:' ? 443 : 80;
}

/**
 * GW155: a provider whose base_url (as resolved now, variables included) is this gateway's own listen address would
 * send every request back to gw. The usual cause: the shell Claude Code runs in sets ANTHROPIC_BASE_URL to gw, and the
 * policy reads that variable for its Anthropic provider.
 */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const listenLine = ctx.symbols.singletons.gateway[0]?.settings.find((s) => s.kind === 'listen');
  const listen = listenLine && listenLine.kind === 'listen' ? Number(resolve(flatten(listenLine.value), ctx.env) ?? DEFAULT_LISTEN) : DEFAULT_LISTEN;
  for (const d of ctx.symbols.providers.values()) {
    const line = d.settings.find((s) => s.kind === 'base_url');
    const presetEnv = ctx.symbols.preset(d.name.text)?.baseUrlEnv;
    // no base_url line: a preset's base URL variable (the anthropic preset reads ANTHROPIC_BASE_URL)
    const flat = line && line.kind === 'base_url' ? flatten(line.value) : { env: presetEnv ? [presetEnv] : [], literal: null };
    const loc = line && line.kind === 'base_url' ? line.value.loc : d.name.loc;
    const url = line && line.kind === 'base_url' ? resolve(flatten(line.value), ctx.env) : presetEnv ? (ctx.env[presetEnv] ?? null) : null;
    if (url === null) continue;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      continue;
    }
    if (!LOOPBACK.has(u.hostname) || port(u) !== listen) continue;
    const fromEnv = flat.env.find((n) => ctx.env[n] !== undefined && ctx.env[n] !== '');
    out.push(
      error('GW155', ctx.file, loc, `provider "${d.name.text}" base_url ${url} is this gateway's own address (listen ${listen}): every request would come back to gw`, [
        fromEnv
          ? { message: `${fromEnv} is set to gw's address (as for Claude Code); give the provider its own variable, or unset ${fromEnv} where gw runs` }
          : { message: "point base_url at the provider's real API" },
      ]),
    );
  }
  return out;
}

export const selfLoopPass: CheckPass = { name: 'self-loop', run };
