import { detectPii } from './detect.ts';
import type { PlaceholderMap } from './placeholders.ts';
import type { PiiFinding, PiiType } from './types.ts';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every string inside a JSON value, masked (a tool_use `input` object stays an object of the same shape). */
function maskDeep(value: unknown, mask: (s: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, mask);
    return out;
  }
  return value;
}

/** The text of a thinking block (the part a signature covers). */
function thinkingText(b: Json): string | null {
  return b.type === 'thinking' && typeof b.thinking === 'string' ? b.thinking : null;
}

/**
 * The texts of an Anthropic Messages body the router's view leaves out but that still go upstream: the thinking of
 * earlier assistant turns. The PII scan of /v1/messages reads them after the router's parts.
 */
export function thinkingTexts(body: Json): string[] {
  const out: string[] = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(m) || !Array.isArray(m.content)) continue;
    for (const b of m.content) {
      const t = isObject(b) ? thinkingText(b) : null;
      if (t) out.push(t);
    }
  }
  return out;
}

/**
 * A copy of an Anthropic Messages body (`/v1/messages`) with every detected personal value replaced by its
 * placeholder, covering what the PII scan reads: `system` (string or text blocks), text blocks, plain-text documents,
 * tool_result content (string or blocks, nested), and every string inside a tool_use input. A thinking block cannot be
 * edited (its signature covers the text): one that holds personal data is left out of the copy — Anthropic ignores the
 * thinking of earlier turns, and an OpenAI upstream never receives thinking. The client's body is not changed.
 */
export function redactMessagesBody(body: Json, types: readonly PiiType[], map: PlaceholderMap, known?: ReadonlyMap<string, PiiFinding[]>): Json {
  const found = (s: string) => known?.get(s) ?? detectPii(s, types);
  const mask = (s: string) => map.mask(s, found(s));
  const block = (b: unknown): unknown => {
    if (!isObject(b)) return b;
    switch (b.type) {
      case 'text':
        return typeof b.text === 'string' ? { ...b, text: mask(b.text) } : b;
      case 'document':
        return isObject(b.source) && b.source.type === 'text' && typeof b.source.data === 'string' ? { ...b, source: { ...b.source, data: mask(b.source.data) } } : b;
      case 'tool_use':
      case 'server_tool_use':
        return b.input === undefined ? b : { ...b, input: maskDeep(b.input, mask) };
      default:
        if (typeof b.type === 'string' && b.type.endsWith('tool_result')) {
          if (typeof b.content === 'string') return { ...b, content: mask(b.content) };
          if (Array.isArray(b.content)) return { ...b, content: b.content.map(block) };
        }
        return b;
    }
  };
  const out: Json = { ...body };
  if (typeof body.system === 'string') out.system = mask(body.system);
  else if (Array.isArray(body.system)) out.system = body.system.map(block);
  if (Array.isArray(body.messages))
    out.messages = body.messages.map((m: unknown) => {
      if (!isObject(m)) return m;
      if (typeof m.content === 'string') return { ...m, content: mask(m.content) };
      if (!Array.isArray(m.content)) return m;
      const content = m.content
        .filter((b: unknown) => {
          const t = isObject(b) ? thinkingText(b) : null;
          return t === null || found(t).length === 0;
        })
        .map(block);
      return { ...m, content };
    });
  return out;
}

/** Every string inside a JSON value, restored. */
function restoreDeep(value: unknown, map: PlaceholderMap): unknown {
  if (typeof value === 'string') return map.restore(value);
  if (Array.isArray(value)) return value.map((v) => restoreDeep(v, map));
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = restoreDeep(v, map);
    return out;
  }
  return value;
}

/** Put personal values back into an Anthropic message JSON text: text blocks, and every string of a tool_use input. */
export function restoreMessage(text: string, map: PlaceholderMap): string {
  if (map.size === 0) return text;
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObject(j) || !Array.isArray(j.content)) return text;
  j.content = j.content.map((b: unknown) => {
    if (!isObject(b)) return b;
    if (b.type === 'text' && typeof b.text === 'string') return { ...b, text: map.restore(b.text) };
    if (b.type === 'tool_use' && b.input !== undefined) return { ...b, input: restoreDeep(b.input, map) };
    return b;
  });
  return JSON.stringify(j);
}
