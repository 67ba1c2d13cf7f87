/** Child processes for the gateway bench: spawn, wait until ready, stop (SIGINT, then SIGKILL), stop all. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  proc: ChildProcess;
  /** The last few KB of its stdout and stderr, for error messages. */
  output(): string;
  exited(): boolean;
  /** Ask it to stop (SIGINT), kill it (SIGKILL) if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

export function spawnChild(name: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Child {
  const proc = spawn(process.execPath, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d: Buffer) => void (tail = (tail + d.toString()).slice(-8192));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('error', (e) => (tail += `\n[spawn error] ${e.message}`));
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const child: Child = {
    name,
    proc,
    output: () => tail,
    exited,
    async stop(graceMs = 5000) {
      running.delete(child);
      if (exited()) return;
      proc.kill('SIGINT');
      if (await Promise.race([gone.then(() => true), sleep(graceMs).then(() => false)])) return;
      proc.kill('SIGKILL');
      await gone;
    },
  };
  running.add(child);
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

/** Last resort when the bench process exits abruptly: SIGKILL whatever is still running (synchronous). */
export function killAllNow(): void {
  for (const c of running) if (!c.exited()) c.proc.kill('SIGKILL');
}

function failed(child: Child, what: string): Error {
  return new Error(`${child.name}: ${what}\n--- its output ---\n${child.output().trim()}\n------------------`);
}

/** Resolve with the first match of `re` in the child's stdout. */
export function waitForLine(child: Child, re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) done(() => resolve(m));
    };
    const onExit = () => done(() => reject(failed(child, `exited before printing ${re}`)));
    const timer = setTimeout(() => done(() => reject(failed(child, `did not print ${re} within ${timeoutMs} ms`))), timeoutMs);
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.proc.stdout!.off('data', onData);
      child.proc.off('exit', onExit);
      settle();
    };
    child.proc.stdout!.on('data', onData);
    child.proc.once('exit', onExit);
  });
}

/** Poll `url` until it answers (any status below 500, or `ok` if given), failing early if the child exits. */
export async function waitForHttp(child: Child, url: string, init: RequestInit = {}, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) throw failed(child, `exited (code ${child.proc.exitCode}, signal ${child.proc.signalCode}) before ${url} answered`);
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw failed(child, `${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system, ms) a child has used so far, from /proc (Linux); NaN elsewhere. */
/** Resident set size of a child in MB (from /proc), NaN when unknown. */
export function rssMb(child: Child): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.proc.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function cpuMs(child: Child): number {
  try {
    const stat = readFileSync(`/proc/${child.proc.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux
