/** The failure classes of the policy's `retry on …` line, plus those never retried. */
export type FailureClass =
  | 'network'
  | 'rate_limit'
  | 'server'
  | 'quota'
  | 'auth'
  | 'invalid_request'
  | 'model_not_found'
  /** the model cannot take this request (output cap, context, an unsupported parameter or content type): another may */
  | 'model_fit'
  | 'content_filter';

export interface Failure {
  class: FailureClass;
  /** upstream HTTP status, or null for a network failure */
  status: number | null;
  /** a message safe to show the client: never holds a key or the upstream's raw headers */
  message: string;
  /** from Retry-After / retry-after-ms, in ms */
  retryAfterMs: number | null;
  /**
   * the gateway could not make the call (the request could not be built or sent): the upstream never saw it, so it
   * says nothing about the model (no failure count, no cooldown, no other model tried)
   */
  local?: true;
}

const QUOTA_WORDS = /insufficient_quota|quota|billing|balance|credit|exceeded your current|arrearage|余额|欠费|额度/i;
const FILTER_WORDS = /content[_ ]?filter|content_policy|data_inspection_failed|sensitive|safety|moderation|内容安全/i;
/**
 * A 400/422 about the fit of the request to this model rather than a malformed request: max_tokens above the output
 * cap (Anthropic, OpenAI, Groq, DeepSeek wordings), context exceeded, an unsupported parameter, content type or role,
 * thinking history this model requires.
 */
const FIT_WORDS = new RegExp(
  [
    String.raw`max_(?:completion_|output_)?tokens.{0,80}(?:maximum|at most|less than or equal|valid range|too large|exceed|>|<=)`,
    String.raw`maximum allowed number of output tokens|supports at most \d+ (?:completion|output) tokens`,
    String.raw`context[_ ]length|context window|maximum context|prompt is too long|too many (?:input )?tokens|input is too long|reduce the length`,
    String.raw`unsupported[_ ]parameter|unsupported value|not supported|does not support|unrecognized request argument|unknown parameter|extra inputs are not permitted`,
    String.raw`expected .?thinking.? or .?redacted_thinking`,
    String.raw`invalid .?signature.? in .?thinking.? block`,
  ].join('|'),
  'i',
);
const MODEL_WORDS = /model[_ ]?not[_ ]?found|does not exist|unknown model|no such model|model .* not (?:found|available)|invalid model/i;

/** Retry-After in seconds or as an HTTP date, or retry-after-ms; null when absent or unreadable. */
export function parseRetryAfter(headers: { get(name: string): string | null }, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = headers.get('retry-after');
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.max(0, Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** Classify an upstream HTTP error from its status and (parsed or raw) body. */
export function classifyHttp(status: number, bodyText: string, retryAfterMs: number | null): Failure {
  const snippet = upstreamMessage(bodyText);
  const text = `${snippet} ${bodyText.slice(0, 2000)}`;
  let cls: FailureClass;
  if (status === 401 || status === 403) cls = 'auth';
  else if (status === 402) cls = 'quota';
  else if (status === 429) cls = QUOTA_WORDS.test(text) && !/rate/i.test(snippet) ? 'quota' : 'rate_limit';
  else if (status === 404) cls = 'model_not_found';
  else if (status === 408 || status === 425) cls = 'network';
  else if (status >= 500) cls = 'server';
  else if (FILTER_WORDS.test(text)) cls = 'content_filter';
  else if (MODEL_WORDS.test(text)) cls = 'model_not_found';
  else if ((status === 400 || status === 422) && FIT_WORDS.test(text)) cls = 'model_fit';
  else cls = 'invalid_request';
  return { class: cls, status, message: `${status} ${snippet || httpText(status)}`.trim(), retryAfterMs };
}

/** The innermost error of a cause chain (ofetch's FetchError → fetch's TypeError → the socket's error). */
function rootCause(err: unknown): { name?: string; code?: string; message?: string } {
  let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && e?.cause && typeof e.cause === 'object'; i++) {
    if (e.code) break;
    e = e.cause as typeof e;
  }
  return e ?? {};
}

export function classifyNetwork(err: unknown, timeoutMs: number): Failure {
  // the body guard's own timeouts (idle between bytes, the attempt's deadline) say what happened themselves
  let own = err as { code?: string; message?: string; cause?: unknown } | null | undefined;
  for (let i = 0; i < 5 && own; i++, own = own.cause as typeof own) {
    if (own.code === 'GW_IDLE_TIMEOUT' || own.code === 'GW_DEADLINE') return { class: 'network', status: null, message: own.message ?? own.code, retryAfterMs: null };
    if (typeof own.cause !== 'object') break;
  }
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string }; message?: string };
  const root = rootCause(err);
  const code = root.code ?? e?.cause?.code ?? e?.code ?? '';
  const name = e?.name === 'TimeoutError' ? 'TimeoutError' : (root.name ?? e?.name ?? '');
  let message: string;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') message = `no answer within ${timeoutMs} ms`;
  else if (code === 'ECONNREFUSED') message = 'connection refused';
  else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') message = 'connection reset';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') message = 'host not found';
  else message = code ? `network error (${code})` : `network error (${(root.message ?? e?.message ?? 'unknown').slice(0, 120)})`;
  return { class: 'network', status: null, message, retryAfterMs: null };
}

