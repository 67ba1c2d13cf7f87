import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Read an SSE body as events, one at a time (see sseBatches). */
export async function* sseEvents(body: Readable): AsyncGenerator<EventSourceMessage> {
  for await (const batch of sseBatches(body)) yield* batch;
}

/**
 * Read an SSE body as events, as they arrive: each batch holds the events completed by one read of the body, so a
 * consumer can answer them with one write. Errors of the underlying stream (a connection cut midway, or a body that
 * ends before the upstream finished it) are thrown from the iterator.
 */
export async function* sseBatches(body: Readable): AsyncGenerator<EventSourceMessage[]> {
  let queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  let ended = false;
  let closed = false;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const onData = (chunk: string) => {
    parser.feed(chunk);
    if (queue.length === 0) return;
    body.pause(); // until the consumer asks for more
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (e: unknown) => {
    failed = e;
    wake?.();
  };
  const onClose = () => {
    closed = true;
    wake?.();
  };
  body.setEncoding('utf8');
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onError);
  body.once('close', onClose);
  try {
    for (;;) {
      if (queue.length) {
        const batch = queue;
        queue = [];
        yield batch;
        continue;
      }
      if (ended) break;
      if (failed) throw cut(failed);
      if (closed) throw cut(null);
      await new Promise<void>((resolve) => {
        wake = resolve;
        body.resume();
      });
      wake = null;
    }
  } finally {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
    if (!ended) {
      // a consumer that stops early: a body already received in full is drained (its connection goes back to the
      // pool), anything else is cut
      if ((body as { complete?: boolean }).complete) body.resume();
      else body.destroy();
    }
  }
}

function cut(e: unknown): Error {
  const code = (e as { code?: string } | null)?.code ?? 'ECONNRESET';
  // the body guard's timeouts (idle, deadline) say what happened themselves
  if (code === 'GW_IDLE_TIMEOUT' || code === 'GW_DEADLINE') return e as Error;
  return Object.assign(new Error(`the upstream connection was cut before the stream ended (${code})`), { code });
}

/**
 * Read a whole body as text with a size cap (an upstream must not make the gateway buffer without bound): past the
 * cap (declared or counted) the body is destroyed and the read fails with `GW_BODY_TOO_LARGE`.
 */
export function readCapped(body: Readable | null, cap: number, declaredLength?: string | null): Promise<string> {
  if (!body) return Promise.resolve('');
  const tooLarge = () => Object.assign(new Error(`upstream body over ${cap} bytes`), { code: 'GW_BODY_TOO_LARGE' });
  const declared = declaredLength ? Number(declaredLength) : NaN;
  if (Number.isFinite(declared) && declared > cap) {
    body.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        cleanup();
        body.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('the connection closed before the body ended'), { code: 'ECONNRESET' }));
    };
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}
