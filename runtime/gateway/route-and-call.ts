import type { DecisionTable } from '../types/decision-table.ts';
import { decide } from '../router/decide.ts';
import { modelIndex } from '../router/resolve-model.ts';
import type { Decision, RouteRequest, StateSnapshot } from '../router/types.ts';
import type { ProviderAdapter, UpstreamCall, UpstreamResult } from '../providers/adapter.ts';
import { callMessages } from '../providers/messages-call.ts';
import { callResponses } from '../providers/responses-call.ts';
import type { Failure } from '../providers/failure.ts';
import { resolveHeaders, resolveKey, type Env } from '../providers/keys.ts';
import type { LiveState } from '../state/live-state.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { scrubSecrets } from '../server/errors.ts';
import type { Accounting, Reservation } from '../state/accounting.ts';

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
}

export interface CallInput {
  table: DecisionTable;
  route: RouteRequest;
  body: Record<string, unknown>;
  stream: boolean;
  clientWantsUsage: boolean;
  signal: AbortSignal;
  /** the shape of `body` and of the answer: an OpenAI chat request (default), an Anthropic Messages request, or an OpenAI Responses request */
  format?: 'openai' | 'anthropic' | 'responses';
  /** client headers forwarded only when the body goes upstream in its own protocol (see UpstreamCall.passHeaders) */
  passHeaders?: Record<string, string>;
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

const limitedModels = new WeakMap<DecisionTable, string[]>();
function modelsWithLimits(table: DecisionTable): string[] {
  let l = limitedModels.get(table);
  if (!l) {
    l = table.models.filter((m) => m.limits.rpm !== null || m.limits.tpm !== null).map((m) => m.id);
    limitedModels.set(table, l);
  }
  return l;
}

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
  let first: Decision | null = null;
  let lastFailure: Failure | null = null;
  for (let attempt = 1; ; attempt++) {
    let now = deps.now();
    let decision = decideNow(input, deps, exclude, now);
    first ??= decision;
    if (!decision.model) return { ok: false, decision, first, attempts, failure: lastFailure };
    if (attempt > 1) {
      // back off only when there is somewhere left to go; then decide again (time passed) right before reserving
      await sleep(backoffDelay(table.retry, attempt - 1), input.signal);
      now = deps.now();
      decision = decideNow(input, deps, exclude, now);
      if (!decision.model) return { ok: false, decision, first, attempts, failure: lastFailure };
    }
    const reservation = deps.accounting?.reserve(table, decision, now) ?? null;
    const model = idx.byId.get(decision.model)!;
    const provider = providers.get(model.provider)!;
    const apiKey = resolveKey(provider, deps.env);
    deps.live.started(model.id, decision.estimate, now, model.limits.rpm !== null || model.limits.tpm !== null);
    const t0 = performance.now();
    const adapter = deps.adapters[provider.protocol];
    const call: UpstreamCall = {
      provider,
      model,
      apiKey,
      body: input.body,
      stream: input.stream,
      clientWantsUsage: input.clientWantsUsage,
      signal: input.signal,
      headers: resolveHeaders(provider, deps.env),
      passHeaders: input.passHeaders,
      promptTokens: decision.tokens,
    };
    let result = await (input.format === 'anthropic' ? callMessages(adapter, call) : input.format === 'responses' ? callResponses(adapter, call) : adapter.chat(call));
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
    const failure = { ...result.failure, message: scrubSecrets(result.failure.message, [apiKey]) };
    lastFailure = failure;
    attempts.push({ provider: provider.name, model: model.name, ok: false, type: failure.class, status: failure.status, message: failure.message, ms });
    deps.accounting?.release(reservation);
    deps.accounting?.failed(table, model.id, failure, deps.now());
    deps.live.failed(model.id, failure, table.retry, deps.now());
    const retryable = (table.retry.on as string[]).includes(failure.class);
    if (!retryable || attempt >= table.retry.attempts) return { ok: false, decision, first, attempts, failure };
    exclude.push(model.id);
  }
}

function decideNow(input: CallInput, deps: CallDeps, exclude: string[], now: number): Decision {
  const state: StateSnapshot = { ...deps.live.snapshot(modelsWithLimits(input.table), now), ...(deps.accounting?.snapshot(input.table, now) ?? {}) };
  return decide(input.table, { ...input.route, exclude }, state, now, deps.random());
}
