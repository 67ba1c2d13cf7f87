import type { DecisionTable } from '../types/decision-table.ts';
import { decide } from '../router/decide.ts';
import { modelIndex } from '../router/resolve-model.ts';
import type { Decision, RouteClient, RouteRequest, StateSnapshot } from '../router/types.ts';
import type { ProviderAdapter, UpstreamCall, UpstreamResult } from '../providers/adapter.ts';
import { callMessages } from '../providers/messages-call.ts';
import { callResponses } from '../providers/responses-call.ts';
import { callEmbeddings } from '../providers/embeddings-call.ts';
import type { Failure } from '../providers/failure.ts';
import { resolveHeaders, resolveKey, type Env } from '../providers/keys.ts';
import { modelsWithLimits, type LiveState } from '../state/live-state.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { scrubberFor } from '../secrets/scrubber.ts';
import { clampBody } from './clamp-body.ts';
import { historyFromOtherModel } from '../router/sticky.ts';
import { anthropicHistory } from '../protocols/anthropic-thinking-history.ts';
import { HOP_HEADER, nextHops } from './hops.ts';
import type { Accounting, Reservation } from '../state/accounting.ts';
import type { SessionStore } from '../state/session-pins.ts';
import type { ProviderState } from '../state/provider-state.ts';

export interface Attempt {
  provider: string;
  model: string;
  ok: boolean;
  type?: string;
  status?: number | null;
  message?: string;
  ms: number;
}

export interface CallDeps {
  env: Env;
  adapters: Record<'openai' | 'anthropic', ProviderAdapter>;
  live: LiveState;
  now(): number;
  random(): number;
  /** the ledger: quota usage and spend for the router, reservations for the chosen free model */
  accounting?: Accounting;
  /** session affinity: where each session stays, and the answers that move it */
  sessions?: SessionStore;
  /** this gateway's id, sent in the hop header of every upstream call (loop protection, hops.ts) */
  instanceId?: string;
  /** what the providers' model lists and balances said at the last sync (gw models sync, gateway { sync every }) */
  providers?: ProviderState;
}

/**
 * A client key's limits around each decision: its constraints (allow lists, budget verdict) right before, its holds
 * (tpm, estimated cost) right after, in the same tick. Either may throw the client's refusal.
 */
export interface ClientGate {
  constraints(now: number): RouteClient;
  admit(table: DecisionTable, decision: Decision, now: number): void;
}

export interface CallInput {
  table: DecisionTable;
  route: RouteRequest;
  body: Record<string, unknown>;
  stream: boolean;
  clientWantsUsage: boolean;
  signal: AbortSignal;
  /** the shape of `body` and of the answer: an OpenAI chat request (default), an Anthropic Messages request, or an OpenAI Responses request */
  format?: 'openai' | 'anthropic' | 'responses' | 'embeddings';
  /** client headers forwarded only when the body goes upstream in its own protocol (see UpstreamCall.passHeaders) */
  passHeaders?: Record<string, string>;
  /** the client key the request came with */
  client?: ClientGate;
  /** the gateways this request already passed (its hop header) */
  hops?: readonly string[];
}

export type CallOutcome =
  | {
      ok: true;
      decision: Decision;
      first: Decision;
      attempts: Attempt[];
      result: Extract<UpstreamResult, { ok: true }>;
      firstFrame: string | null;
      model: string;
      /** settle it with the answer's usage once the answer is complete (streams: at their end) */
      reservation: Reservation | null;
    }
  | { ok: false; decision: Decision; first: Decision; attempts: Attempt[]; failure: Failure | null; /** the client hung up while waiting */ clientGone?: true };

/** How long a model the provider says does not exist is set aside. */
export const SET_ASIDE_MS = 3_600_000;

/**
 * Route and call, with the policy's retries: each retryable failure re-runs the decision excluding every model that
 * already failed, after the backoff. A stream counts as answered once its first frame arrived; a failure before that
 * is retried like any other.
 */
