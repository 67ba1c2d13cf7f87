import type { CallOutcome } from '../gateway/route-and-call.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { errorResponse, GwError } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import type { Logger } from '../log/logger.ts';
import type { CompletionFields, RequestRecord } from './answer.ts';
import { piiHeaders, refusalHeaders, type PiiGate } from './pii-gate.ts';
import { gwHeaders } from './gw-headers.ts';

/** The headers of a routed request's answer: the request id, the x-gw-* routing headers, the PII ones. */
export function routedHeaders(rec: RequestRecord, outcome: CallOutcome, o: { table: DecisionTable; generation: number; gate: Pick<PiiGate, 'classifier' | 'unscanned'>; requested: string }): Record<string, string> {
  const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
  const answeredBy = outcome.ok ? outcome.model : null;
  return {
    'x-gw-request-id': rec.id,
    ...gwHeaders(outcome.decision, answeredBy, outcome.attempts, rec.overheadMs(upstreamMs), o.generation),
    ...piiHeaders(o.table, o.gate, outcome.decision, o.requested, answeredBy),
  };
}

/**
 * The two error answers the OpenAI-shaped front doors (chat completions, responses, embeddings) share: a routed
 * request that no model answered, and a request refused before routing (bad input, auth, PII) or a gateway fault.
 */

/** Routing found no model, or every attempt failed: the OpenAI error (`err` when the route has a better one), recorded. */
export function failedOutcome(
  outcome: Extract<CallOutcome, { ok: false }>,
  o: { rec: RequestRecord; log: Logger; table: DecisionTable; maxTokens: number | null; base: Pick<CompletionFields, 'stream' | 'requestedModel' | 'decision' | 'attempts'>; headers: Record<string, string>; err?: GwError | null },
): Response {
  const err = o.err ?? outcomeError(outcome, { table: o.table, maxTokens: o.maxTokens });
  o.log.warn(`${o.rec.id} ${o.base.requestedModel} → ${err.status} ${err.message}`);
  o.rec.complete({ ...o.base, responseBody: JSON.stringify(err.body()), model: null, status: err.status, usage: null, error: { type: err.type, message: err.message }, reservation: null });
  return errorResponse(err, o.headers);
}

/** What a route threw: its GwError as is, anything else an internal error (logged with its stack); recorded as refused. */
export function refusedRequest(e: unknown, rec: RequestRecord, log: Logger, what: string): Response {
  const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
  if (!(e instanceof GwError)) log.error(`${what} ${rec.id}: ${(e as Error).stack ?? e}`);
  rec.refused(err, err.body());
  return errorResponse(err, { 'x-gw-request-id': rec.id, 'x-gw-overhead-ms': rec.overheadMs(0).toFixed(2), 'x-gw-attempts': '0', ...refusalHeaders(err) });
}
