import type { Scrubber } from '../secrets/scrubber.ts';

/** The gateway's console log: one line per event, to stderr. Every line passes the policy's scrubber (scrubbingLogger). */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** one line per finished request (stdout on the console) */
  request?(line: string): void;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Events to stderr, request lines to stdout (at info and below); `level` drops what is less severe. */
export function consoleLogger(level: LogLevel = 'info'): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const line = (at: number, name: string, msg: string) => {
    if (at >= rank) process.stderr.write(`${new Date().toISOString()} ${name} ${msg}\n`);
  };
  return {
    info: (m) => line(1, 'info ', m),
    warn: (m) => line(2, 'warn ', m),
    error: (m) => line(3, 'error', m),
    request: (m) => {
      if (rank <= 1) requestLines.push(`${new Date().toISOString()} ${m}\n`);
    },
  };
}

/**
 * Request lines written together once per turn of the event loop: stdout on a pipe or a file is a synchronous write
 * per call on Linux, one syscall per request under load. What is left is written when the process exits.
 */
const requestLines = {
  text: '',
  scheduled: false,
  push(line: string): void {
    this.text += line;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(flushRequestLines);
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', flushRequestLines);
      }
    }
  },
};
let exitHooked = false;
function flushRequestLines(): void {
  requestLines.scheduled = false;
  if (!requestLines.text) return;
  const t = requestLines.text;
  requestLines.text = '';
  process.stdout.write(t);
}

/**
 * The request line: id, endpoint, client model → model, scenario, tier, status, tokens, ms; a refusal or failure
 * adds its type and message (gw's own 4xx included).
 */
export function requestLine(r: {
  id: string;
  endpoint: string;
  requestedModel: string;
  model: string | null;
  scenario: string | null;
  tier: string | null;
  status: number;
  tokens: number | null;
  ms: number;
  error: { type: string; message: string } | null;
}): string {
  const tokens = r.tokens === null ? '-' : `${r.tokens} tok`;
  const why = r.error ? ` ${r.error.type}: ${r.error.message.replace(/\s+/g, ' ').slice(0, 300)}` : '';
  return `${r.id.slice(0, 8)} ${r.endpoint} ${r.requestedModel || '-'} → ${r.model ?? '-'} ${r.scenario ?? '-'} ${r.tier ?? '-'} ${r.status} ${tokens} ${Math.round(r.ms)} ms${why}`;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Collects lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), request: (m) => lines.push(`request ${m}`) };
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
  const out: Logger = { info: (m) => inner.info(safe(m)), warn: (m) => inner.warn(safe(m)), error: (m) => inner.error(safe(m)) };
  if (inner.request) out.request = (m) => inner.request!(safe(m));
  return out;
}
