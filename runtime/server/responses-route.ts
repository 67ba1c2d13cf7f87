import { routeAndCall } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import { isResponsesStream } from '../providers/responses-call.ts';
import type { ResponsesInputItem } from '../protocols/responses-types.ts';
import type { ResponseStore } from '../state/response-store.ts';
import type { FrameRewriter } from '../pii/restore-stream.ts';
import { admitCaller } from './access.ts';
import { checkLoop } from './loop-guard.ts';
import { readJsonObject } from './body.ts';
import type { ChatContext } from './chat-route.ts';
import { GwError, jsonResponse } from './errors.ts';
import { failedOutcome, refusedRequest, routedHeaders } from './openai-outcome.ts';
import { headerRecord } from './node-context.ts';
import { answerSuccess, clientAbort, RequestRecord } from './answer.ts';
import { assertRedacted, piiGate } from './pii-gate.ts';
import { reasoningTexts } from '../protocols/reasoning-items.ts';
import { redactResponsesBody, responsesStreamRestorer, restoreResponseObject, restoreResponseText } from '../pii/redact-responses.ts';
import { normaliseItems, parseResponsesRequest, responsesRouteRequest, routeMessagesOf } from './responses-request.ts';

export interface ResponsesContext extends ChatContext {
  responses: ResponseStore;
}

/** 404 in OpenAI's shape for a response id the store does not hold (never stored, deleted, or expired). */
export function responseNotFound(id: string, param: string | null = null): GwError {
  return new GwError(404, 'invalid_request_error', `Response with id '${id}' not found.`, param ? 'previous_response_not_found' : 'not_found', param ? { param } : {});
}

/** Items of earlier turns go upstream without the ids gw gave them (a native upstream would look them up). */
function withoutGwIds(items: Record<string, unknown>[]): Record<string, unknown>[] {
  return items.map((it) => {
    if (it.type === 'reasoning') return it;
    const { id: _id, ...rest } = it;
    return rest;
  });
}

/** The answer's built-in-tool refusal: every candidate was ruled out because only a native upstream runs the tool. */
function builtinRefusal(builtin: readonly string[], candidates: { eligible: boolean; reason: string }[]): GwError | null {
  if (!builtin.length || candidates.some((c) => c.eligible) || !candidates.some((c) => c.reason.startsWith('built-in tool'))) return null;
  return new GwError(
    400,
    'invalid_request_error',
    `the built-in tool ${builtin.join(', ')} runs only on a provider that speaks the Responses API natively (protocol openai-responses), and no such model can take this request`,
    'unsupported_tool',
    { param: 'tools' },
  );
}

/**
 * POST /v1/responses: the OpenAI Responses API through the same policy as chat (scenarios, willingness, quota, PII,
 * retries, ledger, logs). A provider speaking Responses natively gets the body as it came; every other upstream a
 * translation (runtime/providers/responses-call.ts). `store` (default true) keeps the response for GET and
 * `previous_response_id`.
 */
