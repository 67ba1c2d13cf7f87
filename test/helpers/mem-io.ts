import type { Io } from '../../cli/io.ts';

/** An in-memory Io: CLI commands run in-process, their output collected. */
export function memoryIo(cwd: string, env: Record<string, string> = {}): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    env,
    cwd,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
