import { randomUUID } from 'node:crypto';
import { routesAsAuto } from '../router/messages-model-rule.ts';
import { droppedFields, reportDropped } from './dropped-fields.ts';
import { routeAndCall } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import { estimatePromptTokens } from '../router/tokens.ts';
import type { RouteRequest } from '../router/types.ts';
import { redactMessagesBody, restoreMessage, thinkingTexts } from '../pii/redact-messages.ts';
import { anthropicStreamRestorer } from '../pii/restore-stream.ts';
import type { AnthropicErrorBody } from '../protocols/anthropic-types.ts';
import { anthropicErrorTypeForStatus } from '../protocols/openai-to-anthropic.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import type { ChatContext } from './chat-route.ts';
import { GwError, jsonResponse } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import { clampLine, gwHeaders } from './gw-headers.ts';
import { sessionKeyOf } from '../router/session-key.ts';
import { parseMessagesRequest, routeMessages, THINKING_HEADER, type MessagesRequest } from './messages-request.ts';
import { answerSuccess, clientAbort, RequestRecord } from './answer.ts';
import { assertRedacted, refusalHeaders, headerSafe, piiGate, piiHeaders } from './pii-gate.ts';

/**
 * The error in Anthropic's shape: `{type: "error", error: {type, message}, request_id}`. The status stays the
 * gateway's, except "no model can take it now" (503) which becomes Anthropic's 529 overloaded_error; the type follows
 * the status (400 invalid_request_error, 401 authentication_error, 404 not_found_error, 413 request_too_large,
 * 429 rate_limit_error, 502/500 api_error, 504 timeout_error, 529 overloaded_error). When several attempts failed,
 * the message names each one (Anthropic clients show only the message).
 */
export function anthropicError(err: GwError, requestId: string): { status: number; body: AnthropicErrorBody } {
  const status = err.status === 503 ? 529 : err.status;
  let message = err.message;
  const errors = err.extra.errors;
  if (Array.isArray(errors) && errors.length > 1) {
    message += `: ${errors.map((e: { provider?: string; model?: string; message?: string; type?: string }) => `${e.provider}/${e.model} ${e.message ?? e.type}`).join('; ')}`;
  }
  if (status === 401 && /^missing gateway token/.test(message)) message = 'missing gateway token: send x-api-key: <token> or Authorization: Bearer <token>';
  return { status, body: { type: 'error', error: { type: anthropicErrorTypeForStatus(status), message }, request_id: requestId } };
}

function anthropicErrorResponse(err: GwError, requestId: string, headers: Record<string, string>): Response {
  const { status, body } = anthropicError(err, requestId);
  return jsonResponse(status, body, headers);
}

/** The anthropic-beta header goes to Anthropic upstreams along with the body it may describe. */
function passHeaders(req: Request): Record<string, string> | undefined {
  const beta = req.headers.get('anthropic-beta');
  return beta ? { 'anthropic-beta': beta } : undefined;
}

/** What the router sees of an Anthropic request: `requestedModel` keeps the client's name, so `model ~ /haiku/` matches it. */
export function messagesRouteRequest(table: DecisionTable, m: MessagesRequest, headers: Headers, findings: RouteRequest['pii']): RouteRequest {
  const h: Record<string, string | undefined> = Object.fromEntries(headers);
  delete h[THINKING_HEADER];
  if (m.thinking) h[THINKING_HEADER] = 'enabled';
  return {
    model: routesAsAuto(table, m.model) ? 'auto' : m.model,
    requestedModel: m.model,
    messages: m.routeMessages,
    tools: m.tools,
    headers: h,
    preferFreeTier: m.preferFreeTier,
    priority: m.priority,
    maxTokens: m.maxTokens,
    session: sessionKeyOf(h, m.upstreamBody, m.routeMessages),
    pii: findings,
  };
}

/**
 * POST /v1/messages: the Anthropic Messages API, routed by the same policy (personal data included); translated or
 * passed through per upstream. Under `pii { redact }` the upstream gets placeholders and the client the values back.
 */
