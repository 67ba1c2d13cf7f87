import type { CallOutcome } from '../gateway/route-and-call.ts';
import type { Decision } from '../router/types.ts';
import { GwError } from './errors.ts';

/** When routing finds no model, or every attempt failed: an OpenAI-style error that lists each attempt (no secrets). */
export function outcomeError(outcome: Extract<CallOutcome, { ok: false }>): GwError {
  const d: Decision = outcome.decision;
  const errors = outcome.attempts.map((a) => ({ provider: a.provider, model: a.model, type: a.type, status: a.status ?? null, message: a.message }));
  if (outcome.attempts.length === 0 && d.error) {
    switch (d.error.type) {
      case 'model_not_found':
        return new GwError(404, 'invalid_request_error', d.error.message, 'model_not_found', { param: 'model', known_models: d.error.known ?? [] });
      case 'pii_blocked':
        return new GwError(400, 'invalid_request_error', d.error.message, 'pii_blocked', { pii_types: d.pii.detected });
      case 'budget_exceeded':
        return new GwError(429, 'insufficient_quota', d.error.message, 'budget_exceeded');
      case 'no_eligible_model':
        return new GwError(503, 'server_error', d.error.message, 'no_eligible_model', { scenario: d.scenario, candidates: d.candidates.map((c) => ({ model: c.model, reason: c.reason })) });
    }
  }
  // nobody reads this answer; the log keeps it as nginx would (499)
  if (outcome.clientGone) return new GwError(499, 'client_closed_request', 'the client disconnected before the answer', 'client_closed', { attempts: outcome.attempts.length, errors });
  const last = outcome.failure;
  const cls = last?.class ?? 'server';
  const clientSide = cls === 'invalid_request' || cls === 'content_filter' || cls === 'model_fit' || cls === 'model_not_found';
  const status =
    clientSide
      ? (last?.status ?? 400)
      : cls === 'rate_limit' || cls === 'quota'
        ? 429
        : cls === 'network' && /no answer within/.test(last?.message ?? '')
          ? 504
          : 502;
  const type = clientSide ? 'invalid_request_error' : cls === 'rate_limit' || cls === 'quota' ? 'rate_limit_error' : 'server_error';
  const message =
    outcome.attempts.length === 1
      ? `${outcome.attempts[0].provider}/${outcome.attempts[0].model}${/^cannot take/.test(last?.message ?? '') ? '' : ' failed:'} ${last?.message ?? 'unknown error'}`
      : `all ${outcome.attempts.length} attempts failed${d.error ? ` and no model is left (${d.error.type})` : ''}`;
  return new GwError(status, type, message, cls === 'network' ? 'network_error' : `${cls}${cls.endsWith('error') ? '' : '_error'}`, { attempts: outcome.attempts.length, errors });
}
