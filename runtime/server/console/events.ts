import type { RequestRow } from '../../state/request-log.ts';
import { consoleError } from './console-errors.ts';

/** The most console event streams open at once (each is a browser tab): one more gets 503. */
export const MAX_SUBSCRIBERS = 32;
const PING_MS = 15_000;
/** `stats` goes out at most this often while requests flow. */
const STATS_EVERY_MS = 2_000;
/** how often the policy's generation is looked at while a stream is open */
const POLICY_POLL_MS = 1_000;

interface Subscriber {
  send(chunk: string): void;
  close(): void;
  /** false once the session behind it ended (logout, expiry): the stream is closed at the next ping */
  alive(): boolean;
}

export interface EventSources {
  /** the dashboard's `today` figures */
  stats(): unknown;
  /** a finished request as a log table row */
  logRow(row: RequestRow): unknown;
  /** the policy's generation and whether its last reload worked */
  policy(): { generation: number; ok: boolean };
  /** hears each finished request; returns the way to stop hearing */
  listen(onRow: (row: RequestRow) => void): () => void;
  /** the policy's scrubber over each frame's text (a stream is not scrubbed as a whole answer is) */
  scrub(text: string): string;
}


/**
 * The console's live feed (server-sent events): `log` for each finished request, `stats` (the dashboard's today
 * figures) at most every 2 s while requests flow, `policy` when the generation or the reload outcome changes, and a
 * `: ping` comment every 15 s. At most MAX_SUBSCRIBERS streams; a stream is dropped when its client goes away or its
 * session ends. Nothing runs while no stream is open.
 */
export class EventHub {
  private readonly subs = new Set<Subscriber>();
  private readonly src: EventSources;
  private stopListening: (() => void) | null = null;
  private ping: NodeJS.Timeout | null = null;
  private policyTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private lastStats = 0;
  private lastPolicy = { generation: -1, ok: true };

  constructor(src: EventSources) {
    this.src = src;
  }

  private frame(event: string, data: unknown): string {
    return `event: ${event}\ndata: ${this.src.scrub(JSON.stringify(data))}\n\n`;
  }

  get size(): number {
    return this.subs.size;
  }

  /** A new stream (the Response body of GET /console/api/events); 503 when MAX_SUBSCRIBERS are open. */
  open(signal: AbortSignal | null, alive: () => boolean): Response {
    if (this.subs.size >= MAX_SUBSCRIBERS) throw consoleError(503, `at most ${MAX_SUBSCRIBERS} console event streams at once: close a console tab`, 'too_many_streams');
    const enc = new TextEncoder();
    let sub: Subscriber | null = null;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        sub = {
          send: (chunk) => {
            if (!open) return;
            try {
              controller.enqueue(enc.encode(chunk));
            } catch {
              this.drop(sub!);
            }
          },
          close: () => {
            if (!open) return;
            open = false;
            try {
              controller.close();
            } catch {
              /* already closed */
            }
          },
          alive,
        };
        this.add(sub);
        sub.send(`retry: 3000\n\n`);
        sub.send(this.frame('policy', this.src.policy()));
        signal?.addEventListener('abort', () => this.drop(sub!), { once: true });
      },
      cancel: () => {
        if (sub) this.drop(sub);
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' } });
  }

  /** Close every stream (the gateway is closing). */
  closeAll(): void {
    for (const s of [...this.subs]) this.drop(s);
  }

  private add(s: Subscriber): void {
    this.subs.add(s);
    if (this.subs.size !== 1) return;
    this.lastPolicy = this.src.policy();
    this.stopListening = this.src.listen((row) => this.onRow(row));
    this.ping = setInterval(() => {
      for (const x of [...this.subs]) {
        if (!x.alive()) this.drop(x);
        else x.send(': ping\n\n');
      }
    }, PING_MS);
    this.policyTimer = setInterval(() => this.checkPolicy(), POLICY_POLL_MS);
    this.ping.unref();
    this.policyTimer.unref();
  }

  private drop(s: Subscriber): void {
    if (!this.subs.delete(s)) return;
    s.close();
    if (this.subs.size > 0) return;
    this.stopListening?.();
    this.stopListening = null;
    for (const t of [this.ping, this.policyTimer, this.statsTimer]) if (t) clearInterval(t);
    this.ping = this.policyTimer = this.statsTimer = null;
  }

  private broadcast(event: string, data: unknown): void {
    const chunk = this.frame(event, data);
    for (const s of [...this.subs]) s.send(chunk);
  }

  private onRow(row: RequestRow): void {
    try {
      this.broadcast('log', this.src.logRow(row));
      if (this.statsTimer) return;
      const wait = Math.max(0, this.lastStats + STATS_EVERY_MS - Date.now());
      this.statsTimer = setTimeout(() => {
        this.statsTimer = null;
        this.lastStats = Date.now();
        if (this.subs.size) this.broadcast('stats', this.src.stats());
      }, wait);
      this.statsTimer.unref();
    } catch {
      /* the feed never breaks the request log */
    }
  }

  private checkPolicy(): void {
    const p = this.src.policy();
    if (p.generation === this.lastPolicy.generation && p.ok === this.lastPolicy.ok) return;
    this.lastPolicy = p;
    this.broadcast('policy', p);
  }
}