export async function anthropicMessages(req: Request, ctx: ChatContext): Promise<Response> {
  const { table, generation } = ctx.holder.current;
  const rec = new RequestRecord(ctx, table, 'messages');
  const id = rec.id;
  const idHeaders = (model: string | null): Record<string, string> => ({
    'x-gw-request-id': id,
    'request-id': id,
    ...(model !== null ? { 'x-gw-requested-model': headerSafe(model) } : {}),
  });
  try {
    const hops = checkLoop(req.headers, ctx.deps);
    const limits = admitCaller(req, ctx, table, rec);
    rec.body = await readJsonObject(req, table.gateway.bodyLimit, { paths: 'anthropic' });
    const m = parseMessagesRequest(rec.body);
    // the router's parts, then the thinking of earlier turns: it goes upstream too
    const gate = await piiGate(table, [...requestParts({ messages: m.routeMessages, tools: m.tools }).texts, ...thinkingTexts(m.upstreamBody)], ctx, id);
    rec.privacy = gate.privacy;
    rec.piiValues = gate.values;
    rec.piiKnown = gate.logKnown;
    let upstreamBody = m.upstreamBody;
    if (gate.placeholders) {
      upstreamBody = redactMessagesBody(upstreamBody, gate.types, gate.placeholders, gate.known);
      const redacted = routeMessages(upstreamBody.system, upstreamBody.messages as Record<string, unknown>[]);
      await assertRedacted(table, [...requestParts({ messages: redacted, tools: m.tools }).texts, ...thinkingTexts(upstreamBody)]);
    }
    const route = messagesRouteRequest(table, m, req.headers, gate.route);
    const client = clientAbort(req);
    const outcome = await routeAndCall(
      { table, route, body: upstreamBody, stream: m.stream, clientWantsUsage: false, signal: client.controller.signal, format: 'anthropic', passHeaders: passHeaders(req), client: limits, hops },
      ctx.deps,
    );
    const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
    const base = { stream: m.stream, requestedModel: m.model, decision: outcome.decision, attempts: outcome.attempts };
    const answeredBy = outcome.ok ? outcome.model : null;
    const headers: Record<string, string> = {
      ...idHeaders(m.model),
      ...gwHeaders(outcome.decision, answeredBy, outcome.attempts, rec.overheadMs(upstreamMs), generation),
      ...piiHeaders(table, gate, outcome.decision, m.model, answeredBy),
    };
    const clamped = clampLine(id, outcome.decision, answeredBy);
    if (clamped) ctx.log.info(clamped);
    if (!outcome.ok) {
      client.detach();
      const err = outcomeError(outcome, { table, maxTokens: m.maxTokens });
      const { status, body: errBody } = anthropicError(err, id);
      ctx.log.warn(`${id} ${m.model} → ${status} ${err.message}`);
      rec.complete({ ...base, responseBody: JSON.stringify(errBody), model: null, status, usage: null, error: { type: errBody.error.type, message: err.message }, reservation: null });
      return jsonResponse(status, errBody, headers);
    }
    reportDropped(headers, ctx.log, id, outcome.model, droppedFields(table, outcome.model, upstreamBody, 'anthropic', outcome.decision.sticky));
    const placeholders = outcome.decision.pii.action === 'redact' ? gate.placeholders : null;
    return answerSuccess(outcome, {
      rec,
      client,
      headers,
      base,
      restoreJson: placeholders ? (text) => restoreMessage(text, placeholders) : null,
      rewrite: placeholders ? anthropicStreamRestorer(placeholders) : null,
      // Anthropic's `error` event, typed as the upstream's error when it sent one
      cutFrame: (e, message) => {
        const type = (e as { errorType?: unknown }).errorType;
        return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: typeof type === 'string' ? type : 'api_error', message } })}\n\n`;
      },
      onCut: (message) => ctx.log.warn(`${id} ${outcome.model} stream cut: ${message}`),
    });
  } catch (e) {
    const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
    if (!(e instanceof GwError)) ctx.log.error(`messages ${id}: ${(e as Error).stack ?? e}`);
    const requested = typeof rec.body?.model === 'string' ? rec.body.model : '';
    const { status, body: errBody } = anthropicError(err, id);
    rec.refused(err, errBody, status, errBody.error.type);
    return jsonResponse(status, errBody, { ...err.headers, ...idHeaders(requested || null), 'x-gw-overhead-ms': rec.overheadMs(0).toFixed(2), 'x-gw-attempts': '0', ...refusalHeaders(err) });
  }
}

/** POST /v1/messages/count_tokens: `{input_tokens}` by the router's own estimator (o200k, images, tool schemas). */
export async function anthropicCountTokens(req: Request, ctx: ChatContext): Promise<Response> {
  const id = randomUUID();
  const { table } = ctx.holder.current;
  try {
    admitCaller(req, ctx, table, { client: null, ticket: null }, { limits: false });
    const body = await readJsonObject(req, table.gateway.bodyLimit, { paths: 'anthropic' });
    const m = parseMessagesRequest(body, { countOnly: true });
    const parts = requestParts({ messages: m.routeMessages, tools: m.tools });
    const inputTokens = estimatePromptTokens(parts, m.routeMessages.length, m.tools);
    return jsonResponse(200, { input_tokens: inputTokens }, { 'x-gw-request-id': id, 'request-id': id });
  } catch (e) {
    const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
    if (!(e instanceof GwError)) ctx.log.error(`count_tokens ${id}: ${(e as Error).stack ?? e}`);
    return anthropicErrorResponse(err, id, { 'x-gw-request-id': id, 'request-id': id });
  }
}
