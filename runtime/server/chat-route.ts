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

export interface ChatContext {
  holder: PolicyHolder;
  deps: CallDeps;
  log: Logger;
}

const encoder = new TextEncoder();

/** POST /v1/chat/completions: parse, route by policy, call with retries, answer as JSON or as a pass-through stream. */
export async function chatCompletions(req: Request, ctx: ChatContext): Promise<Response> {
  const t0 = performance.now();
  const { table, generation } = ctx.holder.current; // in-flight requests keep the table they started with
  const started = (upstreamMs: number) => Math.max(0, performance.now() - t0 - upstreamMs);
  try {
    checkAuth(req.headers, gatewayToken(table, ctx.deps.env));
    const chat = parseChatRequest(await readJsonObject(req, table.gateway.bodyLimit));
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
    if (!outcome.ok) {
      req.signal?.removeEventListener('abort', onClientGone);
      const err = outcomeError(outcome);
      ctx.log.warn(`${chat.model} → ${err.status} ${err.message}`);
      return errorResponse(err, gwHeaders(outcome.decision, null, outcome.attempts, started(upstreamMs), generation));
    }
    const headers = gwHeaders(outcome.decision, outcome.model, outcome.attempts, started(upstreamMs), generation);
    if (outcome.result.kind === 'json') {
      req.signal?.removeEventListener('abort', onClientGone);
      return new Response(outcome.result.text, { status: 200, headers: { 'content-type': 'application/json', ...headers } });
    }
    const upstream = outcome.result.stream;
    const firstFrame = outcome.firstFrame!;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(firstFrame));
      },
      async pull(controller) {
        try {
          const next = await upstream.frames.next();
          if (next.done) {
            req.signal?.removeEventListener('abort', onClientGone);
            controller.close();
          } else controller.enqueue(encoder.encode(next.value));
        } catch (e) {
          // After the first byte the answer cannot move to another model: the client gets an SSE error event.
          const message = `the upstream stream failed midway: ${(e as Error).message.slice(0, 200)}`;
          ctx.log.warn(`${outcome.model} stream cut: ${message}`);
          controller.enqueue(encoder.encode(`data: ${JSON.stringify({ error: { message, type: 'server_error', code: 'stream_interrupted' } })}\n\n`));
          req.signal?.removeEventListener('abort', onClientGone);
          controller.close();
        }
      },
      cancel() {
        abort.abort(new Error('client disconnected'));
        upstream.cancel();
      },
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers },
    });
  } catch (e) {
    if (e instanceof GwError) return errorResponse(e, { 'x-gw-overhead-ms': started(0).toFixed(2), 'x-gw-attempts': '0' });
    ctx.log.error(`chat completions: ${(e as Error).stack ?? e}`);
    return errorResponse(new GwError(500, 'server_error', 'internal gateway error', 'internal_error'));
  }
}
