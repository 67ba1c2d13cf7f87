import { jsonStringText, StreamRestorer, type PlaceholderMap } from './placeholders.ts';

type Json = Record<string, unknown>;

/**
 * Rewrites a stream's SSE frames on their way to the client. `push` takes one frame as the adapters yield it (one or
 * more `…\n\n` events) and returns what to send now (maybe nothing); `end` returns what is still held back, for a
 * stream that ended (or broke) before its own closing events released it.
 */
export interface FrameRewriter {
  push(frame: string): string;
  end(): string;
}

interface SseEvent {
  raw: string;
  event: string | null;
  data: string;
}

function events(frame: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of frame.split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    out.push({ raw: `${block}\n\n`, event, data: data.join('\n') });
  }
  return out;
}

function parse(data: string): Json | null {
  try {
    const j: unknown = JSON.parse(data);
    return j !== null && typeof j === 'object' && !Array.isArray(j) ? (j as Json) : null;
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Text fields of an OpenAI delta that may quote placeholders. */
const OPENAI_TEXT_FIELDS = ['content', 'reasoning_content'] as const;

/**
 * Placeholder restoration for an OpenAI chat.completion.chunk stream: `delta.content` (and `reasoning_content`) as
 * text, tool-call argument deltas as JSON text, each per choice (and per tool call) with its own `StreamRestorer`, so
 * a placeholder split across chunks comes out whole. What a choice still holds is released with its finish_reason
 * (in that chunk's own delta field when it has one, else in a chunk sent just before it), the rest before `[DONE]`.
 */
export function openaiStreamRestorer(map: PlaceholderMap): FrameRewriter {
  const restorers = new Map<string, { r: StreamRestorer; choice: number; field: string; tool: number | null }>();
  let template: Json = { object: 'chat.completion.chunk' };
  const restorer = (choice: number, field: string, tool: number | null): StreamRestorer => {
    const key = `${choice}:${field}:${tool ?? ''}`;
    let e = restorers.get(key);
    if (!e) {
      e = { r: new StreamRestorer(map, tool === null ? undefined : jsonStringText), choice, field, tool };
      restorers.set(key, e);
    }
    return e.r;
  };
  /** Flush the restorers of `choice` (every choice when null) not already flushed into `own`; returns a chunk frame or ''. */
  const flushChunk = (choice: number | null, own?: Json): string => {
    const deltas = new Map<number, Json>();
    for (const [key, e] of restorers) {
      if (choice !== null && e.choice !== choice) continue;
      const text = e.r.flush();
      restorers.delete(key);
      if (text === '') continue;
      if (own && e.tool === null && typeof own[e.field] === 'string') {
        own[e.field] += text;
        continue;
      }
      if (own && e.tool !== null && Array.isArray(own.tool_calls)) {
        const t: unknown = own.tool_calls.find((x: unknown) => isObject(x) && (x.index ?? 0) === e.tool && isObject(x.function));
        if (isObject(t) && isObject(t.function)) {
          t.function.arguments = `${typeof t.function.arguments === 'string' ? t.function.arguments : ''}${text}`;
          continue;
        }
      }
      const d = deltas.get(e.choice) ?? {};
      deltas.set(e.choice, d);
      if (e.tool === null) d[e.field] = `${typeof d[e.field] === 'string' ? d[e.field] : ''}${text}`;
      else ((d.tool_calls ??= []) as Json[]).push({ index: e.tool, function: { arguments: text } });
    }
    if (deltas.size === 0) return '';
    const choices = [...deltas].map(([index, delta]) => ({ index, delta, logprobs: null, finish_reason: null }));
    return `data: ${JSON.stringify({ ...template, choices })}\n\n`;
  };
  return {
    push(frame) {
      let out = '';
      for (const ev of events(frame)) {
        if (ev.data.trim() === '[DONE]') {
          out += flushChunk(null) + ev.raw;
          continue;
        }
        const j = parse(ev.data);
        if (!j || !Array.isArray(j.choices)) {
          out += ev.raw;
          continue;
        }
        const { choices: _c, usage: _u, ...rest } = j;
        void _c;
        void _u;
        template = rest;
        let changed = false;
        let before = '';
        for (const c of j.choices) {
          if (!isObject(c)) continue;
          const index = typeof c.index === 'number' ? c.index : 0;
          const d = isObject(c.delta) ? c.delta : null;
          if (d) {
            for (const f of OPENAI_TEXT_FIELDS)
              if (typeof d[f] === 'string' && d[f] !== '') {
                d[f] = restorer(index, f, null).push(d[f]);
                changed = true;
              }
            if (Array.isArray(d.tool_calls))
              for (const t of d.tool_calls)
                if (isObject(t) && isObject(t.function) && typeof t.function.arguments === 'string' && t.function.arguments !== '') {
                  t.function.arguments = restorer(index, 'arguments', typeof t.index === 'number' ? t.index : 0).push(t.function.arguments);
                  changed = true;
                }
          }
          if (c.finish_reason !== null && c.finish_reason !== undefined) {
            before += flushChunk(index, d ?? undefined);
            changed = true;
          }
        }
        out += before + (changed ? `data: ${JSON.stringify(j)}\n\n` : ev.raw);
      }
      return out;
    },
    end() {
      return flushChunk(null);
    },
  };
}

/**
 * Placeholder restoration for an Anthropic Messages stream: `text_delta` text and `input_json_delta` partial JSON
 * (as JSON text), per content block. A block's held-back text goes out as one more delta just before its
 * `content_block_stop`; anything left, before `message_delta`/`message_stop`.
 */
export function anthropicStreamRestorer(map: PlaceholderMap): FrameRewriter {
  const blocks = new Map<number, { r: StreamRestorer; kind: 'text_delta' | 'input_json_delta' }>();
  const deltaEvent = (index: number, kind: 'text_delta' | 'input_json_delta', text: string) =>
    `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index, delta: kind === 'text_delta' ? { type: kind, text } : { type: kind, partial_json: text } })}\n\n`;
  const flush = (index: number | null): string => {
    let out = '';
    for (const [i, b] of blocks) {
      if (index !== null && i !== index) continue;
      blocks.delete(i);
      const text = b.r.flush();
      if (text !== '') out += deltaEvent(i, b.kind, text);
    }
    return out;
  };
  return {
    push(frame) {
      let out = '';
      for (const ev of events(frame)) {
        const j = parse(ev.data);
        const type = j && typeof j.type === 'string' ? j.type : ev.event;
        if (!j) {
          out += ev.raw;
          continue;
        }
        const index = typeof j.index === 'number' ? j.index : 0;
        if (type === 'content_block_delta' && isObject(j.delta)) {
          const d = j.delta;
          const kind = d.type === 'text_delta' ? 'text_delta' : d.type === 'input_json_delta' ? 'input_json_delta' : null;
          const field = kind === 'text_delta' ? 'text' : 'partial_json';
          if (kind && typeof d[field] === 'string' && d[field] !== '') {
            let b = blocks.get(index);
            if (!b) {
              b = { r: new StreamRestorer(map, kind === 'input_json_delta' ? jsonStringText : undefined), kind };
              blocks.set(index, b);
            }
            d[field] = b.r.push(d[field]);
            out += `event: ${ev.event ?? type}\ndata: ${JSON.stringify(j)}\n\n`;
            continue;
          }
        } else if (type === 'content_block_stop') out += flush(index);
        else if (type === 'message_delta' || type === 'message_stop') out += flush(null);
        out += ev.raw;
      }
      return out;
    },
    end() {
      return flush(null);
    },
  };
}
