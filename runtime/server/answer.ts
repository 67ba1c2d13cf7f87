import { requestLine } from '../log/logger.ts';
import type { GwError } from './errors.ts';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FastResponse } from 'srvx';
import type { UpstreamStream } from '../providers/adapter.ts';
import type { FrameRewriter } from '../pii/restore-stream.ts';
import type { CompletedRequest } from '../state/accounting.ts';
import { redactDeep, redactText, type KnownPii } from '../state/redact-log.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import type { PolicyHolder } from './policy-holder.ts';
import type { Access } from './access.ts';
import type { Logger } from '../log/logger.ts';
import type { Recorder } from '../state/accounting.ts';
import type { CallDeps, CallOutcome } from '../gateway/route-and-call.ts';
import { scrubTrace, type LogPrivacy } from './pii-gate.ts';
import { nodeContext } from './node-context.ts';
import { receivedText } from './body.ts';
import { scrubberFor, type Scrubber } from '../secrets/scrubber.ts';

/**
 * What /v1/chat/completions and /v1/messages share once a request is routed: its record for the ledger, the client's
 * abort wired to the upstream call, and the pass-through stream with its log copy and its mid-stream error frame.
 */

/** A stream's text kept for the request log, up to this many characters. */
const STREAM_LOG_CAP = 256 * 1024;

export type CompletionFields = Omit<CompletedRequest, 'id' | 'startedAt' | 'endpoint' | 'requestBody' | 'requestText' | 'latencyMs' | 'client' | 'ticket'>;

/** What every model route (chat, messages, responses) works with. */
export interface ChatContext {
  holder: PolicyHolder;
  deps: CallDeps;
  log: Logger;
  recorder?: Recorder;
  /** client keys and their limits (absent: the gateway token alone, as checkAuth checks it) */
  access?: Access;
}

const WITHHELD = 'withheld: the personal-data classifier flagged this request and no detector located the values';

/** One request on its way through the gateway: id, clock, body, and how its completion is recorded. */
export class RequestRecord {
  readonly id = randomUUID();
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  body: Record<string, unknown> | null = null;
  /**
   * What the log may keep of the bodies, set by the PII gate. Before the gate ran (a malformed request) a policy with a
   * `pii` block logs bodies redacted, to be safe; `withhold` (a classifier-only hit: no spans to mask) keeps neither.
   */
  privacy: LogPrivacy;
  /** the detected values (from the PII gate), starred wherever the stored trace quotes them */
  piiValues: string[] = [];
  /** the request's texts scanned for every PII type (from the PII gate, when it found values): the log masks with them */
  piiKnown: KnownPii | null = null;
  /** the client key's name and its ticket (limits), once the caller is known */
  client: string | null = null;
  ticket: CompletedRequest['ticket'] = null;
  private readonly ctx: ChatContext;
  private readonly table: DecisionTable;
  private readonly endpoint: CompletedRequest['endpoint'];

  /** the policy's secrets, kept out of everything this request sends or records */
  readonly scrubber: Scrubber;

  constructor(ctx: ChatContext, table: DecisionTable, endpoint: CompletedRequest['endpoint']) {
    this.ctx = ctx;
    this.table = table;
    this.scrubber = scrubberFor(table, ctx.deps.env);
    this.endpoint = endpoint;
    this.privacy = table.pii ? 'redact' : 'clear';
  }

  /** Gateway time so far, without the upstream's. */
  overheadMs(upstreamMs: number): number {
    return Math.max(0, performance.now() - this.t0 - upstreamMs);
  }

  /**
   * A request refused before any upstream answered (bad input, auth, routing found nothing): logged with the error
   * body the client gets, unless it is a 401 (nothing of an unauthenticated caller is kept).
   */
  refused(err: GwError, responseBody: unknown, status = err.status, type = err.type): void {
    if (err.status === 401) return;
    this.complete({
      stream: false,
      requestedModel: typeof this.body?.model === 'string' ? this.body.model : '',
      decision: null,
      attempts: [],
      responseBody: JSON.stringify(responseBody),
      model: null,
      status,
      usage: null,
      error: { type, message: err.message },
      reservation: null,
    });
  }

