import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Compression of the request log's bodies (request, response, decision, attempts): one version byte, then raw deflate
 * primed with a dictionary of the words these texts repeat (OpenAI and Anthropic field names, SSE framing, the
 * decision's keys), which is what makes a 1 KB body shrink (plain deflate gains little on short texts). The
 * dictionary of a version never changes (stored rows depend on it): a new one takes a new version byte.
 */
const V1 = 1;
const DICTIONARY_V1 = Buffer.from(
  [
    '{"model":"auto","messages":[{"role":"system","content":"',
    '"},{"role":"user","content":"',
    '"},{"role":"assistant","content":"',
    '","stream":true,"stream_options":{"include_usage":true},"max_tokens":',
    ',"temperature":',
    '{"id":"chatcmpl-","object":"chat.completion","created":',
    ',"model":"',
    '","choices":[{"index":0,"message":{"role":"assistant","content":"',
    '"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":',
    ',"completion_tokens":',
    ',"total_tokens":',
    '}}\n\ndata: {"id":"chatcmpl-","object":"chat.completion.chunk","created":',
    '"choices":[{"index":0,"delta":{"content":"',
    '"},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
    '{"type":"message","role":"assistant","content":[{"type":"text","text":"',
    '"}],"stop_reason":"end_turn","usage":{"input_tokens":',
    ',"output_tokens":',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"',
    '[{"provider":"',
    '","model":"',
    '","ok":true,"ms":',
    '"scenario":"',
    '"tier":"free"',
    '"tier":"paid"',
    '"candidates":[',
    '"reason":"',
    '"trace":[',
    'willingness',
    'routes.gw:',
  ].join(''),
);

/** Level 1 with a 4 KB window and small state: most of a call's cost is setting up the stream, not the level. */
const DEFLATE = { dictionary: DICTIONARY_V1, level: 1, memLevel: 4, windowBits: 12 } as const;

/** The four texts of a logged request, as `packLog` takes them and `unpackLog` gives them back. */
export type LogTexts = [request: string | null, response: string | null, decision: string | null, attempts: string | null];

/**
 * A logged request's texts in one compressed value (one deflate call per request: most of a call's cost is setting
 * up the stream, so four short texts cost four times one long one). Layout after the version byte, compressed: for
 * each text its length in UTF-16 units and ":" ("-" for null), then the text.
 */
export function packLog(texts: LogTexts): Buffer {
  const joined = texts.map((t) => (t === null ? '-' : `${t.length}:${t}`)).join('');
  const z = deflateRawSync(joined, DEFLATE);
  const out = Buffer.allocUnsafe(z.length + 1);
  out[0] = V1;
  z.copy(out, 1);
  return out;
}

export function unpackLog(v: Uint8Array): LogTexts {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (b[0] !== V1) throw new Error(`request log: a body stored with unknown compression version ${b[0]}`);
  const s = inflateRawSync(b.subarray(1), { dictionary: DICTIONARY_V1, windowBits: DEFLATE.windowBits }).toString('utf8');
  const out: (string | null)[] = [];
  let i = 0;
  while (out.length < 4) {
    if (s[i] === '-') {
      out.push(null);
      i++;
      continue;
    }
    const colon = s.indexOf(':', i);
    const n = Number(s.slice(i, colon));
    if (colon < 0 || !Number.isInteger(n) || colon + 1 + n > s.length) throw new Error('request log: a packed body is malformed');
    out.push(s.slice(colon + 1, colon + 1 + n));
    i = colon + 1 + n;
  }
  return out as LogTexts;
}
