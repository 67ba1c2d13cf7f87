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
  /** models that already failed for this request (retries re-route around them) */
  exclude?: readonly string[];
  /**
   * built-in tools of a Responses request (`web_search`, `file_search`, …): only a provider that speaks Responses
   * natively runs them, so every other model is ineligible for it
   */
  builtinTools?: readonly string[];
  /** an embeddings request: only `can embed` models take it (and they take nothing else) */
  embeddings?: boolean;
  /** what the PII detectors found in the request's text, computed before routing */
  pii?: { findings: readonly PiiFinding[]; classifier?: { verdict: 'pii' | 'clean' | 'error'; ms: number } } | null;
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

export interface TraceLine {
  step: 'request' | 'pii' | 'scenario' | 'tier' | 'candidate' | 'choice' | 'next' | 'budget';
  message: string;
  at: string | null;
}

export interface DecisionError {
  type: 'model_not_found' | 'no_eligible_model' | 'pii_blocked' | 'budget_exceeded';
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
}