  /** Hand the finished request to the ledger; never throws. */
  complete(r: CompletionFields): void {
    try {
      // the ledger itself redacts the bodies of a request whose decision names detected types
      const p = this.privacy === 'redact' && r.decision?.pii.detected.length ? 'ledger' : this.privacy;
      const requestBody = p === 'withhold' ? { withheld: WITHHELD } : p === 'redact' && this.body !== null ? redactDeep(this.body, this.piiKnown) : this.body;
      const responseBody = r.responseBody === null ? null : p === 'withhold' ? JSON.stringify({ withheld: WITHHELD }) : p === 'redact' ? redactText(r.responseBody) : r.responseBody;
      const attempts = p === 'clear' ? r.attempts : r.attempts.map((a) => (a.message ? { ...a, message: redactText(a.message) } : a));
      const decision = r.decision && p !== 'clear' ? scrubTrace(r.decision, p === 'withhold' ? null : this.piiValues) : r.decision;
      this.ctx.recorder?.complete(this.table, {
        ...r,
        decision,
        attempts,
        responseBody,
        id: this.id,
        startedAt: this.startedAt,
        endpoint: this.endpoint,
        requestBody,
        piiKnown: this.piiKnown,
        // the body in clear is logged as it came (it was parsed from this text and never changed)
        requestText: p === 'clear' ? (receivedText(this.body) ?? null) : null,
        latencyMs: performance.now() - this.t0,
        client: this.client,
        ticket: this.ticket,
      });
    } catch (e) {
      this.ctx.log.error(`recording request ${this.id}: ${(e as Error).message}`);
    }
    this.ctx.log.request?.(
      requestLine({
        id: this.id,
        endpoint: this.endpoint,
        requestedModel: r.requestedModel,
        model: r.model,
        scenario: r.decision?.scenario ?? null,
        tier: r.decision?.tier ?? null,
        status: r.status,
        tokens: r.usage?.total_tokens ?? null,
        ms: performance.now() - this.t0,
        error: r.error ? { type: r.error.type, message: redactText(r.error.message) } : null,
      }),
    );
  }
}

/**
 * The client going away aborts the upstream call; `detach` once the answer no longer depends on it. On Node the
 * response's `close` before its end is the signal (what srvx's `req.signal` listens to, without building it).
 */
export function clientAbort(req: Request): { controller: AbortController; detach(): void } {
  const controller = new AbortController();
  const res = nodeContext(req)?.res;
  if (res) {
    const onClose = () => {
      if (!res.writableEnded) controller.abort(new Error('client disconnected'));
    };
    res.once('close', onClose);
    return { controller, detach: () => res.off('close', onClose) };
  }
  const onClientGone = () => controller.abort(new Error('client disconnected'));
  req.signal?.addEventListener('abort', onClientGone, { once: true });
  return { controller, detach: () => req.signal?.removeEventListener('abort', onClientGone) };
}

export interface StreamAnswer {
  upstream: UpstreamStream;
  /** the last pass of every frame to the client (the upstream's bytes were scrubbed on arrival; this catches secrets a translation rebuilt from escapes) */
  scrubber: Scrubber;
  /** the frame that told route-and-call the stream is answering */
  firstFrame: string;
  headers: Record<string, string>;
  /** rewrites frames on their way to the client (PII restoration); the log keeps the upstream's frames */
  rewrite: FrameRewriter | null;
  abort: AbortController;
  /** the last frame of a stream cut after its first byte, in the client's protocol */
  cutFrame(e: unknown, message: string): string;
  onCut(message: string): void;
  /** called once: the stream ended, broke, or the client left */
  finish(logged: string, error: CompletedRequest['error']): void;
}

/**
 * The answer as a pass-through SSE stream. After the first byte the answer cannot move to another model: a failure
 * midway ends the stream with the protocol's error frame. The log copy is the upstream's text (capped), so under
 * `redact` it holds placeholders, never the restored values.
 */
