import { Transform, type TransformCallback } from 'node:stream';
import type { Scrubber, ScrubStream } from '../secrets/scrubber.ts';

/**
 * What every upstream body passes through before anything in the gateway reads it: the policy's secrets scrubbed
 * from its bytes (an upstream that echoes the key it got cannot pass it on, in an answer, an error body or a stream
 * frame; a secret split across two reads is still caught), and an idle timeout between body bytes.
 */

/** The error a body fails with when the upstream stops sending (idle) or the attempt runs past its deadline. */
export class UpstreamTimeoutError extends Error {
  override name = 'TimeoutError';
  readonly code: 'GW_IDLE_TIMEOUT' | 'GW_DEADLINE';
  readonly timeoutMs: number;
  constructor(code: 'GW_IDLE_TIMEOUT' | 'GW_DEADLINE', timeoutMs: number) {
    super(code === 'GW_IDLE_TIMEOUT' ? `the upstream sent nothing for ${timeoutMs} ms (idle timeout)` : `the attempt ran past its ${timeoutMs} ms deadline`);
    this.code = code;
    this.timeoutMs = timeoutMs;
  }
}

export interface BodyGuardOptions {
  /** a Scrubber's bytes() form; null: nothing to scrub */
  scrubber: Scrubber | null;
  /** fail when no byte arrived for this long while the reader waits for more; 0 or undefined: none */
  idleTimeoutMs?: number;
}

export class BodyGuard extends Transform {
  private readonly scrub: ScrubStream | null;
  private readonly idleMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** the response it reads, for `complete` (the SSE reader drains a body received in full rather than cut it) */
  source: { complete?: boolean } | null = null;

  get complete(): boolean {
    return this.source?.complete === true;
  }

  constructor(o: BodyGuardOptions) {
    super();
    this.scrub = o.scrubber && o.scrubber.maxLength > 0 ? o.scrubber.stream() : null;
    this.idleMs = o.idleTimeoutMs ?? 0;
    this.arm();
  }

  private arm(): void {
    if (!this.idleMs) return;
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => this.onIdle(), this.idleMs);
      this.timer.unref?.();
    }
  }

  private onIdle(): void {
    // a reader that is not asking (paused, or behind on what it has) is not waiting for the upstream
    if (this.readableLength > 0 || this.isPaused() || this.readableFlowing === false) {
      this.timer?.refresh();
      return;
    }
    this.destroy(new UpstreamTimeoutError('GW_IDLE_TIMEOUT', this.idleMs));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.arm();
    if (!this.scrub) return cb(null, chunk);
    const s = chunk.toString('latin1');
    const out = this.scrub.push(s);
    if (out === s) return cb(null, chunk);
    cb(null, out ? Buffer.from(out, 'latin1') : undefined);
  }

  override _flush(cb: TransformCallback): void {
    this.stop();
    const rest = this.scrub?.end() ?? '';
    cb(null, rest ? Buffer.from(rest, 'latin1') : undefined);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.stop();
    cb(err);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