export async function routeAndCall(input: CallInput, deps: CallDeps): Promise<CallOutcome> {
  const { table } = input;
  const attempts: Attempt[] = [];
  const exclude: string[] = [];
  const idx = modelIndex(table);
  const providers = idx.providers;
  const scrubber = scrubberFor(table, deps.env);
  let first: Decision | null = null;
  let lastFailure: Failure | null = null;
  // attempts that count toward `retry attempts` (a model that cannot take the request does not: the next one is tried)
  let counted = 0;
  for (let attempt = 1; ; attempt++) {
    let now = deps.now();
    let decision = decideNow(input, deps, exclude, now);
    first ??= decision;
    if (!decision.model) return { ok: false, decision, first, attempts, failure: lastFailure };
    if (attempt > 1 && !isFit(lastFailure)) {
      // back off only when there is somewhere left to go; then decide again (time passed) right before reserving
      await sleep(backoffDelay(table.retry, attempt - 1), input.signal);
      now = deps.now();
      decision = decideNow(input, deps, exclude, now);
      if (!decision.model) return { ok: false, decision, first, attempts, failure: lastFailure };
    }
    input.client?.admit(table, decision, now);
    const reservation = deps.accounting?.reserve(table, decision, now) ?? null;
    // a free model a provider lists (`free any listed`) is not in the table
    const model = idx.byId.get(decision.model) ?? deps.providers!.listedModel(table, decision.model)!;
    const provider = providers.get(model.provider)!;
    const apiKey = resolveKey(provider, deps.env);
    deps.live.started(model.id, decision.estimate, now, model.limits.rpm !== null || model.limits.tpm !== null);
    const t0 = performance.now();
    const adapter = deps.adapters[provider.protocol];
    const call: UpstreamCall = {
      provider,
      model,
      apiKey,
      // an embeddings request has no max_tokens (its decision never clamps)
      body: input.format === 'embeddings' ? input.body : clampBody(historyFor(input, decision, model.id, provider.protocol), decision.clamp, input.format ?? 'openai'),
      stream: input.stream,
      clientWantsUsage: input.clientWantsUsage,
      signal: input.signal,
      headers: deps.instanceId ? { ...resolveHeaders(provider, deps.env), [HOP_HEADER]: nextHops(input.hops ?? [], deps.instanceId) } : resolveHeaders(provider, deps.env),
      passHeaders: input.passHeaders,
      promptTokens: decision.tokens,
      scrubber,
    };
    let result: UpstreamResult;
    try {
      result = await (input.format === 'anthropic'
        ? callMessages(adapter, call)
        : input.format === 'responses'
          ? callResponses(adapter, call)
          : input.format === 'embeddings'
            ? callEmbeddings(adapter, call)
            : adapter.chat(call));
    } catch (e) {
      // adapters answer failures as values: a throw is the gateway's own failure to build or make the call
      result = { ok: false, failure: { class: 'server', status: null, message: `the gateway could not call the upstream (${String((e as Error)?.message ?? e).slice(0, 120)})`, retryAfterMs: null, local: true } };
    }
    let firstFrame: string | null = null;
    if (result.ok && result.kind === 'stream') {
      const { stream, status } = result;
      try {
        const f = await stream.frames.next();
        if (f.done) result = { ok: false, failure: { class: 'server', status, message: 'the upstream stream ended before any data', retryAfterMs: null } };
        else firstFrame = f.value;
      } catch (e) {
        stream.cancel();
        // an upstream error event carries its own classification (e.g. Anthropic's rate_limit_error); a cut is a network failure
        const classified = (e as { failure?: Failure }).failure;
        result = {
          ok: false,
          failure: classified ?? { class: 'network', status, message: `stream failed before the first chunk (${(e as Error).message.slice(0, 120)})`, retryAfterMs: null },
        };
      }
    }
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    if (result.ok) {
      deps.live.succeeded(model.id);
      if (decision.sticky) deps.sessions?.record(decision.sticky, model.id, now);
      attempts.push({ provider: provider.name, model: model.name, ok: true, ms });
      return { ok: true, decision, first, attempts, result, firstFrame, model: model.id, reservation };
    }
    if (input.signal.aborted) {
      // the client hung up: that says nothing about the model (no cooldown, no quota verdict, no other model tried)
      const failure: Failure = { class: 'network', status: null, message: 'the client disconnected', retryAfterMs: null };
      attempts.push({ provider: provider.name, model: model.name, ok: false, type: failure.class, status: null, message: failure.message, ms });
      deps.accounting?.release(reservation);
      return { ok: false, decision, first, attempts, failure, clientGone: true };
    }
    const failure = { ...result.failure, message: scrubber.message(result.failure.message) };
    lastFailure = failure;
    attempts.push({ provider: provider.name, model: model.name, ok: false, type: failure.class, status: failure.status, message: failure.message, ms });
    deps.accounting?.release(reservation);
    if (failure.local) {
      // the upstream never saw the request: nothing is held against the model, and no other model would fare better
      deps.live.unstarted(model.id, decision.estimate, now);
      return { ok: false, decision, first, attempts, failure };
    }
    deps.accounting?.failed(table, model.id, failure, deps.now());
    deps.live.failed(model.id, failure, table.retry, deps.now());
    if (isFit(failure)) {
      if (failure.class === 'model_not_found') deps.live.setAside(model.id, deps.now() + SET_ASIDE_MS, 'set aside for 1h: the provider says it does not exist');
      // a pinned model is what the client asked for: say why it cannot, rather than answer with another
      if (decision.candidates.find((c) => c.model === model.id)?.source === 'explicit') {
        return { ok: false, decision, first, attempts, failure: { ...failure, message: `cannot take this request: ${failure.message}` } };
      }
      exclude.push(model.id);
      continue;
    }
    counted++;
    const retryable = (table.retry.on as string[]).includes(failure.class);
    if (!retryable || counted >= table.retry.attempts) return { ok: false, decision, first, attempts, failure };
    exclude.push(model.id);
  }
}

/**
 * The body as this model takes it: an Anthropic body going to an Anthropic model that did not answer the session's
 * earlier turns leaves out their thinking, which only the model that wrote it accepts (the adapter then makes the rest
 * of the history fit, anthropic-thinking-history.ts).
 */
function historyFor(input: CallInput, decision: Decision, model: string, protocol: string): Record<string, unknown> {
  if (input.format !== 'anthropic' || protocol !== 'anthropic' || !historyFromOtherModel(decision.sticky, model)) return input.body;
  return anthropicHistory(input.body, { otherModel: true }).body;
}

/** The model cannot take this request (or does not exist): under auto and scenario routing the next candidate is tried. */
function isFit(f: Failure | null): boolean {
  return f !== null && (f.class === 'model_fit' || f.class === 'model_not_found');
}

function decideNow(input: CallInput, deps: CallDeps, exclude: string[], now: number): Decision {
  const state: StateSnapshot = {
    ...deps.live.snapshot(modelsWithLimits(input.table), now),
    ...(deps.accounting?.snapshot(input.table, now) ?? {}),
    ...(deps.providers?.snapshot(input.table, now) ?? {}),
  };
  const pins = deps.sessions?.pinsOf(input.route.session, now);
  if (pins) state.sessions = pins;
  const client = input.client ? input.client.constraints(now) : null;
  return decide(input.table, { ...input.route, exclude, client }, state, now, deps.random());
}
