import { detectPii } from '../pii/detect.ts';
import { maskText } from '../pii/mask.ts';
import { PII_TYPES } from '../pii/types.ts';

/** Strings already scanned for every type and masked (by the PII gate, off the log's path): string → its masked form. */
export type KnownPii = ReadonlyMap<string, string>;

/** Mask every personal value in every string of a JSON value (for request logs of flagged requests). */
export function redactDeep(value: unknown, known?: KnownPii | null): unknown {
  if (typeof value === 'string') {
    const masked = known?.get(value);
    if (masked !== undefined) return masked;
    const f = detectPii(value, PII_TYPES);
    return f.length ? maskText(value, f) : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, known));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, known);
    return out;
  }
  return value;
}

/** Mask personal values in a text body (an SSE stream's text, or JSON text). */
export function redactText(text: string): string {
  const f = detectPii(text, PII_TYPES);
  return f.length ? maskText(text, f) : text;
}