export async function createResponse(req: Request, ctx: ResponsesContext): Promise<Response> {
  const { table, generation } = ctx.holder.current;
  const rec = new RequestRecord(ctx, table, 'responses');
  const id = rec.id;
  try {
    const hops = checkLoop(req.headers, ctx.deps);
    const limits = admitCaller(req, ctx, table, rec);
    rec.body = await readJsonObject(req, table.gateway.bodyLimit);
    const r = parseResponsesRequest(rec.body);
    let upstreamBody: Record<string, unknown> = { ...r.upstreamBody };
    let earlier: Record<string, unknown>[] = [];
    if (r.previousId !== null) {
      const conv = ctx.responses.conversation(r.previousId, table.gateway.logs.keepMs, Date.now());
      if (!conv) throw responseNotFound(r.previousId, 'previous_response_id');
      earlier = withoutGwIds(conv);
      const own = upstreamBody.input === undefined ? [] : typeof upstreamBody.input === 'string' ? normaliseItems(upstreamBody.input).map(({ id: _id, ...rest }) => rest) : (upstreamBody.input as Record<string, unknown>[]);
      // the conversation is rebuilt here: previous_response_id stays only for the answer to echo (no upstream gets it)
      upstreamBody.input = [...earlier, ...own];
    }
    const messages = routeMessagesOf(upstreamBody.instructions, upstreamBody.input as string | ResponsesInputItem[] | undefined);
    const gate = await piiGate(table, [...requestParts({ messages, tools: r.tools }).texts, ...reasoningTexts(upstreamBody.input)], ctx, id);
    rec.privacy = gate.privacy;
    rec.piiValues = gate.values;
    rec.piiKnown = gate.logKnown;
    if (gate.placeholders) {
      upstreamBody = redactResponsesBody(upstreamBody, gate.types, gate.placeholders);
      const redacted = routeMessagesOf(upstreamBody.instructions, upstreamBody.input as string | ResponsesInputItem[] | undefined);
      assertRedacted(table, [...requestParts({ messages: redacted, tools: r.tools }).texts, ...reasoningTexts(upstreamBody.input)]);
    }
    const route = responsesRouteRequest(r, messages, headerRecord(req), gate.route);
    const client = clientAbort(req);
    const outcome = await routeAndCall({ table, route, body: upstreamBody, stream: r.stream, clientWantsUsage: false, signal: client.controller.signal, format: 'responses', client: limits, hops }, ctx.deps);
    const base = { stream: r.stream, requestedModel: r.model, decision: outcome.decision, attempts: outcome.attempts };
    const headers = routedHeaders(rec, outcome, { table, generation, gate, requested: r.model });
    if (!outcome.ok) {
      client.detach();
      const err = outcome.attempts.length === 0 ? builtinRefusal(r.builtinTools, outcome.decision.candidates) : null;
      return failedOutcome(outcome, { rec, log: ctx.log, table, maxTokens: r.maxTokens, base, headers, err });
    }
    // the values go back only into an answer to a request they were taken from (and into what is stored of it)
    const placeholders = outcome.decision.pii.action === 'redact' ? gate.placeholders : null;
    const restorer = placeholders ? responsesStreamRestorer(placeholders) : null;
    const keep = (upstreamResponse: Record<string, unknown> | null) => {
      const response = placeholders ? restoreResponseObject(upstreamResponse, placeholders) : upstreamResponse;
      if (!r.store || !response || typeof response.id !== 'string') return;
      try {
        ctx.responses.put({ id: response.id, createdAt: Date.now(), previousId: r.previousId, inputItems: r.items, response: { ...response, previous_response_id: r.previousId } });
      } catch (e) {
        ctx.log.error(`storing response ${String(response.id)}: ${(e as Error).message}`);
      }
    };
    if (outcome.result.kind === 'json') {
      try {
        keep(JSON.parse(outcome.result.text) as Record<string, unknown>);
      } catch {
        /* the adapters answer JSON text */
      }
    }
    const stream = outcome.result.kind === 'stream' ? outcome.result.stream : null;
    const onEnd: FrameRewriter | null =
      stream && isResponsesStream(stream)
        ? {
            push: (frame) => (restorer ? restorer.push(frame) : frame),
            end: () => {
              const tail = restorer?.end() ?? '';
              keep(stream.response() as Record<string, unknown> | null);
              return tail;
            },
          }
        : null;
    return answerSuccess(outcome, {
      rec,
      client,
      headers,
      base,
      restoreJson: placeholders ? (text) => restoreResponseText(text, placeholders) : null,
      rewrite: onEnd,
      cutFrame: (_e, message) => {
        const frame = stream && isResponsesStream(stream) ? stream.failFrame(message) : '';
        return restorer ? restorer.renumber(frame) : frame;
      },
      onCut: (message) => ctx.log.warn(`${id} ${outcome.model} stream cut: ${message}`),
    });
  } catch (e) {
    return refusedRequest(e, rec, ctx.log, 'responses');
  }
}

/** GET /v1/responses/{id} */
export function getResponse(id: string, ctx: ResponsesContext): Response {
  const r = ctx.responses.get(id, ctx.holder.current.table.gateway.logs.keepMs, Date.now());
  if (!r) throw responseNotFound(id);
  return jsonResponse(200, r.response);
}

/** DELETE /v1/responses/{id}: OpenAI's deletion shape. */
export function deleteResponse(id: string, ctx: ResponsesContext): Response {
  if (!ctx.responses.delete(id)) throw responseNotFound(id);
  return jsonResponse(200, { id, object: 'response', deleted: true });
}

/** GET /v1/responses/{id}/input_items: the request's own input items, newest first by default (`order`, `limit`, `after`). */
export function listInputItems(id: string, url: URL, ctx: ResponsesContext): Response {
  const r = ctx.responses.get(id, ctx.holder.current.table.gateway.logs.keepMs, Date.now());
  if (!r) throw responseNotFound(id);
  const order = url.searchParams.get('order') === 'asc' ? 'asc' : 'desc';
  const limitRaw = Number(url.searchParams.get('limit') ?? 20);
  const limit = Number.isInteger(limitRaw) && limitRaw >= 1 && limitRaw <= 100 ? limitRaw : 20;
  let items = order === 'asc' ? r.inputItems : [...r.inputItems].reverse();
  const after = url.searchParams.get('after');
  if (after) {
    const i = items.findIndex((it) => it.id === after);
    items = i === -1 ? [] : items.slice(i + 1);
  }
  const page = items.slice(0, limit);
  return jsonResponse(200, {
    object: 'list',
    data: page,
    first_id: (page[0]?.id as string | undefined) ?? null,
    last_id: (page[page.length - 1]?.id as string | undefined) ?? null,
    has_more: items.length > page.length,
  });
}
