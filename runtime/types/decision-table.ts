/* Generated from schema/decision-table.schema.json by `npm run gen:types` (json-schema-to-typescript). Do not edit by hand. */

/**
 * Where a row came from: `routes.gw:LINE:COL`.
 *
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "At".
 */
export type At = string;
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "ModelId".
 */
export type ModelId = string;
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "QuotaPeriodRow".
 */
export type QuotaPeriodRow =
  | {
      kind: 'every';
      unit: 'day' | 'week' | 'month';
      at: string;
      zone: string;
    }
  | {
      kind: 'once';
    };
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Condition".
 */
export type Condition =
  | {
      op: 'and' | 'or';
      /**
       * @minItems 2
       */
      args: [Condition, Condition, ...Condition[]];
      at: At;
    }
  | {
      op: 'not';
      arg: Condition;
      at: At;
    }
  | {
      op: 'tokens';
      cmp: '>' | '>=' | '<' | '<=';
      value: number;
      at: At;
    }
  | {
      op: 'text' | 'model';
      regex: RegexRow;
      at: At;
    }
  | {
      op: 'has';
      what: 'image' | 'tools';
      at: At;
    }
  | {
      op: 'header';
      /**
       * lower-cased header name
       */
      name: string;
      equals: string | null;
      regex: RegexRow | null;
      at: At;
    };

/**
 * The compiled form of routes.gw: everything the router needs, with every row pointing back at the line it came from. Holds no secret: keys are named by their environment variables only.
 */
