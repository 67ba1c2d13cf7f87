import { randomUUID } from 'node:crypto';
import { routeAndCall } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import { modelIndex } from '../router/resolve-model.ts';
import { estimatePromptTokens } from '../router/tokens.ts';
import type { RouteRequest } from '../router/types.ts';
import { scanParts } from '../pii/scan.ts';
import type { AnthropicErrorBody } from '../protocols/anthropic-types.ts';
import { anthropicErrorTypeForStatus } from '../protocols/openai-to-anthropic.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import type { CompletedRequest } from '../state/accounting.ts';
import { checkAuth, gatewayToken } from './auth.ts';
import { readJsonObject } from './body.ts';
import type { ChatContext } from './chat-route.ts';
import { GwError, jsonResponse } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import { gwHeaders } from './gw-headers.ts';
import { parseMessagesRequest, THINKING_HEADER, type MessagesRequest } from './messages-request.ts';

/** A stream's text kept for the request log, up to this many characters. */
const STREAM_LOG_CAP = 256 * 1024;

const encoder = new TextEncoder();

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

/** A header value must be a ByteString: a client's model name is shown as sent when it is printable ASCII. */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** The anthropic-beta header goes to Anthropic upstreams along with the body it may describe. */
function passHeaders(req: Request): Record<string, string> | undefined {
  const beta = req.headers.get('anthropic-beta');
  return beta ? { 'anthropic-beta': beta } : undefined;
}

/**
 * The model-name rule of /v1/messages. `auto` and a `provider/model` id the policy declares pick as on
 * /v1/chat/completions; so does any `provider/…` name of a declared provider (an unknown one answers 404, a typo is
 * never re-routed). Every other name — Claude Code's `claude-sonnet-4-5-20250929`, `claude-3-5-haiku-…`, and bare
 * names even when the policy declares a model by that name — is routed by policy as "auto", the name kept for
 * `model ~` conditions. Bare names are not pins here because Claude Code sends the real Anthropic ids: a policy that
 * declares `anthropic/claude-sonnet-4-5-20250929` must not thereby take Claude Code's requests out of its scenarios.
 */
export function routesAsAuto(table: DecisionTable, model: string): boolean {
  const name = model.trim();
  if (name === '' || name === 'auto' || modelIndex(table).byId.has(name)) return false;
  const slash = name.indexOf('/');
  return !(slash > 0 && table.providers.some((p) => p.name === name.slice(0, slash)));
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
    pii: findings,
  };
}