export function streamAnswer(o: StreamAnswer): Response {
  let logged = o.firstFrame;
  let finished = false;
  const finish = (error: CompletedRequest['error']) => {
    if (finished) return;
    finished = true;
    o.finish(logged, error);
  };
  const scrub = o.scrubber.stream();
  const out = (frame: string) => scrub.push(o.rewrite ? o.rewrite.push(frame) : frame);
  const rest = () => scrub.push(o.rewrite?.end() ?? '') + scrub.end();
  // A Node stream that pulls one upstream frame per read: srvx pipes it into the response as it comes, and destroys
  // it when the client leaves.
  // (Node calls read() again only after a push, so one pull runs at a time.)
  const pull = async () => {
    try {
      for (;;) {
        const next = await o.upstream.frames.next();
        if (finished) return;
        if (next.done) {
          const tail = rest();
          if (tail) stream.push(tail);
          finish(null);
          stream.push(null);
          return;
        }
        if (logged.length < STREAM_LOG_CAP) logged += next.value;
        const f = out(next.value);
        if (f) {
          stream.push(f);
          return;
        }
      }
    } catch (e) {
      if (finished) return;
      const message = o.scrubber.message(`the upstream stream failed midway: ${(e as Error).message.slice(0, 200)}`);
      o.onCut(message);
      const frame = o.scrubber.text(o.cutFrame(e, message));
      logged += frame;
      stream.push(rest() + frame);
      finish({ type: 'stream_interrupted', message });
      stream.push(null);
    }
  };
  const stream = new Readable({
    read() {
      void pull();
    },
    destroy(err, cb) {
      if (!finished) {
        o.abort.abort(new Error('client disconnected'));
        o.upstream.cancel();
        finish({ type: 'client_closed', message: 'the client closed the stream' });
      }
      cb(err);
    },
  });
  const first = out(o.firstFrame);
  if (first) stream.push(first);
  return new FastResponse(pipeOnly(stream) as unknown as Readable, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...o.headers },
  });
}

/**
 * A body srvx sends with `Readable.pipe` instead of `stream.pipeline`: it takes a body that has `pipe` but no `on` that
 * way, and pipeline's per-call AbortController, with the DOMException of its abort at the end, was ≈ 3% of a
 * streamed request's CPU. The client leaving (the response's `close`) destroys the stream, as pipeline would; a Web
 * consumer (app.fetch) gets it through srvx's PassThrough, which calls `abort` when it closes.
 */
function pipeOnly(stream: Readable): { pipe<T extends NodeJS.WritableStream>(dest: T): T; abort(): void } {
  return {
    pipe(dest) {
      stream.pipe(dest);
      (dest as unknown as NodeJS.EventEmitter).once('close', () => stream.destroy());
      return dest;
    },
    abort: () => stream.destroy(),
  };
}

export interface SuccessAnswer {
  rec: RequestRecord;
  client: { controller: AbortController; detach(): void };
  headers: Record<string, string>;
  /** the record's fields known before the answer (stream flag, requested model, decision, attempts) */
  base: Pick<CompletionFields, 'stream' | 'requestedModel' | 'decision' | 'attempts'>;
  /** under `redact`: puts the values back into a JSON answer, and into stream frames */
  restoreJson: ((text: string) => string) | null;
  rewrite: FrameRewriter | null;
  cutFrame(e: unknown, message: string): string;
  onCut(message: string): void;
}

/** A routed request that an upstream answered: the JSON answer, or the stream; recorded either way. */
export function answerSuccess(outcome: Extract<CallOutcome, { ok: true }>, o: SuccessAnswer): Response {
  const ok = { ...o.base, model: outcome.model, status: 200, reservation: outcome.reservation };
  if (outcome.result.kind === 'json') {
    o.client.detach();
    // the log keeps the upstream's text (placeholders under redact); the client gets its values back
    o.rec.complete({ ...ok, responseBody: outcome.result.text, usage: outcome.result.usage, error: null });
    const text = o.rec.scrubber.text(o.restoreJson ? o.restoreJson(outcome.result.text) : outcome.result.text);
    return new FastResponse(text, { status: 200, headers: { 'content-type': 'application/json', ...o.headers } });
  }
  const upstream = outcome.result.stream;
  return streamAnswer({
    upstream,
    scrubber: o.rec.scrubber,
    firstFrame: outcome.firstFrame!,
    headers: o.headers,
    rewrite: o.rewrite,
    abort: o.client.controller,
    cutFrame: o.cutFrame,
    onCut: o.onCut,
    finish: (logged, error) => {
      o.client.detach();
      o.rec.complete({ ...ok, responseBody: logged, usage: upstream.usage(), error });
    },
  });
}
