import { routeAndCall } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import type { ChatMessage } from '../router/types.ts';
import { redactChatBody, restoreCompletion } from '../pii/redact-body.ts';
import { openaiStreamRestorer } from '../pii/restore-stream.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import { chatRouteRequest, parseChatRequest } from './chat-request.ts';
import { errorResponse, GwError } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import { clampLine, gwHeaders } from './gw-headers.ts';
import { headerRecord } from './node-context.ts';
import { answerSuccess, clientAbort, RequestRecord, type ChatContext } from './answer.ts';
import { assertRedacted, noPiiGate, refusalHeaders, piiGate, piiHeaders } from './pii-gate.ts';

export type { ChatContext } from './answer.ts';

/**
 * POST /v1/chat/completions: parse, check for personal data, route by policy, call with retries, answer as JSON or as
 * a pass-through stream. Under `pii { redact }` the upstream gets placeholders and the client the values back.
 */
export async function chatCompletions(req: Request, ctx: ChatContext): Promise<Response> {
  const { table, generation } = ctx.holder.current; // in-flight requests keep the table they started with
  const rec = new RequestRecord(ctx, table, 'chat.completions');
  const id = rec.id;
  try {
    const hops = checkLoop(req.headers, ctx.deps);
    const limits = admitCaller(req, ctx, table, rec);
    rec.body = await readJsonObject(req, table.gateway.bodyLimit);
    const chat = parseChatRequest(rec.body);
    const gate = noPiiGate(table) ?? (await piiGate(table, requestParts(chat).texts, ctx, id));
    rec.privacy = gate.privacy;
    rec.piiValues = gate.values;
    let upstreamBody = chat.upstreamBody;
    if (gate.placeholders) {
      upstreamBody = redactChatBody(upstreamBody, gate.types, gate.placeholders);
      assertRedacted(table, requestParts({ messages: upstreamBody.messages as ChatMessage[], tools: chat.tools }).texts);
    }
    const route = chatRouteRequest(chat, headerRecord(req), gate.route);
    const client = clientAbort(req);
    const outcome = await routeAndCall(
      { table, route, body: upstreamBody, stream: chat.stream, clientWantsUsage: chat.clientWantsUsage, signal: client.controller.signal, client: limits, hops },
      ctx.deps,
    );
    const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
    const base = { stream: chat.stream, requestedModel: chat.model, decision: outcome.decision, attempts: outcome.attempts };
    const answeredBy = outcome.ok ? outcome.model : null;
    const headers = {
      'x-gw-request-id': id,
      ...gwHeaders(outcome.decision, answeredBy, outcome.attempts, rec.overheadMs(upstreamMs), generation),
      ...piiHeaders(table, gate, outcome.decision, chat.model, answeredBy),
    };
    const clamped = clampLine(id, outcome.decision, answeredBy);
    if (clamped) ctx.log.info(clamped);
    if (!outcome.ok) {
      client.detach();
      const err = outcomeError(outcome, { table, maxTokens: chat.maxTokens });
      ctx.log.warn(`${id} ${chat.model} → ${err.status} ${err.message}`);
      rec.complete({ ...base, responseBody: JSON.stringify(err.body()), model: null, status: err.status, usage: null, error: { type: err.type, message: err.message }, reservation: null });
      return errorResponse(err, headers);
    }
    // the values go back only into an answer to a request they were taken from
    const placeholders = outcome.decision.pii.action === 'redact' ? gate.placeholders : null;
    return answerSuccess(outcome, {
      rec,
      client,
      headers,
      base,
      restoreJson: placeholders ? (text) => restoreCompletion(text, placeholders) : null,
      rewrite: placeholders ? openaiStreamRestorer(placeholders) : null,
      cutFrame: (_e, message) => `data: ${JSON.stringify({ error: { message, type: 'server_error', code: 'stream_interrupted' } })}\n\n`,
      onCut: (message) => ctx.log.warn(`${id} ${outcome.model} stream cut: ${message}`),
    });
  } catch (e) {
    const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
    if (!(e instanceof GwError)) ctx.log.error(`chat completions ${id}: ${(e as Error).stack ?? e}`);
    rec.refused(err, err.body());
    return errorResponse(err, { 'x-gw-request-id': id, 'x-gw-overhead-ms': rec.overheadMs(0).toFixed(2), 'x-gw-attempts': '0', ...refusalHeaders(err) });
  }
}
