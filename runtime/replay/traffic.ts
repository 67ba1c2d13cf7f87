/**
 * Traffic for `gw replay`: JSONL, one request per line, in the order they arrived —
 * `{"at": ISO-8601, "endpoint": "chat"|"messages"|"responses", "request": <the client's body>,
 *   "usage": {"prompt_tokens": N, "completion_tokens": M}, "headers": {…}}` (usage and headers optional).
 */

export type TrafficEndpoint = 'chat' | 'messages' | 'responses';

export interface TrafficUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface TrafficLine {
  at: string;
  endpoint: TrafficEndpoint;
  request: Record<string, unknown>;
  usage?: TrafficUsage;
  headers?: Record<string, string>;
  /** models that failed for this request when it was served (from the log), in order; replayed by `--failures recorded` */
  failed?: string[];
  /** the model that answered when it was served (from the log) */
  model?: string;
  /** the random draw the gateway used when it was served (from the log): a replay under the same policy decides alike */
  draw?: number;
}

/** A parsed line with its epoch time and its line number in the file (1-based), for error messages and `--at`. */
export interface TrafficRequest extends TrafficLine {
  t: number;
  line: number;
}

export class TrafficError extends Error {}

const ENDPOINTS = new Set<TrafficEndpoint>(['chat', 'messages', 'responses']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function count(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1e9) throw new TrafficError(`${where} must be a whole number of tokens (0 to 1e9)`);
  return v;
}

/** One line of traffic, checked: a clear message naming the line and the field, never a crash. */
export function parseTrafficLine(text: string, line: number, file = 'traffic'): TrafficRequest {
  const where = `${file}:${line}`;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TrafficError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (!isObject(v)) throw new TrafficError(`${where}: a line must be a JSON object`);
  if (typeof v.at !== 'string') throw new TrafficError(`${where}: "at" must be an ISO-8601 time`);
  const t = Date.parse(v.at);
  if (Number.isNaN(t)) throw new TrafficError(`${where}: "at" is not a time: ${JSON.stringify(v.at).slice(0, 60)}`);
  const endpoint = (v.endpoint ?? 'chat') as TrafficEndpoint;
  if (!ENDPOINTS.has(endpoint)) throw new TrafficError(`${where}: "endpoint" must be chat, messages or responses`);
  if (!isObject(v.request)) throw new TrafficError(`${where}: "request" must be the client's request body (an object)`);
  const out: TrafficRequest = { at: v.at, t, endpoint, request: v.request, line };
  if (v.usage !== undefined && v.usage !== null) {
    if (!isObject(v.usage)) throw new TrafficError(`${where}: "usage" must be an object`);
    const u = v.usage;
    const prompt = u.prompt_tokens ?? u.input_tokens;
    const completion = u.completion_tokens ?? u.output_tokens;
    out.usage = { prompt_tokens: count(prompt, `${where}: usage.prompt_tokens`), completion_tokens: count(completion, `${where}: usage.completion_tokens`) };
  }
  if (v.headers !== undefined) {
    if (!isObject(v.headers)) throw new TrafficError(`${where}: "headers" must be an object of strings`);
    const h: Record<string, string> = {};
    for (const [k, x] of Object.entries(v.headers)) {
      if (typeof x !== 'string') throw new TrafficError(`${where}: headers.${k} must be a string`);
      h[k.toLowerCase()] = x;
    }
    out.headers = h;
  }
  if (v.failed !== undefined) {
    if (!Array.isArray(v.failed) || !v.failed.every((x) => typeof x === 'string')) throw new TrafficError(`${where}: "failed" must be a list of model ids`);
    out.failed = v.failed as string[];
  }
  if (v.model !== undefined && v.model !== null) {
    if (typeof v.model !== 'string') throw new TrafficError(`${where}: "model" must be the provider/model that answered`);
    out.model = v.model;
  }
  if (v.draw !== undefined) {
    if (typeof v.draw !== 'number' || !(v.draw >= 0 && v.draw < 1)) throw new TrafficError(`${where}: "draw" must be a number in [0, 1)`);
    out.draw = v.draw;
  }
  return out;
}

/** Every line of a JSONL text (blank lines skipped), sorted by time; lines with the same time keep their order. */
export function parseTraffic(text: string, file = 'traffic'): TrafficRequest[] {
  const out: TrafficRequest[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (s === '') continue;
    out.push(parseTrafficLine(s, i + 1, file));
  }
  return out.map((r, i) => [r, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([r]) => r);
}

export function trafficLineText(l: TrafficLine): string {
  const o: TrafficLine = { at: l.at, endpoint: l.endpoint, request: l.request };
  if (l.usage) o.usage = l.usage;
  if (l.headers && Object.keys(l.headers).length) o.headers = l.headers;
  if (l.failed && l.failed.length) o.failed = l.failed;
  if (l.model) o.model = l.model;
  if (l.draw !== undefined) o.draw = l.draw;
  return JSON.stringify(o);
}
