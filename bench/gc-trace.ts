/**
 * The garbage collector's work in a child run with `--trace-gc`: each collection of its main thread (the first V8
 * isolate that reports; a worker thread is another isolate), stamped with the bench's clock when its line arrives, so
 * a load's window [from, to] (performance.now()) selects its collections.
 *
 *   [pid:0x…]  1234 ms: Scavenge 68.5 (88.6) -> 56.6 (89.1) MB, 2.66 / 0.01 ms  (average mu = …) allocation failure;
 *   [pid:0x…]  5678 ms: Mark-Compact 66.5 (97.4) -> 39.3 (86.1) MB, 12.88 / 3.51 ms  (+ 18.8 ms in 27 steps since start of marking, …)
 *
 * The heap allocated between two collections is what the second found minus what the first left; the pause is the
 * first figure after the sizes, plus a mark-compact's incremental steps (run on the main thread between requests).
 */
import type { Readable } from 'node:stream';

export interface GcEvent {
  at: number;
  kind: 'scavenge' | 'mark-compact' | 'other';
  beforeMb: number;
  afterMb: number;
  /** main-thread time: the pause, plus incremental marking steps */
  ms: number;
}

const LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact|[A-Za-z-]+)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+)(?: \/ [\d.]+)? ms(?:\s+\(\+ ([\d.]+) ms in \d+ steps)?/;

export class GcTrace {
  readonly events: GcEvent[] = [];
  private main: string | null = null;
  private rest = '';

  constructor(stdout: Readable) {
    stdout.on('data', (d: Buffer) => {
      const text = this.rest + d.toString();
      const lines = text.split('\n');
      this.rest = lines.pop()!;
      const at = performance.now();
      for (const line of lines) {
        if (!line.startsWith('[')) continue;
        const m = LINE.exec(line);
        if (!m) continue;
        this.main ??= m[1]!;
        if (m[1] !== this.main) continue;
        const kind = m[2] === 'Scavenge' ? 'scavenge' : m[2]!.startsWith('Mark') ? 'mark-compact' : 'other';
        this.events.push({ at, kind, beforeMb: Number(m[3]), afterMb: Number(m[5]), ms: Number(m[7]) + Number(m[8] ?? 0) });
      }
    });
  }

  /** The collections whose lines arrived in [from, to], and the heap allocated over them (MB). */
  window(from: number, to: number): { scavenges: number; markCompacts: number; gcMs: number; allocatedMb: number; heapAfterMb: number | null } {
    let scavenges = 0;
    let markCompacts = 0;
    let gcMs = 0;
    let allocatedMb = 0;
    let prevAfter: number | null = null;
    let heapAfterMb: number | null = null;
    for (const e of this.events) {
      if (e.at < from) {
        prevAfter = e.afterMb;
        continue;
      }
      if (e.at > to) break;
      if (e.kind === 'scavenge') scavenges++;
      else if (e.kind === 'mark-compact') markCompacts++;
      gcMs += e.ms;
      if (prevAfter !== null) allocatedMb += Math.max(0, e.beforeMb - prevAfter);
      prevAfter = e.afterMb;
      if (e.kind === 'mark-compact') heapAfterMb = e.afterMb;
    }
    return { scavenges, markCompacts, gcMs, allocatedMb, heapAfterMb };
  }
}
