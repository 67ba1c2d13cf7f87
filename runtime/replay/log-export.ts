import type { TrafficEndpoint, TrafficLine } from './traffic.ts';

const ENDPOINTS: Record<string, TrafficEndpoint> = { 'chat.completions': 'chat', messages: 'messages', responses: 'responses' };

/** Filler text of about `tokens` tokens (one short word ≈ one token), for a request logged without its body. */
function filler(tokens: number): string {
  return 'lorem '.repeat(Math.max(1, Math.min(tokens, 2_000_000))).trimEnd();
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * A logged request as a traffic line: its body as stored (PII masked as the log keeps it), its usage, the model
 * that answered, the draw the router used and the models that failed first. A request logged without its body
 * (`logs metadata` or withheld) is rebuilt as one user message of its prompt's token count under the model name it
 * asked for: `text ~` conditions cannot see it, token and model conditions can. Null: not a routable request (its
 * endpoint is unknown, or it was refused before it was read).
 */
export function trafficFromLogRow(row: Record<string, unknown>): TrafficLine | null {
  const endpoint = ENDPOINTS[String(row.endpoint)];
  if (!endpoint) return null;
  let request = parse(row.request_body) as Record<string, unknown> | null;
  const prompt = Number(row.prompt_tokens ?? 0);
  const completion = Number(row.completion_tokens ?? 0);
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    if (!row.requested_model && !prompt) return null;
    request = { model: String(row.requested_model || 'auto'), messages: [{ role: 'user', content: filler(prompt) }], ...(endpoint === 'messages' ? { max_tokens: Math.max(1, completion) } : {}) };
  }
  const line: TrafficLine = { at: new Date(Number(row.ts)).toISOString(), endpoint, request };
  if (prompt || completion) line.usage = { prompt_tokens: prompt, completion_tokens: completion };
  if (typeof row.model === 'string' && row.model) line.model = row.model;
  const decision = parse(row.decision) as { draw?: unknown } | null | undefined;
  if (decision && typeof decision.draw === 'number' && decision.draw >= 0 && decision.draw < 1) line.draw = decision.draw;
  const attempts = parse(row.attempt_list);
  if (Array.isArray(attempts)) {
    const failed = attempts.filter((a) => a && a.ok === false && typeof a.provider === 'string' && typeof a.model === 'string').map((a) => `${a.provider}/${a.model}`);
    if (failed.length) line.failed = failed;
  }
  return line;
}