export interface DecisionTable {
  version: 1;
  source: {
    /**
     * base name of the policy file, as used in `at` references
     */
    file: string;
    sha256: string;
  };
  gateway: GatewayConfig;
  providers: Provider[];
  models: Model[];
  /**
   * @minItems 1
   */
  scenarios: [Scenario, ...Scenario[]];
  pii: PiiPolicy | null;
  retry: RetryPolicy;
  fallback: Chain | null;
  budget: Budget | null;
  alert: AlertPolicy | null;
  /**
   * `client NAME { … }` blocks: keys declared in the policy (their values come from the environment or the key vault)
   */
  clients: Client[];
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Gateway".
 */
export interface GatewayConfig {
  listen: number;
  /**
   * null: no auth. Otherwise the variables holding the bearer token; `enabled` says whether one was set at load time.
   */
  auth: {
    env: string[];
    enabled: boolean;
  } | null;
  state: string;
  bodyLimit: number;
  at: At | null;
  /**
   * request logs: on by default, kept 30 days; `keepRows` bounds the count instead when set
   */
  logs: {
    enabled: boolean;
    keepMs: number | null;
    keepRows: number | null;
  };
  /**
   * null: CORS off. `any`: every origin; otherwise the origins browsers may call from
   */
  cors: {
    any: boolean;
    origins: string[];
  } | null;
  /**
   * lower a request's max_tokens to the chosen model's maxOutput (true, the default); false: models whose maxOutput is below max_tokens are ineligible
   */
  clampMaxTokens: boolean;
  /**
   * `sync every 6h`: how often the gateway reads each enabled provider's model list and balance (null: only `gw models sync`)
   */
  syncMs?: number | null;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Provider".
 */
export interface Provider {
  name: string;
  protocol: 'openai' | 'anthropic';
  baseUrl: string;
  /**
   * variables tried in order for the API key
   */
  keyEnv: string[];
  local: boolean;
  /**
   * the provider speaks OpenAI's Responses API natively (`protocol openai-responses`; the openai preset): /v1/responses bodies go to it as they came, only `model` changed
   */
  responses?: boolean;
  timeoutMs: number;
  /**
   * the longest silence between two reads of an answer's body
   */
  idleTimeoutMs: number;
  /**
   * the whole attempt, response head and body
   */
  deadlineMs: number;
  headers: {
    name: string;
    value: ValueSource;
  }[];
  enabled: boolean;
  disabledReason: string | null;
  preset: boolean;
  at: At;
}
/**
 * How a setting resolves at load time: the first environment variable that is set, else the literal.
 *
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "ValueSource".
 */
export interface ValueSource {
  env: string[];
  literal: string | null;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Model".
 */
export interface Model {
  id: ModelId;
  provider: string;
  /**
   * the model name the upstream knows
   */
  name: string;
  context: number | null;
  /**
   * the most tokens one answer may have (from `max_output` or the catalog)
   */
  maxOutput: number | null;
  price: {
    input: number;
    output: number;
    /**
     * USD per 1M prompt-cache read tokens
     */
    cacheRead?: number;
    /**
     * USD per 1M prompt-cache write tokens
     */
    cacheWrite?: number;
  } | null;
  capabilities: string[];
  speed: number | null;
  free: FreeQuota | null;
  limits: {
    rpm: number | null;
    tpm: number | null;
  };
  /**
   * position in the file: the tie-breaker and `rank capability`'s default order
   */
  order: number;
  at: At;
  /**
   * what the catalog pass resolved: whether the catalog knows the model, its dates and modalities, and where each field came from
   */
  catalog?: {
    known: boolean;
    modalities: {
      input: string[];
      output: string[];
    } | null;
    released: string | null;
    retires: string | null;
    status: 'alpha' | 'beta' | 'deprecated' | null;
    origin: {
      context: 'declared' | 'catalog' | 'provider' | null;
      maxOutput: 'declared' | 'catalog' | 'provider' | null;
      price: 'declared' | 'catalog' | 'provider' | null;
      capabilities: 'declared' | 'catalog' | 'provider' | null;
    };
    layers: {
      [k: string]: 'package' | 'update' | 'overlay';
    };
    free: {
      tokens: number | null;
      period: 'once' | 'day' | 'month';
      until?: string;
      note: string;
      source: string;
      date: string;
    } | null;
  };
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "FreeQuota".
 */
export interface FreeQuota {
  tokens: number;
  period: QuotaPeriodRow;
  until: string | null;
  /**
   * zone of the reset time and of the until date
   */
  zone: string;
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Scenario".
 */
export interface Scenario {
  name: string;
  when: Condition | null;
  paid: ModelId[];
  /**
   * free candidates in listed order; for `free any`, every model with a free line in file order
   */
  free: ModelId[];
  freeAny: boolean;
  /**
   * `free any listed`: the free models the enabled providers list at sync (and the policy does not declare) are free candidates too, after the declared ones
   */
  freeListed?: boolean;
  willingness: number;
  rank: 'expiry' | 'speed' | 'capability' | 'cost';
  fallback: Chain | null;
  /**
   * session affinity: how long (ms after its last turn) a conversation stays on the model that answered it; null: off. Absent in a hand-built table: off
   */
  sticky?: number | null;
  /**
   * where each setting was written (absent: the default applies)
   */
  lines: {
    paid?: At;
    free?: At;
    willingness?: At;
    rank?: At;
    sticky?: At;
  };
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Regex".
 */
export interface RegexRow {
  source: string;
  flags: string;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Chain".
 */
export interface Chain {
  models: ModelId[];
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Pii".
 */
export interface PiiPolicy {
  detect: string[];
  classify: {
    model: ModelId;
    timeoutMs: number;
    at: At;
  } | null;
  action: {
    kind: 'route' | 'redact' | 'block';
    model: ModelId | null;
    at: At;
  };
  onError: 'allow' | 'block';
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Retry".
 */
export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  factor: number;
  maxMs: number;
  on: ('network' | 'rate_limit' | 'server' | 'quota')[];
  cooldownMs: number;
  cooldownAfter: number;
  at: At | null;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Budget".
 */
export interface Budget {
  usd: number;
  per: 'day' | 'month';
  then: 'free_only' | 'block';
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Alert".
 */
export interface AlertPolicy {
  lowQuotaBelow: number | null;
  expiringWithinMs: number | null;
  webhook: ValueSource | null;
  at: At;
}
/**
 * This interface was referenced by `DecisionTable`'s JSON-Schema
 * via the `definition` "Client".
 */
export interface Client {
  name: string;
  /**
   * variables holding the client's key (then the key vault)
   */
  keyEnv: string[];
  /**
   * one of the variables was set at load time
   */
  enabled: boolean;
  rpm: number | null;
  tpm: number | null;
  budget: {
    usd: number;
    per: 'day' | 'month';
    then: 'free_only' | 'block';
  } | null;
  /**
   * allowed models (ids, bare names or providers); null: any
   */
  models: string[] | null;
  /**
   * allowed scenarios; null: any
   */
  scenarios: string[] | null;
  /**
   * UTC date after which the key stops working
   */
  expires: string | null;
  at: At;
}
