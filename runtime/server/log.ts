/** The gateway's console log: one line per event, to stderr. Never given a secret (callers scrub upstream text). */
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
