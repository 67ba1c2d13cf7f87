/**
 * Depth and size limits for a JSON request body, checked on its text before `JSON.parse` builds anything: one linear
 * pass with fixed-size stacks, so a body of a million `[` costs a scan, not a parse, a stack overflow later (the
 * upstream request's serialisation, the request log) or a recursion in any walker.
 */

/** No request gw serves nests deeper (tool schemas with nested objects are a few dozen levels at most). */
export const MAX_JSON_DEPTH = 128;
/** Array elements and object members in one body (an embeddings request of token arrays stays well below). */
export const MAX_JSON_ITEMS = 1_000_000;

export interface JsonLimits {
  maxDepth: number;
  maxItems: number;
}

export type JsonPathSegment = string | number;

export type LimitBreach = { kind: 'depth' | 'items'; limit: number; path: JsonPathSegment[] };

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const KEY_SHOWN = 64;

/** `text` holds at most `max` open brackets (`[` and `{`, in strings or not). */
function bracketsAtMost(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > max) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > max) return false;
  return true;
}

/**
 * Where `text` first goes past a limit, with the JSON path of the value there, or null. Malformed text is not judged
 * here (JSON.parse says what is wrong with it); the scan only counts brackets outside strings.
 */
export function jsonLimitBreach(text: string, limits: JsonLimits = { maxDepth: MAX_JSON_DEPTH, maxItems: MAX_JSON_ITEMS }): LimitBreach | null {
  const { maxDepth, maxItems } = limits;
  // most bodies cannot breach either limit: nesting needs an open bracket per level, and every value at least a
  // character. Counting brackets with indexOf is a fraction of the scan below (and allocates nothing).
  if (text.length <= maxItems && bracketsAtMost(text, maxDepth)) return null;
  return scanLimits(text, limits);
}

/** jsonLimitBreach without its shortcut: the scan of every character. */
export function scanLimits(text: string, limits: JsonLimits): LimitBreach | null {
  const { maxDepth, maxItems } = limits;
  // per open container (1-based depth): array or object, the index of the current element, the current key's span
  const isArray = new Uint8Array(maxDepth + 2);
  const index = new Int32Array(maxDepth + 2);
  const keyStart = new Int32Array(maxDepth + 2).fill(-1);
  const keyEnd = new Int32Array(maxDepth + 2);
  let depth = 0;
  let items = 0;
  let strStart = -1;
  let strEnd = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // jump to the closing quote: the first one not escaped by an odd run of backslashes
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return null; // unterminated: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      strStart = i + 1;
      strEnd = j;
      i = j;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth > maxDepth) return { kind: 'depth', limit: maxDepth, path: pathAt(text, depth - 1, isArray, index, keyStart, keyEnd) };
      isArray[depth] = c === OPEN_ARRAY ? 1 : 0;
      index[depth] = 0;
      keyStart[depth] = -1;
      if (c === OPEN_ARRAY) {
        // an empty array has no element: count its first one when something other than `]` follows
        let k = i + 1;
        while (k < n && isSpace(text.charCodeAt(k))) k++;
        if (k < n && text.charCodeAt(k) !== CLOSE_ARRAY) items++;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    } else if (c === COLON) {
      if (depth > 0 && !isArray[depth]) {
        keyStart[depth] = strStart;
        keyEnd[depth] = strEnd;
        items++;
      }
    } else if (c === COMMA) {
      if (depth > 0 && isArray[depth]) {
        index[depth]++;
        items++;
      }
    } else continue;
    if (items > maxItems) return { kind: 'items', limit: maxItems, path: pathAt(text, depth, isArray, index, keyStart, keyEnd) };
  }
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function pathAt(text: string, depth: number, isArray: Uint8Array, index: Int32Array, keyStart: Int32Array, keyEnd: Int32Array): JsonPathSegment[] {
  const path: JsonPathSegment[] = [];
  for (let d = 1; d <= depth; d++) {
    if (isArray[d]) path.push(index[d]!);
    else if (keyStart[d]! >= 0) path.push(readKey(text.slice(keyStart[d], Math.min(keyEnd[d]!, keyStart[d]! + KEY_SHOWN * 6))));
  }
  return path;
}

function readKey(raw: string): string {
  let key: string;
  try {
    key = JSON.parse(`"${raw}"`) as string;
  } catch {
    key = raw; // cut inside an escape
  }
  return key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key;
}

/** `messages[0].content[2]["a b"]`, OpenAI's `param` style. */
export function openaiPath(path: readonly JsonPathSegment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === '' ? '(body)' : out;
}

/** `messages.0.content.2.a b`, as Anthropic's errors name a field. */
export function anthropicPath(path: readonly JsonPathSegment[]): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}
