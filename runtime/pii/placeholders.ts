import type { PiiFinding, PiiType } from './types.ts';

/**
 * Redaction with restoration: each personal value becomes a placeholder such as `[PHONE_1]` before the request
 * leaves; the same value always gets the same placeholder within a request, so the model can refer to it, and the
 * answer's placeholders are put back before the client sees them.
 */
export class PlaceholderMap {
  private byValue = new Map<string, string>();
  private byPlaceholder = new Map<string, string>();
  private counters = new Map<PiiType, number>();

  placeholderFor(type: PiiType, value: string): string {
    const key = `${type}\u0000${value}`;
    let p = this.byValue.get(key);
    if (!p) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      p = `[${type.toUpperCase()}_${n}]`;
      this.byValue.set(key, p);
      this.byPlaceholder.set(p, value);
    }
    return p;
  }

  get size(): number {
    return this.byPlaceholder.size;
  }

  /** Replace the findings' spans of `text` by placeholders. Findings must not overlap (detectPii guarantees it). */
  mask(text: string, findings: readonly PiiFinding[]): string {
    if (findings.length === 0) return text;
    let out = '';
    let pos = 0;
    for (const f of [...findings].sort((a, b) => a.start - b.start)) {
      if (f.start < pos) continue;
      out += text.slice(pos, f.start) + this.placeholderFor(f.type, text.slice(f.start, f.end));
      pos = f.end;
    }
    return out + text.slice(pos);
  }

  /**
   * Put the original values back wherever the answer quotes a placeholder. `encode` renders a value for its context
   * (`jsonStringText` inside JSON text such as tool-call arguments); plain text by default.
   */
  restore(text: string, encode?: (value: string) => string): string {
    if (this.byPlaceholder.size === 0 || !text.includes('[')) return text;
    return text.replace(/\[[A-Z_]+_\d+\]/g, (p) => {
      const v = this.byPlaceholder.get(p);
      return v === undefined ? p : encode ? encode(v) : v;
    });
  }
}

/** A value as it appears inside a JSON string literal (without the quotes): for restoring into JSON text. */
export function jsonStringText(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** The longest a placeholder can be; a stream holds back at most this many characters while one may be arriving. */
const MAX_PLACEHOLDER = 24;

/**
 * Restores placeholders in streamed text that may split a placeholder across chunks: text that could be the start
 * of one is held back until the next chunk (or the end) decides.
 */
export class StreamRestorer {
  private pending = '';
  private map: PlaceholderMap;
  private encode: ((value: string) => string) | undefined;
  constructor(map: PlaceholderMap, encode?: (value: string) => string) {
    this.map = map;
    this.encode = encode;
  }

  push(chunk: string): string {
    const text = this.pending + chunk;
    const open = text.lastIndexOf('[');
    if (open !== -1 && text.indexOf(']', open) === -1 && text.length - open <= MAX_PLACEHOLDER && /^\[[A-Z_0-9]*$/.test(text.slice(open))) {
      this.pending = text.slice(open);
      return this.map.restore(text.slice(0, open), this.encode);
    }
    this.pending = '';
    return this.map.restore(text, this.encode);
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return this.map.restore(rest, this.encode);
  }
}
