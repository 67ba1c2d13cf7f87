import { droppedFields, reportDropped } from './dropped-fields.ts';
import { routeAndCall } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import type { ChatMessage } from '../router/types.ts';
import { redactChatBody, restoreCompletion } from '../pii/redact-body.ts';
import { openaiStreamRestorer } from '../pii/restore-stream.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import { chatRouteRequest, parseChatRequest } from './chat-request.ts';
import { failedOutcome, refusedRequest, routedHeaders } from './openai-outcome.ts';
import { clampLine } from './gw-headers.ts';
import { headerRecord } from './node-context.ts';
import { answerSuccess, clientAbort, RequestRecord, type ChatContext } from './answer.ts';
import { assertRedacted, noPiiGate, piiGate } from './pii-gate.ts';

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
    rec.piiKnown = gate.logKnown;
    let upstreamBody = chat.upstreamBody;
    if (gate.placeholders) {
      upstreamBody = redactChatBody(upstreamBody, gate.types, gate.placeholders, gate.known);
      await assertRedacted(table, requestParts({ messages: upstreamBody.messages as ChatMessage[], tools: chat.tools }).texts);
    }
    const route = chatRouteRequest(chat, headerRecord(req), gate.route);
    const client = clientAbort(req);
    const outcome = await routeAndCall(
      { table, route, body: upstreamBody, stream: chat.stream, clientWantsUsage: chat.clientWantsUsage, signal: client.controller.signal, client: limits, hops },
      ctx.deps,
    );
    const base = { stream: chat.stream, requestedModel: chat.model, decision: outcome.decision, attempts: outcome.attempts };
    const headers = routedHeaders(rec, outcome, { table, generation, gate, requested: chat.model });
    const clamped = clampLine(id, outcome.decision, outcome.ok ? outcome.model : null);
    if (clamped) ctx.log.info(clamped);
    if (!outcome.ok) {
      client.detach();
      return failedOutcome(outcome, { rec, log: ctx.log, table, maxTokens: chat.maxTokens, base, headers });
    }
    reportDropped(headers, ctx.log, id, outcome.model, droppedFields(table, outcome.model, upstreamBody, 'openai'));
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
    return refusedRequest(e, rec, ctx.log, 'chat completions');
  }
}
