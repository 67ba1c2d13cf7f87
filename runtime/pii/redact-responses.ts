import { detectPii } from './detect.ts';
import { jsonStringText, StreamRestorer, type PlaceholderMap } from './placeholders.ts';
import type { FrameRewriter } from './restore-stream.ts';
import type { PiiType } from './types.ts';

/**
 * `pii { redact }` for the OpenAI Responses API (`/v1/responses`): the request's texts masked with placeholders, the
 * answer's (JSON, stored, and streamed event by event) given the values back.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields of an item or content part that hold text (a function call's `arguments` is JSON text). */
const TEXT_FIELDS = new Set(['text', 'arguments', 'output', 'input', 'content']);
/** Fields that hold lists of parts with text. */
const PART_LISTS = new Set(['content', 'output', 'summary']);

/** Every text field of an item, its parts included, through `f` (`json` says the field is JSON text); other fields as they are. */
function mapItem(item: unknown, f: (s: string, json: boolean) => string): unknown {
  if (!isObject(item)) return item;
  const out: Json = { ...item };
  for (const [k, v] of Object.entries(item)) {
    if (typeof v === 'string' && TEXT_FIELDS.has(k)) out[k] = f(v, k === 'arguments');
    else if (Array.isArray(v) && PART_LISTS.has(k)) out[k] = v.map((p) => mapItem(p, f));
  }
  return out;
}

/**
 * A copy of a Responses body with every detected personal value replaced by its placeholder: `instructions`, a string
 * `input`, and in input items message text (string or parts), function-call arguments, tool outputs, custom tool
 * input, reasoning summaries. Images, files, ids and names are left as they are. The client's body is not changed.
 */
export function redactResponsesBody(body: Json, types: readonly PiiType[], map: PlaceholderMap): Json {
  const mask = (s: string) => map.mask(s, detectPii(s, types));
  const out: Json = { ...body };
  if (typeof body.instructions === 'string') out.instructions = mask(body.instructions);
  if (typeof body.input === 'string') out.input = mask(body.input);
  else if (Array.isArray(body.input))
    out.input = body.input.flatMap((it) => {
      const masked = mapItem(it, mask);
      // Anthropic's signed thinking cannot be edited (the signature covers the text): one with personal data is left out
      const signed = isObject(it) && it.type === 'reasoning' && typeof it.encrypted_content === 'string' && it.encrypted_content.startsWith('gw:');
      return signed && JSON.stringify(masked) !== JSON.stringify(it) ? [] : [masked];
    });
  return out;
}

/** A response object with the values back in every output item (message text, arguments, summaries). */
export function restoreResponseObject<T>(response: T, map: PlaceholderMap): T {
  if (map.size === 0 || !isObject(response) || !Array.isArray(response.output)) return response;
  const restore = (s: string, json: boolean) => map.restore(s, json ? jsonStringText : undefined);
  return { ...response, output: response.output.map((it) => mapItem(it, restore)) };
}

/** `restoreResponseObject` over the JSON text of a response. */
export function restoreResponseText(text: string, map: PlaceholderMap): string {
  if (map.size === 0) return text;
  try {
    return JSON.stringify(restoreResponseObject(JSON.parse(text) as unknown, map));
  } catch {
    return text;
  }
}

