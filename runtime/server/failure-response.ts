import { isCapabilityReason } from '../router/capabilities.ts';
import type { CallOutcome } from '../gateway/route-and-call.ts';
import type { Decision } from '../router/types.ts';
import { modelIndex } from '../router/resolve-model.ts';
import { formatTokens } from '../router/format.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { GwError } from './errors.ts';

/** What the answer to a failed request needs of the request itself. */
export interface FailedRequest {
  table: DecisionTable;
  maxTokens: number | null;
}

/**
 * A request no model can ever take: the prompt plus max_tokens exceed the context of every model it could go to (or
 * of every model of the policy). Waiting does not help, so it is the client's error (400), not "try later" (503/529,
 * which SDKs retry).
 */
export function beyondEveryContext(d: Decision, r: FailedRequest): GwError | null {
  const need = d.tokens + (r.maxTokens ?? 0);
  const byId = modelIndex(r.table).byId;
  const contexts = (ids: Iterable<string>) => [...ids].map((id) => byId.get(id)?.context ?? null);
  const fits = (cs: (number | null)[]) => cs.length === 0 || cs.some((c) => c === null || c >= need);
  if (fits(contexts(d.candidates.map((c) => c.model))) && fits(r.table.models.map((m) => m.context))) return null;
  const candidates = contexts(d.candidates.map((c) => c.model)).filter((c): c is number => c !== null);
  const largest = Math.max(...(candidates.length ? candidates : (r.table.models.map((m) => m.context).filter((c) => c !== null) as number[])));
  const parts = r.maxTokens ? ` (${d.tokens} in the messages, ${r.maxTokens} in the completion)` : '';
  return new GwError(
    400,
    'invalid_request_error',
    `the request needs ${need} tokens${parts}, more than the largest context a model of this route can take (${formatTokens(largest)} = ${largest} tokens): shorten the messages or lower max_tokens`,
    'context_length_exceeded',
    { param: r.maxTokens && d.tokens <= largest ? 'max_tokens' : 'messages' },
  );
}

/**
 * Every candidate lacks what the request needs (vision for its images, tools for its tools, …): a request the route
 * can never serve as sent — the client's 400, not a 503 the SDKs would retry.
 */
export function beyondEveryCapability(d: Decision): GwError | null {
  if (d.candidates.length === 0 || !d.candidates.every((c) => !c.eligible && isCapabilityReason(c.reason))) return null;
  const reasons = [...new Set(d.candidates.map((c) => c.reason))];
  return new GwError(400, 'invalid_request_error', `no model of this route can take this request: ${reasons.join('; ')}`, 'unsupported_request', {
    scenario: d.scenario,
    candidates: d.candidates.map((c) => ({ model: c.model, reason: c.reason })),
  });
}

/** When routing finds no model, or every attempt failed: an OpenAI-style error that lists each attempt (no secrets). */
export function outcomeError(outcome: Extract<CallOutcome, { ok: false }>, request?: FailedRequest): GwError {
  const d: Decision = outcome.decision;
  const errors = outcome.attempts.map((a) => ({ provider: a.provider, model: a.model, type: a.type, status: a.status ?? null, message: a.message }));
  if (outcome.attempts.length === 0 && d.error) {
    switch (d.error.type) {
      case 'model_not_found':
        return new GwError(404, 'invalid_request_error', d.error.message, 'model_not_found', { param: 'model', known_models: d.error.known ?? [] });
      case 'model_required':
        return new GwError(400, 'invalid_request_error', d.error.message, 'model_required', { param: 'model', known_models: d.error.known ?? [] });
      case 'pii_blocked':
        return new GwError(400, 'invalid_request_error', d.error.message, 'pii_blocked', { pii_types: d.pii.detected });
      case 'budget_exceeded':
        return new GwError(429, 'insufficient_quota', d.error.message, 'budget_exceeded');
      case 'forbidden':
        return new GwError(403, 'permission_error', d.error.message, 'not_allowed');
      case 'no_eligible_model':
        return (request && beyondEveryContext(d, request)) ?? beyondEveryCapability(d) ?? new GwError(503, 'server_error', d.error.message, 'no_eligible_model', { scenario: d.scenario, candidates: d.candidates.map((c) => ({ model: c.model, reason: c.reason })) });
    }
  }
  // nobody reads this answer; the log keeps it as nginx would (499)
  if (outcome.clientGone) return new GwError(499, 'client_closed_request', 'the client disconnected before the answer', 'client_closed', { attempts: outcome.attempts.length, errors });
  const last = outcome.failure;
  const cls = last?.class ?? 'server';
  // the gateway failed to make the call (the upstream never saw it): its own error, not the model's
  if (last?.local && cls !== 'invalid_request' && cls !== 'model_fit') return new GwError(500, 'server_error', last.message, 'internal_error', { attempts: outcome.attempts.length, errors });
  const clientSide = cls === 'invalid_request' || cls === 'content_filter' || cls === 'model_fit' || cls === 'model_not_found';
  const status =
    clientSide
      ? (last?.status ?? 400)
      : cls === 'rate_limit' || cls === 'quota'
        ? 429
        : cls === 'network' && /no answer within|idle timeout|deadline/.test(last?.message ?? '')
          ? 504
          : 502;
  const type = clientSide ? 'invalid_request_error' : cls === 'rate_limit' || cls === 'quota' ? 'rate_limit_error' : 'server_error';
  const message =
    outcome.attempts.length === 1
      ? `${outcome.attempts[0].provider}/${outcome.attempts[0].model}${/^cannot take/.test(last?.message ?? '') ? '' : ' failed:'} ${last?.message ?? 'unknown error'}`
      : `all ${outcome.attempts.length} attempts failed${d.error ? ` and no model is left (${d.error.type})` : ''}`;
  return new GwError(status, type, message, cls === 'network' ? 'network_error' : `${cls}${cls.endsWith('error') ? '' : '_error'}`, { attempts: outcome.attempts.length, errors });
}
