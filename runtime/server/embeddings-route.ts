import { routeAndCall } from '../gateway/route-and-call.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import type { ChatContext } from './chat-route.ts';
import { embeddingsRouteRequest, parseEmbeddingsRequest } from './embeddings-request.ts';
import { errorResponse, GwError } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import { gwHeaders } from './gw-headers.ts';
import { headerRecord } from './node-context.ts';
import { answerSuccess, clientAbort, RequestRecord } from './answer.ts';
import { piiGate, piiHeaders, refusalHeaders } from './pii-gate.ts';

/**
 * POST /v1/embeddings: routed by the policy like chat, among `can embed` models only (the router keeps one
 * embedding model per request: vectors of two models are not interchangeable), with free quota, budgets, PII (a hit
 * goes to a local embedding model or is refused), retries, ledger and logs on the shared path. JSON only.
 */
export async function createEmbeddings(req: Request, ctx: ChatContext): Promise<Response> {
  const { table, generation } = ctx.holder.current;
  const rec = new RequestRecord(ctx, table, 'embeddings');
  const id = rec.id;
  try {
    const hops = checkLoop(req.headers, ctx.deps);
    const limits = admitCaller(req, ctx, table, rec);
    rec.body = await readJsonObject(req, table.gateway.bodyLimit);
    const e = parseEmbeddingsRequest(rec.body);
    const gate = await piiGate(table, e.texts, ctx, id);
    rec.privacy = gate.privacy;
    rec.piiValues = gate.values;
    const route = embeddingsRouteRequest(e, headerRecord(req), gate.route);
    const client = clientAbort(req);
    const outcome = await routeAndCall(
      { table, route, body: e.upstreamBody, stream: false, clientWantsUsage: false, signal: client.controller.signal, format: 'embeddings', client: limits, hops },
      ctx.deps,
    );
    const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
    const base = { stream: false, requestedModel: e.model, decision: outcome.decision, attempts: outcome.attempts };
    const answeredBy = outcome.ok ? outcome.model : null;
    const headers = {
      'x-gw-request-id': id,
      ...gwHeaders(outcome.decision, answeredBy, outcome.attempts, rec.overheadMs(upstreamMs), generation),
      ...piiHeaders(table, gate, outcome.decision, e.model, answeredBy),
    };
    if (!outcome.ok) {
      client.detach();
      const err = outcomeError(outcome, { table, maxTokens: null });
      ctx.log.warn(`${id} ${e.model} → ${err.status} ${err.message}`);
      rec.complete({ ...base, responseBody: JSON.stringify(err.body()), model: null, status: err.status, usage: null, error: { type: err.type, message: err.message }, reservation: null });
      return errorResponse(err, headers);
    }
    return answerSuccess(outcome, { rec, client, headers, base, restoreJson: null, rewrite: null, cutFrame: () => '', onCut: () => {} });
  } catch (e) {
    const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
    if (!(e instanceof GwError)) ctx.log.error(`embeddings ${id}: ${(e as Error).stack ?? e}`);
    rec.refused(err, err.body());
    return errorResponse(err, { 'x-gw-request-id': id, 'x-gw-overhead-ms': rec.overheadMs(0).toFixed(2), 'x-gw-attempts': '0', ...refusalHeaders(err) });
  }
}
