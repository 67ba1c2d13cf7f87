import type { UpstreamStream } from './adapter.ts';
import type { OpenAIChatChunk } from '../protocols/openai-types.ts';

/** How a translation turns OpenAI chat chunks into its own protocol's events, and each event into SSE text. */
export interface ChunkTranslation<E> {
  push(chunk: OpenAIChatChunk): E[];
  finish(): E[];
  frame(e: E): string;
  /** an event that only opens the answer (message_start, response.created …): held back until content follows */
  opening(e: E): boolean;
}

/**
 * The OpenAI adapter's frames (one string per upstream read, possibly several `data:` frames) re-framed as another
 * protocol's events. Opening events are held back until there is content (or the end), so a failure right after the
 * upstream's role-only first chunk is still retried on another model; one string is yielded per upstream read.
 */
export async function* reframeChatChunks<E>(inner: UpstreamStream, t: ChunkTranslation<E>): AsyncGenerator<string> {
  let held = '';
  let released = false;
  const take = (events: E[]) => {
    for (const e of events) {
      held += t.frame(e);
      if (!t.opening(e)) released = true;
    }
  };
  for (;;) {
    const next = await inner.frames.next();
    if (next.done) break;
    for (const frame of next.value.split('\n\n')) {
      const data = frame.replace(/^data: ?/, '').trim();
      // [DONE] is the adapter's last frame: reading on (instead of breaking) lets its generator finish and clean up
      if (data === '[DONE]' || data === '') continue;
      let chunk: OpenAIChatChunk;
      try {
        chunk = JSON.parse(data) as OpenAIChatChunk;
      } catch {
        throw Object.assign(new Error(`malformed upstream stream chunk: ${data.slice(0, 200)}`), { upstreamError: true });
      }
      take(t.push(chunk));
    }
    if (released && held) {
      const out = held;
      held = '';
      yield out;
    }
  }
  take(t.finish());
  if (held) yield held;
}
