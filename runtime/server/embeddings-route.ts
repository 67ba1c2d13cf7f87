import { routeAndCall } from '../gateway/route-and-call.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import type { ChatContext } from './chat-route.ts';
import { embeddingsRouteRequest, parseEmbeddingsRequest } from './embeddings-request.ts';
import { failedOutcome, refusedRequest, routedHeaders } from './openai-outcome.ts';
import { headerRecord } from './node-context.ts';
import { answerSuccess, clientAbort, RequestRecord } from './answer.ts';
import { piiGate } from './pii-gate.ts';

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
    const base = { stream: false, requestedModel: e.model, decision: outcome.decision, attempts: outcome.attempts };
    const headers = routedHeaders(rec, outcome, { table, generation, gate, requested: e.model });
    if (!outcome.ok) {
      client.detach();
      return failedOutcome(outcome, { rec, log: ctx.log, table, maxTokens: null, base, headers });
    }
    return answerSuccess(outcome, { rec, client, headers, base, restoreJson: null, rewrite: null, cutFrame: () => '', onCut: () => {} });
  } catch (e) {
    return refusedRequest(e, rec, ctx.log, 'embeddings');
  }
}