/** OpenAI-style error codes and types (and Anthropic error types) → the HTTP status they stand for. */
const STATUS_BY_ERROR_WORD: Record<string, number> = {
  invalid_api_key: 401,
  authentication_error: 401,
  invalid_authentication: 401,
  unauthorized: 401,
  permission_error: 403,
  forbidden: 403,
  billing_error: 402,
  insufficient_quota: 402,
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  requests: 429,
  tokens: 429,
  model_not_found: 404,
  not_found_error: 404,
  request_too_large: 413,
  timeout_error: 504,
  overloaded_error: 529,
  api_error: 500,
  server_error: 500,
  service_unavailable: 503,
  invalid_request_error: 400,
};

/**
 * An error object that came with a 2xx status (`{"error": {…}}` as a 200 answer, or an error event in a stream): the
 * upstream's own error class, read from the object's numeric `status`/`code`, else its code or type words, else a
 * server error. The failure's status is the one the error stands for (a client must not get an error with a 200).
 */
export function classifyErrorBody(status: number, bodyText: string): Failure {
  let equiv = 500;
  try {
    const j = JSON.parse(bodyText) as Record<string, unknown>;
    const e = (j.error && typeof j.error === 'object' ? j.error : j) as Record<string, unknown>;
    const num = [e.status, e.code, j.status, j.code].map(Number).find((n) => Number.isInteger(n) && n >= 400 && n <= 599);
    if (num !== undefined) equiv = num;
    else {
      const words = [e.code, e.type, j.type !== 'error' ? j.type : undefined].filter((w): w is string => typeof w === 'string');
      const hit = words.map((w) => STATUS_BY_ERROR_WORD[w]).find((n) => n !== undefined);
      if (hit !== undefined) equiv = hit;
    }
  } catch {
    /* not JSON: a server error */
  }
  const f = classifyHttp(equiv, bodyText, null);
  return { ...f, message: `${f.message} (sent with status ${status})` };
}

/** The upstream's own error message, from OpenAI `{error:{message}}`, Anthropic `{error:{message}}` or `{message}` bodies. */
function upstreamMessage(bodyText: string): string {
  try {
    const j = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    return typeof m === 'string' ? m.slice(0, 300) : '';
  } catch {
    return bodyText.replace(/\s+/g, ' ').trim().slice(0, 200);
  }
}

function httpText(status: number): string {
  return status >= 500 ? 'upstream server error' : 'upstream error';
}
