import type * as A from './ast.ts';
import type * as T from '../runtime/types/decision-table.ts';
import { locRef } from './source.ts';
import { providerOf } from './symbols.ts';
import { anySet, flatten, resolve } from './values.ts';
import { keyVariables } from './checks/providers.ts';
import type { CheckContext } from './checks/context.ts';
import { presetBaseUrl } from '../runtime/providers/presets.ts';
import { stickyMs } from './checks/sticky.ts';

export const DEFAULTS = {
  listen: 3000,
  state: './.gw/state.db',
  bodyLimit: 10_000_000,
  logKeepMs: 30 * 86_400_000,
  providerTimeoutMs: 60_000,
  /** the longest silence between body bytes; long enough for a reasoning model that sends keep-alive pings */
  providerIdleTimeoutMs: 120_000,
  /** one attempt, head and body: a long answer at a slow pace still fits */
  providerDeadlineMs: 1_800_000,
  willingness: 1,
  rank: 'expiry' as const,
  retry: { attempts: 3, initialMs: 1000, factor: 2, maxMs: 10_000, on: ['network', 'rate_limit', 'server', 'quota'] as const, cooldownMs: 60_000, cooldownAfter: 3 },
  zone: 'UTC',
  resetAt: '00:00',
};

/** Normalise a base URL read from the environment: add a scheme where missing; Ollama's OLLAMA_HOST has no /v1. */
export function normaliseBaseUrl(url: string, provider: string): string {
  let u = url.trim();
  if (!/^[a-z]+:\/\//i.test(u)) u = `http://${u}`;
  u = u.replace(/\/+$/, '');
  if (provider === 'ollama' && /^[a-z]+:\/\/[^/]+$/i.test(u)) u += '/v1';
  return u;
}

/** AST → decision table. Runs only on a policy the checks passed, so references resolve. */
export function compile(ctx: CheckContext, sha256: string): T.DecisionTable {
  const { symbols, env, file } = ctx;
  const at = (n: A.Node) => locRef(file, n.loc);
  const source = { file: file.replace(/^.*[\\/]/, ''), sha256 };

  const gw = symbols.singletons.gateway[0];
  const gset = <K extends A.GatewaySetting['kind']>(k: K) => gw?.settings.find((s) => s.kind === k) as Extract<A.GatewaySetting, { kind: K }> | undefined;
  const listenV = gset('listen');
  const authV = gset('auth');
  const stateV = gset('state');
  const bodyV = gset('body_limit');
  const listen = listenV ? Number(resolve(flatten(listenV.value), env) ?? DEFAULTS.listen) : DEFAULTS.listen;
  const authFlat = authV ? flatten(authV.value) : null;
  const logsV = gset('logs');
  const logs = { enabled: true, keepMs: DEFAULTS.logKeepMs as number | null, keepRows: null as number | null };
  if (logsV?.mode) logs.enabled = logsV.mode.text !== 'off';
  else if (logsV?.keep && logsV.keepUnit) {
    logs.keepRows = logsV.keep.value;
    logs.keepMs = null;
  } else if (logsV?.keep) logs.keepMs = logsV.keep.value;
  const gateway: T.GatewayConfig = {
    listen: Number.isInteger(listen) && listen >= 0 && listen <= 65535 ? listen : DEFAULTS.listen,
    auth: authFlat ? { env: authFlat.env, enabled: anySet(authFlat.env, env) } : null,
    state: stateV ? (resolve(flatten(stateV.value), env) ?? DEFAULTS.state) : DEFAULTS.state,
    bodyLimit: bodyV ? bodyV.value.value : DEFAULTS.bodyLimit,
    logs,
    cors: corsOf(gset('cors')),
    clampMaxTokens: gset('clamp_max_tokens')?.mode.text !== 'off',
    syncMs: gset('sync')?.every.value ?? null,
    at: gw ? at(gw) : null,
  };

  // Providers: declared ones, plus presets that a model names without declaring them.
  const providerNames = [...symbols.providers.keys()];
  for (const m of symbols.models.values()) {
    const p = providerOf(m.ref.text);
    if (!providerNames.includes(p)) providerNames.push(p);
  }
  const providers: T.Provider[] = providerNames.map((name) => {
    const decl = symbols.providers.get(name);
    const preset = symbols.preset(name);
    const s = <K extends A.ProviderSetting['kind']>(k: K) => decl?.settings.find((x) => x.kind === k) as Extract<A.ProviderSetting, { kind: K }> | undefined;
    // `protocol openai-responses`: OpenAI's wire format, and its Responses API natively (the openai preset's too)
    const declared = s('protocol')?.value.text;
    const protocol = (declared === 'openai-responses' ? 'openai' : (declared ?? preset?.protocol ?? 'openai')) as 'openai' | 'anthropic';
    const responses = declared === 'openai-responses' || (declared === undefined && preset?.responses === true);
    const baseLine = s('base_url');
    let baseUrl = baseLine ? resolve(flatten(baseLine.value), env) : null;
    let missingVars: string[] = [];
    if (baseUrl === null && preset) ({ url: baseUrl, missing: missingVars } = presetBaseUrl(preset, env));
    const { vars, optional } = keyVariables(ctx, name);
    const local = s('local') !== undefined || preset?.local === true;
    let disabledReason: string | null = null;
    if (!baseUrl) disabledReason = `no base URL: set ${missingVars.length ? missingVars.join(' and ') : (preset?.baseUrlEnv ?? 'base_url')}`;
    else if (!optional && vars.length > 0 && !anySet(vars, env)) disabledReason = `set ${vars.join(' or ')}`;
    return {
      name,
      protocol,
      baseUrl: baseUrl ? normaliseBaseUrl(baseUrl, name) : '',
      keyEnv: vars,
      local,
      responses,
      timeoutMs: s('timeout')?.value.value ?? DEFAULTS.providerTimeoutMs,
      idleTimeoutMs: s('idle_timeout')?.value.value ?? DEFAULTS.providerIdleTimeoutMs,
      deadlineMs: s('deadline')?.value.value ?? DEFAULTS.providerDeadlineMs,
      headers: (decl?.settings ?? [])
        .filter((x): x is Extract<A.ProviderSetting, { kind: 'header' }> => x.kind === 'header')
        .map((h) => {
          const f = flatten(h.value);
          return { name: h.name, value: { env: f.env, literal: f.literal } };
        }),
      enabled: disabledReason === null,
      disabledReason,
      preset: preset !== undefined,
      at: decl ? at(decl) : at([...symbols.models.values()].find((m) => providerOf(m.ref.text) === name)!.ref),
    };
  });

  let order = 0;
  const models: T.Model[] = [...symbols.models.values()].map((m) => {
    const s = <K extends A.ModelSetting['kind']>(k: K) => m.settings.filter((x) => x.kind === k) as Extract<A.ModelSetting, { kind: K }>[];
    const free = s('free')[0];
    let freeRow: T.FreeQuota | null = null;
    if (free) {
      const spec = free.spec;
      const zone = spec.kind === 'every' && spec.at?.zone ? spec.at.zone.text : DEFAULTS.zone;
      freeRow = {
        tokens: free.tokens.value,
        period:
          spec.kind === 'every'
            ? { kind: 'every', unit: spec.unit.text as 'day' | 'week' | 'month', at: (spec.at?.time ?? DEFAULTS.resetAt).padStart(5, '0'), zone }
            : { kind: 'once' },
        until: spec.until?.text ?? null,
        zone,
        at: at(free),
      };
    }
    const limits = { rpm: null as number | null, tpm: null as number | null };
    for (const l of s('limit')) limits[l.unit.text as 'rpm' | 'tpm'] = l.value.value;
    const id = m.ref.text;
    const r = ctx.resolved.get(id)!;
    return {
      id,
      provider: providerOf(id),
      name: id.slice(id.indexOf('/') + 1),
      context: r.context,
      maxOutput: r.maxOutput,
      price: r.price,
      capabilities: r.capabilities,
      speed: s('speed')[0]?.value.value ?? null,
      free: freeRow,
      limits,
      order: order++,
      at: at(m.ref),
      catalog: {
        known: r.known,
        modalities: r.modalities,
        released: r.released,
        retires: r.retires,
        status: r.status,
        origin: r.origin,
        layers: r.layers,
        free: r.catalogFree,
      },
    };
  });

  const chainOf = (names: A.Name[], n: A.Node): T.Chain => ({ models: names.map((x) => x.text), at: at(n) });
  const scenarios: T.Scenario[] = symbols.scenarios.map((sc) => {
    const get = <K extends A.ScenarioSetting['kind']>(k: K) => sc.settings.find((x) => x.kind === k) as Extract<A.ScenarioSetting, { kind: K }> | undefined;
    const paid = get('paid');
    const free = get('free');
    const will = get('willingness');
    const rank = get('rank');
    const fb = get('fallback');
    const sticky = get('sticky') ?? gset('sticky');
    const lines: T.Scenario['lines'] = {};
    if (paid) lines.paid = at(paid);
    if (free) lines.free = at(free);
    if (will) lines.willingness = at(will);
    if (rank) lines.rank = at(rank);
    if (sticky) lines.sticky = at(sticky);
    return {
      name: sc.name.text,
      when: sc.when ? condition(sc.when, at) : null,
      paid: paid?.models.map((x) => x.text) ?? [],
      free: free ? (free.any ? symbols.freeModels.map((m) => m.ref.text) : free.models.map((x) => x.text)) : [],
      freeAny: free?.any ?? false,
      freeListed: free?.listed ?? false,
      willingness: will ? will.value.value / 100 : DEFAULTS.willingness,
      rank: (rank?.value.text ?? DEFAULTS.rank) as T.Scenario['rank'],
      fallback: fb ? chainOf(fb.chain, fb) : null,
      sticky: stickyMs(sc, symbols),
      lines,
      at: at(sc.name),
    };
  });

  const piiDecl = symbols.singletons.pii[0];
  let pii: T.PiiPolicy | null = null;
  if (piiDecl) {
    const get = <K extends A.PiiSetting['kind']>(k: K) => piiDecl.settings.find((x) => x.kind === k) as Extract<A.PiiSetting, { kind: K }> | undefined;
    const action = piiDecl.settings.find((x) => x.kind === 'route' || x.kind === 'redact' || x.kind === 'block');
    const cls = get('classify');
    pii = {
      detect: get('detect')?.names.map((n) => n.text) ?? [],
      classify: cls ? { model: cls.model.text, timeoutMs: cls.timeout?.value ?? 3000, at: at(cls) } : null,
      action: action
        ? { kind: action.kind as 'route' | 'redact' | 'block', model: action.kind === 'route' ? action.model.text : null, at: at(action) }
        : { kind: 'block', model: null, at: at(piiDecl) },
      onError: (get('on_error')?.value.text ?? 'allow') as 'allow' | 'block',
      at: at(piiDecl),
    };
  }

  const r = symbols.singletons.retry[0];
  const rget = <K extends A.RetrySetting['kind']>(k: K) => r?.settings.find((x) => x.kind === k) as Extract<A.RetrySetting, { kind: K }> | undefined;
  const backoff = rget('backoff');
  const cooldown = rget('cooldown');
  const retry: T.RetryPolicy = {
    attempts: rget('attempts')?.value.value ?? DEFAULTS.retry.attempts,
    initialMs: backoff?.initial.value ?? DEFAULTS.retry.initialMs,
    factor: backoff ? (backoff.doubling ? 2 : 1) : DEFAULTS.retry.factor,
    maxMs: backoff ? (backoff.max?.value ?? (backoff.doubling ? DEFAULTS.retry.maxMs : backoff.initial.value)) : DEFAULTS.retry.maxMs,
    on: (rget('on')?.classes.map((c) => c.text) ?? [...DEFAULTS.retry.on]) as T.RetryPolicy['on'],
    cooldownMs: cooldown?.duration.value ?? DEFAULTS.retry.cooldownMs,
    cooldownAfter: cooldown?.after?.value ?? DEFAULTS.retry.cooldownAfter,
    at: r ? at(r) : null,
  };

  const clients: T.Client[] = symbols.clients.map((c) => {
    const get = <K extends A.ClientSetting['kind']>(k: K) => c.settings.filter((x) => x.kind === k) as Extract<A.ClientSetting, { kind: K }>[];
    const keyEnv = get('key')[0] ? flatten(get('key')[0].value).env : [];
    const limit = (u: string) => get('limit').find((l) => l.unit.text === u)?.value.value ?? null;
    const budget = get('budget')[0];
    const allow = (w: 'scenario' | 'model') => get('allow').find((a) => a.what === w)?.names.map((n) => n.text) ?? null;
    return {
      name: c.name.text,
      keyEnv,
      enabled: anySet(keyEnv, env),
      rpm: limit('rpm'),
      tpm: limit('tpm'),
      budget: budget ? { usd: budget.amount.value, per: budget.per.text as 'day' | 'month', then: budget.then.text as 'free_only' | 'block' } : null,
      models: allow('model'),
      scenarios: allow('scenario'),
      expires: get('expires')[0]?.date.text ?? null,
      at: at(c.name),
    };
  });

  const fb = symbols.singletons.fallback[0];
  const b = symbols.singletons.budget[0];
  const al = symbols.singletons.alert[0];
  return {
    version: 1,
    source,
    gateway,
    providers,
    models,
    scenarios: scenarios as T.DecisionTable["scenarios"],
    pii,
    retry,
    fallback: fb ? chainOf(fb.chain, fb) : null,
    budget: b ? { usd: b.amount.value, per: b.per.text as 'day' | 'month', then: b.then.text as 'free_only' | 'block', at: at(b) } : null,
    alert: al
      ? {
          lowQuotaBelow: al.lowQuotaBelow?.value ?? null,
          expiringWithinMs: al.expiringWithin?.value ?? null,
          webhook: al.webhook ? (({ env, literal }) => ({ env, literal }))(flatten(al.webhook)) : null,
          at: at(al),
        }
      : null,
    clients,
  };
}

function corsOf(s: Extract<A.GatewaySetting, { kind: 'cors' }> | undefined): T.GatewayConfig['cors'] {
  if (!s) return null;
  return { any: s.any, origins: s.origins.map((o) => o.value) };
}

function condition(c: A.Cond, at: (n: A.Node) => string): T.Condition {
  switch (c.kind) {
    case 'and':
    case 'or':
      return { op: c.kind, args: c.args.map((x) => condition(x, at)) as [T.Condition, T.Condition, ...T.Condition[]], at: at(c) };
    case 'not':
      return { op: 'not', arg: condition(c.arg, at), at: at(c) };
    case 'tokens':
      return { op: 'tokens', cmp: c.cmp, value: c.value.value, at: at(c) };
    case 'text':
    case 'model':
      return { op: c.kind, regex: { source: c.regex.source, flags: c.regex.flags }, at: at(c) };
    case 'has':
      return { op: 'has', what: c.what.text as 'image' | 'tools', at: at(c) };
    case 'header':
      return {
        op: 'header',
        name: c.name.toLowerCase(),
        equals: c.equals,
        regex: c.regex ? { source: c.regex.source, flags: c.regex.flags } : null,
        at: at(c),
      };
  }
}

