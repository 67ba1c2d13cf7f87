import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/children.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildGateway {
  url: string;
  dir: string;
  proc: ChildProcess;
  /** the last few KB of its stdout and stderr */
  output(): string;
  /** resolves with the next line of its stderr that matches `re` */
  nextLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  close(): Promise<void>;
}

/**
 * The compiled gateway in its own process (`node bin/gw.js serve`, dist/ as `npm test` builds it), on 127.0.0.1, with
 * `policy` written to a temp dir and its state there. `nodeArgs` go before the script (e.g. `--cpu-prof`).
 */
export async function startChildGateway(policy: string, env: Record<string, string>, opts: { nodeArgs?: string[] } = {}): Promise<ChildGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-child-'));
  writeFileSync(join(dir, 'routes.gw'), policy);
  const port = await freePort();
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), 'bin/gw.js', 'serve', '--config', join(dir, 'routes.gw'), '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer) => void (tail = (tail + d.toString()).slice(-8192));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gw exited before it listened:\n${tail}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`gw did not start:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir,
    proc,
    output: () => tail,
    nextLine: (re, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => done(() => reject(new Error(`gw did not print ${re} within ${timeoutMs} ms`))), timeoutMs);
        const onData = (d: Buffer) => {
          const m = re.exec(d.toString());
          if (m) done(() => resolve(m));
        };
        const done = (settle: () => void) => {
          clearTimeout(t);
          proc.stderr!.off('data', onData);
          settle();
        };
        proc.stderr!.on('data', onData);
      }),
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGINT');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}