/** POST /v1/messages: the Anthropic Messages API, routed by the same policy; translated or passed through per upstream. */
export async function anthropicMessages(req: Request, ctx: ChatContext): Promise<Response> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const id = randomUUID();
  const { table, generation } = ctx.holder.current;
  const started = (upstreamMs: number) => Math.max(0, performance.now() - t0 - upstreamMs);
  let body: Record<string, unknown> | null = null;
  const idHeaders = (model: string | null): Record<string, string> => ({
    'x-gw-request-id': id,
    'request-id': id,
    ...(model !== null ? { 'x-gw-requested-model': headerSafe(model) } : {}),
  });
  const complete = (r: Omit<CompletedRequest, 'id' | 'startedAt' | 'endpoint' | 'requestBody' | 'latencyMs'>) => {
    try {
      ctx.recorder?.complete(table, { id, startedAt, endpoint: 'messages', requestBody: body, latencyMs: performance.now() - t0, ...r });
    } catch (e) {
      ctx.log.error(`recording request ${id}: ${(e as Error).message}`);
    }
  };
  try {
    checkAuth(req.headers, gatewayToken(table, ctx.deps.env));
    body = await readJsonObject(req, table.gateway.bodyLimit);
    const m = parseMessagesRequest(body);
    const texts = requestParts({ messages: m.routeMessages, tools: m.tools }).texts;
    const route = messagesRouteRequest(table, m, req.headers, table.pii ? { findings: scanParts(table, texts) } : null);
    const abort = new AbortController();
    const onClientGone = () => abort.abort(new Error('client disconnected'));
    req.signal?.addEventListener('abort', onClientGone, { once: true });
    const outcome = await routeAndCall(
      { table, route, body: m.upstreamBody, stream: m.stream, clientWantsUsage: false, signal: abort.signal, format: 'anthropic', passHeaders: passHeaders(req) },
      ctx.deps,
    );
    const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
    const base = { stream: m.stream, requestedModel: m.model, decision: outcome.decision, attempts: outcome.attempts };
    if (!outcome.ok) {
      req.signal?.removeEventListener('abort', onClientGone);
      const err = outcomeError(outcome);
      const { status, body: errBody } = anthropicError(err, id);
      ctx.log.warn(`${id} ${m.model} → ${status} ${err.message}`);
      complete({ ...base, responseBody: JSON.stringify(errBody), model: null, status, usage: null, error: { type: errBody.error.type, message: err.message }, reservation: null });
      return jsonResponse(status, errBody, { ...idHeaders(m.model), ...gwHeaders(outcome.decision, null, outcome.attempts, started(upstreamMs), generation) });
    }
    const headers = { ...idHeaders(m.model), ...gwHeaders(outcome.decision, outcome.model, outcome.attempts, started(upstreamMs), generation) };
    const ok = { ...base, model: outcome.model, status: 200, reservation: outcome.reservation };
    if (outcome.result.kind === 'json') {
      req.signal?.removeEventListener('abort', onClientGone);
      complete({ ...ok, responseBody: outcome.result.text, usage: outcome.result.usage, error: null });
      return new Response(outcome.result.text, { status: 200, headers: { 'content-type': 'application/json', ...headers } });
    }
    const upstream = outcome.result.stream;
    const firstFrame = outcome.firstFrame!;
    let logged = firstFrame;
    let finished = false;
    const finish = (error: CompletedRequest['error']) => {
      if (finished) return;
      finished = true;
      req.signal?.removeEventListener('abort', onClientGone);
      complete({ ...ok, responseBody: logged, usage: upstream.usage(), error });
    };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(firstFrame));
      },
      async pull(controller) {
        try {
          const next = await upstream.frames.next();
          if (next.done) {
            controller.close();
            finish(null);
          } else {
            if (logged.length < STREAM_LOG_CAP) logged += next.value;
            controller.enqueue(encoder.encode(next.value));
          }
        } catch (e) {
          // After the first byte the answer cannot move to another model: the client gets Anthropic's `error` event.
          const message = `the upstream stream failed midway: ${(e as Error).message.slice(0, 200)}`;
          ctx.log.warn(`${id} ${outcome.model} stream cut: ${message}`);
          const type = (e as { errorType?: unknown }).errorType;
          const frame = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: typeof type === 'string' ? type : 'api_error', message } })}\n\n`;
          logged += frame;
          controller.enqueue(encoder.encode(frame));
          controller.close();
          finish({ type: 'stream_interrupted', message });
        }
      },
      cancel() {
        abort.abort(new Error('client disconnected'));
        upstream.cancel();
        finish({ type: 'client_closed', message: 'the client closed the stream' });
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers },
    });
  } catch (e) {
    const err = e instanceof GwError ? e : new GwError(500, 'server_error', 'internal gateway error', 'internal_error');
    if (!(e instanceof GwError)) ctx.log.error(`messages ${id}: ${(e as Error).stack ?? e}`);
    const requested = typeof body?.model === 'string' ? body.model : '';
    const { status, body: errBody } = anthropicError(err, id);
    if (err.status !== 401) {
      complete({
        stream: false,
        requestedModel: requested,
        decision: null,
        attempts: [],
        responseBody: JSON.stringify(errBody),
        model: null,
        status,
        usage: null,
        error: { type: errBody.error.type, message: err.message },
        reservation: null,
      });
    }
    return jsonResponse(status, errBody, { ...idHeaders(requested || null), 'x-gw-overhead-ms': started(0).toFixed(2), 'x-gw-attempts': '0' });
  }
}

/** POST /v1/messages/count_tokens: `{input_tokens}` by the router's own estimator (o200k, images, tool schemas). */
export async function anthropicCountTokens(req: Request, ctx: ChatContext): Promise<Response> {
  const id = randomUUID();
  const { table } = ctx.holder.current;
  try {
    checkAuth(req.headers, gatewayToken(table, ctx.deps.env));
    const body = await readJsonObject(req, table.gateway.bodyLimit);
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
