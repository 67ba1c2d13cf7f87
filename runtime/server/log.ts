import type { Scrubber } from '../secrets/scrubber.ts';

/** The gateway's console log: one line per event, to stderr. Every line passes the policy's scrubber (scrubbingLogger). */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function consoleLogger(): Logger {
  const line = (level: string, msg: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`);
  return { info: (m) => line('info ', m), warn: (m) => line('warn ', m), error: (m) => line('error', m) };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Collects lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** Every line through the scrubber of the policy being served (known secrets and key-shaped text), then to `inner`. */
export function scrubbingLogger(inner: Logger, scrubber: () => Scrubber): Logger {
  const safe = (m: string) => {
    try {
      return scrubber().message(m);
    } catch {
      return m;
    }
  };
  return { info: (m) => inner.info(safe(m)), warn: (m) => inner.warn(safe(m)), error: (m) => inner.error(safe(m)) };
}
