import type { PiiFinding, PiiType } from '../pii/types.ts';

/** One content part of a chat message, as OpenAI clients send it (Anthropic requests are translated to this first). */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: string; [k: string]: unknown };

export interface ChatMessage {
  role: string;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: { function?: { name?: string; arguments?: string } }[];
  [k: string]: unknown;
}

/** What the router needs of a request. */
export interface RouteRequest {
  /** the model the client asked for: "auto", "provider/model", a bare model name, or a client's own name (Claude Code) */
  model: string;
  /**
   * the name `model ~ /re/` conditions see, when it differs from `model`: the Anthropic front door routes a Claude
   * Code name the policy does not declare as "auto", keeping the original name here
   */
  requestedModel?: string;
  messages: ChatMessage[];
  tools?: unknown[] | null;
  /** request headers, names lower-cased */
  headers?: Readonly<Record<string, string | undefined>>;
  preferFreeTier?: boolean;
  priority?: string | null;
  maxTokens?: number | null;
  /** an embeddings request: only `can embed` models take it (and they take nothing else) */
  embeddings?: boolean;
  /** models that already failed for this request (retries re-route around them) */
  exclude?: readonly string[];
  /** the client key the request came with: its allow lists and budget verdict */
  client?: RouteClient | null;
  /**
   * built-in tools of a Responses request (`web_search`, `file_search`, …): only a provider that speaks Responses
   * natively runs them, so every other model is ineligible for it
   */
  builtinTools?: readonly string[];
  /** what the PII detectors found in the request's text, computed before routing */
  pii?: { findings: readonly PiiFinding[]; classifier?: { verdict: 'pii' | 'clean' | 'error'; ms: number } } | null;
}

/** What the router must respect for a client key (`gw keys`, `client` blocks). */
export interface RouteClient {
  name: string;
  /** the client's budget is spent and its setting is free_only: free and local models only */
  freeOnly: boolean;
  /** model ids, bare names or providers it may use; null: any */
  models: readonly string[] | null;
  /** scenarios it may use; null: any */
  scenarios: readonly string[] | null;
}

/** Live state the router reads: a snapshot, so the decision is a pure function of its inputs. */
export interface StateSnapshot {
  /** tokens used of each free quota in its current period; `exhausted` after the provider said the quota is gone */
  quota?: Readonly<Record<string, { used: number; exhausted?: boolean }>>;
  /** model id → epoch ms until which it is cooling down after repeated failures */
  cooldown?: Readonly<Record<string, number>>;
  /** model id → requests and tokens in the last minute (rpm/tpm limits) */
  rate?: Readonly<Record<string, { requests: number; tokens: number }>>;
  /** USD spent in the budget's current period */
  spentUsd?: number;
  /** model id → set aside until (epoch ms) and why: the provider said it does not exist */
  setAside?: Readonly<Record<string, { until: number; reason: string }>>;
}

export type Tier = 'free' | 'paid' | 'local';
export type CandidateSource = 'free' | 'paid' | 'fallback' | 'explicit' | 'pii';

export interface Candidate {
  model: string;
  source: CandidateSource;
  eligible: boolean;
  reason: string;
  /** the routes.gw line that put this model on the list */
  at: string | null;
  /** tokens left of its free quota, when it has one */
  remaining?: number;
  /** epoch ms the free quota resets or expires */
  expiresAt?: number | null;
}

/** A free quota as the router sees it now. */
export interface QuotaView {
  remaining: number;
  /** the earlier of the next reset and the until date (epoch ms), or null for a quota that never resets or expires */
  expiresAt: number | null;
  /** whether expiresAt is a reset (the quota refills) or the end of the quota */
  ends: 'reset' | 'expiry' | 'never';
  /** the until date has passed: nothing is left, ever */
  expired: boolean;
  /** the provider said the quota is used up (until the next reset) */
  exhausted: boolean;
}

/** The judge's verdict on one candidate (eligibility.ts). */
export interface Verdict {
  eligible: boolean;
  reason: string;
  q: QuotaView | null;
  /** eligible as a free model: charged to its free quota (the reason starts "free,") */
  free: boolean;
}

export interface TraceLine {
  step: 'request' | 'pii' | 'scenario' | 'tier' | 'candidate' | 'choice' | 'next' | 'budget';
  message: string;
  at: string | null;
}

export interface DecisionError {
  type: 'model_not_found' | 'no_eligible_model' | 'pii_blocked' | 'budget_exceeded' | 'forbidden';
  message: string;
  known?: string[];
}

export interface Decision {
  scenario: string | null;
  tier: Tier | null;
  /** the model to try now, or null when nothing can take the request (see `error`) */
  model: string | null;
  candidates: Candidate[];
  /** eligible models after the chosen one, in the order they would be tried */
  next: string[];
  pii: { detected: PiiType[]; action: 'route' | 'redact' | 'block' | 'none' };
  /** prompt tokens (tokenizer estimate over every message part) */
  tokens: number;
  /** what a free quota is charged up front: prompt tokens plus max_tokens or the default answer allowance */
  estimate: number;
  draw: number;
  willingness: number | null;
  trace: TraceLine[];
  error?: DecisionError;
  /** the client's max_tokens is above the chosen model's max_output: it goes upstream lowered to `to` */
  clamp?: { from: number; to: number } | null;
}
