import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Pending } from './log-batch.ts';

/** The longest a read waits for the log-writer thread to commit what was handed to it. */
const WAIT_MS = 10_000;

/**
 * The request log's writes on a thread of their own (log-writer-worker.ts), with its own connection to the state
 * database: compressing the bodies and inserting the rows cost the gateway's thread more than routing a request did.
 * `send` hands a batch over (a postMessage; nothing waits); `waitAll` blocks until the thread has committed every
 * batch sent (Atomics.wait on a shared counter), which reads call first so they see every finished request. Batches
 * are kept until committed: if the thread dies, `onFail` gets the ones it did not commit, to be written inline.
 */
export class LogWriter {
  private readonly worker: Worker;
  private readonly shared: BigInt64Array;
  private seq = 0;
  private inflight: { seq: number; batch: Pending[] }[] = [];
  private dead = false;
  private closed = false;

  private constructor(worker: Worker, shared: BigInt64Array, onError: (message: string) => void, onFail: (uncommitted: Pending[][]) => void) {
    this.worker = worker;
    this.shared = shared;
    worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
    const fail = (why: string) => {
      if (this.dead || this.closed) return;
      this.dead = true;
      this.trim();
      const left = this.inflight.map((f) => f.batch);
      this.inflight = [];
      onError(`request log: the log-writer thread stopped (${why}); the gateway writes the log itself`);
      onFail(left);
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    worker.unref(); // never what keeps the process alive
  }

  /** Start the thread on the database file `file`; null (and `onError`) when it cannot start. */
  static start(file: string, onError: (message: string) => void, onFail: (uncommitted: Pending[][]) => void): LogWriter | null {
    const state = new SharedArrayBuffer(16);
    try {
      return new LogWriter(spawn({ file, state }), new BigInt64Array(state), onError, onFail);
    } catch (e) {
      onError(`request log: no log-writer thread (${(e as Error).message}); the gateway writes the log itself`);
      return null;
    }
  }

  /** The thread is running (false once it failed or was closed). */
  get alive(): boolean {
    return !this.dead && !this.closed;
  }

  send(batch: Pending[]): void {
    const seq = ++this.seq;
    this.worker.postMessage({ seq, batch });
    this.inflight.push({ seq, batch });
    this.trim();
  }

  /** Everything sent is committed. */
  get idle(): boolean {
    return Atomics.load(this.shared, 0) >= BigInt(this.seq);
  }

  /** Block until everything sent is committed (or the thread is gone, or WAIT_MS passed). */
  waitAll(): void {
    const until = performance.now() + WAIT_MS;
    const target = BigInt(this.seq);
    for (;;) {
      const at = Atomics.load(this.shared, 0);
      if (at >= target || this.dead) break;
      const left = until - performance.now();
      if (left <= 0 || Atomics.wait(this.shared, 0, at, left) === 'timed-out') break;
    }
    this.trim();
  }

  /** Commit what was sent, then close the thread's connection (waits for it, briefly). */
  close(): void {
    if (!this.alive) return;
    this.waitAll();
    this.closed = true;
    this.worker.postMessage({ close: true });
    const until = performance.now() + 2000;
    while (Atomics.load(this.shared, 1) === 0n) {
      const left = until - performance.now();
      if (left <= 0 || Atomics.wait(this.shared, 1, 0n, left) === 'timed-out') break;
    }
  }

  private trim(): void {
    const at = Number(Atomics.load(this.shared, 0));
    let i = 0;
    while (i < this.inflight.length && this.inflight[i]!.seq <= at) i++;
    if (i) this.inflight.splice(0, i);
  }
}

/**
 * The compiled build runs dist/log-writer-worker.js (bin/build.js emits it next to the chunks); from the sources
 * (development, tests) the thread registers tsx first and runs the .ts file.
 */
function spawn(workerData: { file: string; state: SharedArrayBuffer }): Worker {
  if (process.env.GW_COMPILED === '1') return new Worker(new URL('./log-writer-worker.js', import.meta.url), { workerData });
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./log-writer-worker.ts', import.meta.url).href;
  const boot = `const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((m) => { m.register(); return import(workerData.entry); }).catch((e) => { throw e; });`;
  return new Worker(boot, { eval: true, workerData: { ...workerData, tsxApi, entry } });
}
