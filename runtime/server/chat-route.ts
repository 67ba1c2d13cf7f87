import { routeAndCall, type CallDeps } from '../gateway/route-and-call.ts';
import { requestParts } from '../router/request-text.ts';
import type { RouteRequest } from '../router/types.ts';
import { scanParts } from '../pii/scan.ts';
import { checkAuth, gatewayToken } from './auth.ts';
import { readJsonObject } from './body.ts';
import { parseChatRequest } from './chat-request.ts';
import { errorResponse, GwError } from './errors.ts';
import { outcomeError } from './failure-response.ts';
import { gwHeaders } from './gw-headers.ts';
import type { PolicyHolder } from './policy-holder.ts';
import type { Logger } from './log.ts';
import type { CompletedRequest, Recorder } from '../state/accounting.ts';
import { randomUUID } from 'node:crypto';

export interface ChatContext {
  holder: PolicyHolder;
  deps: CallDeps;
  log: Logger;
  recorder?: Recorder;
}

/** A stream's text kept for the request log, up to this many characters. */
const STREAM_LOG_CAP = 256 * 1024;

const encoder = new TextEncoder();

/** POST /v1/chat/completions: parse, route by policy, call with retries, answer as JSON or as a pass-through stream. */
export async function chatCompletions(req: Request, ctx: ChatContext): Promise<Response> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const id = randomUUID();
  const { table, generation } = ctx.holder.current; // in-flight requests keep the table they started with
  const started = (upstreamMs: number) => Math.max(0, performance.now() - t0 - upstreamMs);
  let body: Record<string, unknown> | null = null;
  const complete = (r: Omit<CompletedRequest, 'id' | 'startedAt' | 'endpoint' | 'requestBody' | 'latencyMs'>) => {
    try {
      ctx.recorder?.complete(table, { id, startedAt, endpoint: 'chat.completions', requestBody: body, latencyMs: performance.now() - t0, ...r });
    } catch (e) {
      ctx.log.error(`recording request ${id}: ${(e as Error).message}`);
    }
  };
  try {
    checkAuth(req.headers, gatewayToken(table, ctx.deps.env));
    body = await readJsonObject(req, table.gateway.bodyLimit);
    const chat = parseChatRequest(body);
    const texts = requestParts(chat).texts;
    const route: RouteRequest = {
      model: chat.model,
      messages: chat.messages,
      tools: chat.tools,
      headers: Object.fromEntries(req.headers),
      preferFreeTier: chat.preferFreeTier,
      priority: chat.priority,
      maxTokens: chat.maxTokens,
      pii: table.pii ? { findings: scanParts(table, texts) } : null,
    };
    const abort = new AbortController();
    const onClientGone = () => abort.abort(new Error('client disconnected'));
    req.signal?.addEventListener('abort', onClientGone, { once: true });
    const outcome = await routeAndCall(
      { table, route, body: chat.upstreamBody, stream: chat.stream, clientWantsUsage: chat.clientWantsUsage, signal: abort.signal },
      ctx.deps,
    );
    const upstreamMs = outcome.attempts.reduce((s, a) => s + a.ms, 0);
    const base = { stream: chat.stream, requestedModel: chat.model, decision: outcome.decision, attempts: outcome.attempts };
    if (!outcome.ok) {
      req.signal?.removeEventListener('abort', onClientGone);
      const err = outcomeError(outcome);
      ctx.log.warn(`${id} ${chat.model} → ${err.status} ${err.message}`);
      const errBody = err.body();
      complete({ ...base, responseBody: JSON.stringify(errBody), model: null, status: err.status, usage: null, error: { type: err.type, message: err.message }, reservation: null });
      return errorResponse(err, { 'x-gw-request-id': id, ...gwHeaders(outcome.decision, null, outcome.attempts, started(upstreamMs), generation) });
    }
    const headers = { 'x-gw-request-id': id, ...gwHeaders(outcome.decision, outcome.model, outcome.attempts, started(upstreamMs), generation) };
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
          // After the first byte the answer cannot move to another model: the client gets an SSE error event.
          const message = `the upstream stream failed midway: ${(e as Error).message.slice(0, 200)}`;
          ctx.log.warn(`${id} ${outcome.model} stream cut: ${message}`);
          const frame = `data: ${JSON.stringify({ error: { message, type: 'server_error', code: 'stream_interrupted' } })}\n\n`;
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
    if (!(e instanceof GwError)) ctx.log.error(`chat completions ${id}: ${(e as Error).stack ?? e}`);
    if (err.status !== 401) {
      complete({
        stream: false,
        requestedModel: typeof body?.model === 'string' ? body.model : '',
        decision: null,
        attempts: [],
        responseBody: JSON.stringify(err.body()),
        model: null,
        status: err.status,
        usage: null,
        error: { type: err.type, message: err.message },
        reservation: null,
      });
    }
    return errorResponse(err, { 'x-gw-request-id': id, 'x-gw-overhead-ms': started(0).toFixed(2), 'x-gw-attempts': '0' });
  }
}
