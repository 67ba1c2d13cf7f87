import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Read an SSE body as events, as they arrive. Errors of the underlying stream (a connection cut midway) are thrown
 * from the iterator.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
    parser.feed(decoder.decode());
    while (queue.length) yield queue.shift()!;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Read a whole body as text with a size cap (an upstream must not make the gateway buffer without bound). A body
 * whose declared length is within the cap takes the platform's fast path; others are read chunk by chunk.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, cap: number, declaredLength?: string | null): Promise<string> {
  if (!body) return '';
  const declared = declaredLength ? Number(declaredLength) : NaN;
  if (Number.isFinite(declared) && declared <= cap) return new Response(body).text();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      throw Object.assign(new Error(`upstream body over ${cap} bytes`), { code: 'GW_BODY_TOO_LARGE' });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