/** Delta events that carry text, the field of their `.done` event that carries the whole of it, and whether it is JSON text. */
const DELTAS: Record<string, { done: string; field: string; json: boolean; key: (e: Json) => string }> = {
  'response.output_text.delta': { done: 'response.output_text.done', field: 'text', json: false, key: (e) => `t:${e.output_index}:${e.content_index}` },
  'response.reasoning_summary_text.delta': { done: 'response.reasoning_summary_text.done', field: 'text', json: false, key: (e) => `s:${e.output_index}:${e.summary_index}` },
  'response.reasoning_text.delta': { done: 'response.reasoning_text.done', field: 'text', json: false, key: (e) => `r:${e.output_index}:${e.content_index}` },
  'response.function_call_arguments.delta': { done: 'response.function_call_arguments.done', field: 'arguments', json: true, key: (e) => `a:${e.output_index}` },
  'response.custom_tool_call_input.delta': { done: 'response.custom_tool_call_input.done', field: 'input', json: false, key: (e) => `c:${e.output_index}` },
};
const DONE = new Map(Object.entries(DELTAS).map(([delta, d]) => [d.done, { ...d, delta }]));
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** A FrameRewriter for Responses events that also renumbers a frame made outside it (the stream's own failure event). */
export interface ResponsesRestorer extends FrameRewriter {
  renumber(frame: string): string;
}

/**
 * Placeholder restoration for a Responses event stream: each delta kind per output item (and content part) through its
 * own StreamRestorer, so a placeholder split across deltas comes out whole; what one holds back goes out as one more
 * delta just before its `.done` event, whose full text is restored. Parts, items and the final response are restored
 * whole. Every event's `sequence_number` is shifted by the deltas added before it, so the numbers stay increasing.
 */
export function responsesStreamRestorer(map: PlaceholderMap): ResponsesRestorer {
  const open = new Map<string, { r: StreamRestorer; delta: string; base: Json }>();
  let added = 0;
  // the last sequence number the upstream's events carried (before the shift)
  let lastSeq = -1;
  const emit = (e: Json): string => {
    if (typeof e.sequence_number === 'number') e.sequence_number += added;
    return `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`;
  };
  const flush = (key: string | null, seq: number): string => {
    let out = '';
    for (const [k, o] of open) {
      if (key !== null && k !== key) continue;
      open.delete(k);
      const text = o.r.flush();
      if (text === '') continue;
      out += emit({ ...o.base, type: o.delta, delta: text, sequence_number: seq });
      added++;
    }
    return out;
  };
  const rewrite = (frame: string, restoreText: boolean): string => {
    let out = '';
    for (const block of frame.split('\n\n')) {
      if (block.trim() === '') continue;
      const line = block.split('\n').find((l) => l.startsWith('data:'));
      let e: Json | null = null;
      try {
        const j: unknown = line ? JSON.parse(line.slice(5).trim()) : null;
        e = isObject(j) ? j : null;
      } catch {
        e = null;
      }
      if (!e || typeof e.type !== 'string') {
        out += `${block}\n\n`;
        continue;
      }
      const seq = typeof e.sequence_number === 'number' ? e.sequence_number : lastSeq + 1;
      lastSeq = Math.max(lastSeq, seq);
      const d = DELTAS[e.type];
      const done = DONE.get(e.type);
      if (restoreText && d && typeof e.delta === 'string') {
        const key = d.key(e);
        let o = open.get(key);
        if (!o) {
          const { delta: _d, sequence_number: _s, ...base } = e;
          o = { r: new StreamRestorer(map, d.json ? jsonStringText : undefined), delta: e.type, base };
          open.set(key, o);
        }
        e.delta = o.r.push(e.delta);
      } else if (restoreText && done) {
        out += flush(done.key(e), seq);
        if (typeof e[done.field] === 'string') e[done.field] = map.restore(e[done.field] as string, done.json ? jsonStringText : undefined);
      } else if (restoreText) {
        if (TERMINAL.has(e.type)) out += flush(null, seq);
        if (isObject(e.part)) e.part = mapItem(e.part, (s, json) => map.restore(s, json ? jsonStringText : undefined));
        if (isObject(e.item)) e.item = mapItem(e.item, (s, json) => map.restore(s, json ? jsonStringText : undefined));
        if (isObject(e.response)) e.response = restoreResponseObject(e.response, map);
      }
      out += emit(e);
    }
    return out;
  };
  return {
    push: (frame) => rewrite(frame, true),
    end: () => flush(null, lastSeq + 1),
    renumber: (frame) => rewrite(frame, false),
  };
}
