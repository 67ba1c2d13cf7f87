import type { PiiFinding, PiiType } from '../pii/types.ts';
import type { Model } from '../types/decision-table.ts';

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
  /**
   * an embeddings request: only `can embed` models take it (and they take nothing else); each string input is one
   * user message of `messages`
   */
  embeddings?: boolean;
  /** embeddings: the lengths of the inputs given as token ids (counted as given; they have no text) */
  tokenArrays?: readonly number[];
  /** models that already failed for this request (retries re-route around them) */
  exclude?: readonly string[];
  /** the client key the request came with: its allow lists and budget verdict */
  client?: RouteClient | null;
  /**
   * built-in tools of a Responses request (`web_search`, `file_search`, …): only a provider that speaks Responses
   * natively runs them, so every other model is ineligible for it
   */
  builtinTools?: readonly string[];
  /** the conversation this request belongs to (session-key.ts): what `sticky` keeps on one model */
  session?: SessionKey | null;
  /** what the PII detectors found in the request's text, computed before routing */
  pii?: {
    findings: readonly PiiFinding[];
    /** the rules' scan stopped at its deadline after `scanned` of `total` chars: treated as personal data */
    unscanned?: { scanned: number; total: number };
    classifier?: { verdict: 'pii' | 'clean' | 'error'; ms: number };
  } | null;
}

/** Which conversation a request belongs to, and how gw knows (the header or body field it came from). */
export interface SessionKey {
  id: string;
  source: string;
  /** a hash of the conversation's start rather than a name the client sent: it names a conversation only once it has history */
  derived: boolean;
}

/** Where a session stays (`sticky`): the model that answered it in one scenario, until `until` unless it answers again. */
export interface SessionPin {
  model: string;
  /** epoch ms of the turn that put it there */
  since: number;
  /** epoch ms of the latest turn it answered */
  last: number;
  until: number;
  /** turns it answered since `since` */
  turns: number;
}

/**
 * What session affinity made of a request: `new` (nothing stored for the session in this scenario), `idle` (its time
 * ran out), `fresh` (a first turn under a derived key: routed afresh), `kept` (its model chosen again) or `moved`
 * (its model could not take the turn). `pin` is what the state held, `at` the scenario's `sticky` line.
 */
export interface StickyDecision {
  session: SessionKey;
  scenario: string;
  ttlMs: number;
  state: 'new' | 'idle' | 'fresh' | 'kept' | 'moved';
  pin: { model: string; since: number; turns: number } | null;
  at: string | null;
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
  /** scenario name → where the request's session stays there (read for the request's session key) */
  sessions?: Readonly<Record<string, SessionPin>>;
  /**
   * provider name → the model names its own list served at the last good sync (`gw models sync`, `gateway { sync
   * every … }`): a declared model missing from it is not tried. Absent for a provider never synced.
   */
  served?: Readonly<Record<string, ServedList>>;
  /** provider name → what its balance endpoint said at the last reading */
  balance?: Readonly<Record<string, BalanceVerdict>>;
  /** for `free any listed`: the free models the enabled providers list and the policy does not declare */
  listed?: readonly Model[];
}

export interface ServedList {
  /** epoch ms of the read */
  at: number;
  names: ReadonlySet<string>;
}

export interface BalanceVerdict {
  at: number;
  /** the granted (free) credit is gone: free quotas of models it pays for are exhausted */
  freeExhausted: boolean;
  /** the account cannot call at all: none of the provider's models is tried */
  empty: boolean;
  summary: string;
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
  step: 'request' | 'pii' | 'scenario' | 'tier' | 'candidate' | 'sticky' | 'choice' | 'next' | 'budget';
  message: string;
  at: string | null;
}

export interface DecisionError {
  type: 'model_not_found' | 'no_eligible_model' | 'pii_blocked' | 'budget_exceeded' | 'forbidden' | 'model_required';
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
  /**
   * session affinity applies (a scenario with `sticky` and a request with a session): the model that answers keeps the
   * session for `ttlMs` after the turn (see sticky.ts)
   */
  sticky?: StickyDecision | null;
}
