import type { Loc } from './source.ts';

/** The routes.gw abstract syntax tree. Every node keeps the span it came from. */
export interface Node {
  loc: Loc;
}

export interface Name extends Node {
  text: string;
}

/** `env NAME [or VALUE]`, a string, or a number. */
export type Value =
  | (Node & { kind: 'env'; name: string; fallback: Value | null })
  | (Node & { kind: 'string'; value: string })
  | (Node & { kind: 'number'; value: number; unit: string; raw: string });

/** A number with its unit suffix as written, e.g. 8k → value 8000, unit 'k'. */
export interface Quantity extends Node {
  value: number;
  unit: string;
  raw: string;
}

export interface Policy {
  file: string;
  decls: Decl[];
}

export type Decl =
  | GatewayDecl
  | ProviderDecl
  | ModelDecl
  | ScenarioDecl
  | PiiDecl
  | RetryDecl
  | FallbackDecl
  | BudgetDecl
  | AlertDecl
  | ClientDecl;

export interface GatewayDecl extends Node {
  kind: 'gateway';
  settings: GatewaySetting[];
}
export type GatewaySetting =
  | (Node & { kind: 'listen'; value: Value })
  | (Node & { kind: 'auth'; value: Value })
  | (Node & { kind: 'state'; value: Value })
  | (Node & { kind: 'body_limit'; value: Quantity })
  | (Node & { kind: 'logs'; mode: Name | null; keep: Quantity | null; keepUnit: Name | null })
  | (Node & { kind: 'cors'; any: boolean; origins: (Node & { value: string })[] })
  | (Node & { kind: 'clamp_max_tokens'; mode: Name })
  | (Node & { kind: 'sync'; every: Quantity })
  | StickySetting;

/** `sticky 30m` (a duration) or `sticky off|on`: exactly one of `duration` and `mode` is set. */
export type StickySetting = Node & { kind: 'sticky'; duration: Quantity | null; mode: Name | null };

export interface ProviderDecl extends Node {
  kind: 'provider';
  name: Name;
  settings: ProviderSetting[];
}
export type ProviderSetting =
  | (Node & { kind: 'protocol'; value: Name })
  | (Node & { kind: 'base_url'; value: Value })
  | (Node & { kind: 'key'; value: Value })
  | (Node & { kind: 'local' })
  | (Node & { kind: 'timeout'; value: Quantity })
  | (Node & { kind: 'idle_timeout'; value: Quantity })
  | (Node & { kind: 'deadline'; value: Quantity })
  | (Node & { kind: 'header'; name: string; nameLoc: Loc; value: Value });

export interface ModelDecl extends Node {
  kind: 'model';
  ref: Name; // provider/model as written
  settings: ModelSetting[];
}
export type FreeSpec =
  | { kind: 'every'; unit: Name; at: { time: string; zone: Name | null; loc: Loc } | null; until: Name | null }
  | { kind: 'once'; until: Name | null };
export type ModelSetting =
  | (Node & { kind: 'context'; value: Quantity })
  | (Node & { kind: 'max_output'; value: Quantity })
  | (Node & { kind: 'price'; input: Quantity; output: Quantity; cacheRead: Quantity | null; cacheWrite: Quantity | null })
  | (Node & { kind: 'can'; caps: Name[] })
  | (Node & { kind: 'speed'; value: Quantity })
  | (Node & { kind: 'free'; tokens: Quantity; spec: FreeSpec })
  | (Node & { kind: 'limit'; value: Quantity; unit: Name });

export interface ScenarioDecl extends Node {
  kind: 'scenario';
  name: Name;
  when: Cond | null;
  settings: ScenarioSetting[];
}
export type ScenarioSetting =
  | (Node & { kind: 'paid'; models: Name[] })
  | (Node & { kind: 'free'; any: boolean; listed: boolean; models: Name[] })
  | (Node & { kind: 'willingness'; value: Quantity })
  | (Node & { kind: 'rank'; value: Name })
  | StickySetting
  | (Node & { kind: 'fallback'; chain: Name[] });

export type Cond =
  | (Node & { kind: 'and' | 'or'; args: Cond[] })
  | (Node & { kind: 'not'; arg: Cond })
  | (Node & { kind: 'tokens'; cmp: '>' | '>=' | '<' | '<='; value: Quantity })
  | (Node & { kind: 'text' | 'model'; regex: RegexLit })
  | (Node & { kind: 'has'; what: Name })
  | (Node & { kind: 'header'; name: string; nameLoc: Loc; equals: string | null; regex: RegexLit | null });

export interface RegexLit extends Node {
  source: string;
  flags: string;
}

export interface PiiDecl extends Node {
  kind: 'pii';
  settings: PiiSetting[];
}
export type PiiSetting =
  | (Node & { kind: 'detect'; names: Name[] })
  | (Node & { kind: 'classify'; model: Name; timeout: Quantity | null })
  | (Node & { kind: 'route'; model: Name })
  | (Node & { kind: 'redact' })
  | (Node & { kind: 'block' })
  | (Node & { kind: 'on_error'; value: Name });

export interface RetryDecl extends Node {
  kind: 'retry';
  settings: RetrySetting[];
}
export type RetrySetting =
  | (Node & { kind: 'attempts'; value: Quantity })
  | (Node & { kind: 'backoff'; initial: Quantity; doubling: boolean; max: Quantity | null })
  | (Node & { kind: 'on'; classes: Name[] })
  | (Node & { kind: 'cooldown'; duration: Quantity; after: Quantity | null });

export interface FallbackDecl extends Node {
  kind: 'fallback';
  chain: Name[];
}

export interface BudgetDecl extends Node {
  kind: 'budget';
  amount: Quantity;
  per: Name;
  then: Name;
}

export interface AlertDecl extends Node {
  kind: 'alert';
  lowQuotaBelow: Quantity | null;
  expiringWithin: Quantity | null;
  webhook: Value | null;
}

/** `client NAME { key env VAR  limit 60 rpm  budget 2 per day then free_only  allow scenario code, chat }` */
export interface ClientDecl extends Node {
  kind: 'client';
  name: Name;
  settings: ClientSetting[];
}
export type ClientSetting =
  | (Node & { kind: 'key'; value: Value })
  | (Node & { kind: 'limit'; value: Quantity; unit: Name })
  | (Node & { kind: 'budget'; amount: Quantity; per: Name; then: Name })
  | (Node & { kind: 'allow'; what: 'scenario' | 'model'; names: Name[] })
  | (Node & { kind: 'expires'; date: Name });
