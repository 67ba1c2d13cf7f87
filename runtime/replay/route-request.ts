import type { DecisionTable } from '../types/decision-table.ts';
import type { ChatMessage, RouteRequest } from '../router/types.ts';
import { requestParts } from '../router/request-text.ts';
import { scanParts } from '../pii/scan.ts';
import { chatRouteRequest, parseChatRequest } from '../server/chat-request.ts';
import { parseMessagesRequest } from '../server/messages-request.ts';
import { messagesRouteRequest } from '../server/messages-route.ts';
import type { TrafficRequest } from './traffic.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A Responses content part as the router reads it: text, or an image (counted as one). */
function responsesPart(p: unknown): { type: string; [k: string]: unknown } | null {
  if (!isObject(p)) return null;
  if ((p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string') return { type: 'text', text: p.text };
  if (p.type === 'input_image') return { type: 'image_url', image_url: { url: typeof p.image_url === 'string' ? p.image_url : '' } };
  return null;
}

/**
 * What the router needs of a Responses request body (`instructions`, `input` as a string or items, function tools,
 * `max_output_tokens`): the text it reads, images, tools. Routing only: nothing here goes upstream.
 */
function responsesMessages(body: Record<string, unknown>): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions) out.push({ role: 'system', content: body.instructions });
  const input = body.input;
  if (typeof input === 'string') out.push({ role: 'user', content: input });
  else if (Array.isArray(input))
    for (const item of input) {
      if (!isObject(item)) continue;
      if (item.type === 'function_call') out.push({ role: 'assistant', content: null, tool_calls: [{ function: { name: String(item.name ?? ''), arguments: String(item.arguments ?? '') } }] });
      else if (item.type === 'function_call_output') out.push({ role: 'tool', content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '') });
      else if (item.type === 'message' || (item.type === undefined && typeof item.role === 'string')) {
        const role = typeof item.role === 'string' ? item.role : 'user';
        const c = item.content;
        if (typeof c === 'string') out.push({ role, content: c });
        else if (Array.isArray(c)) out.push({ role, content: c.map(responsesPart).filter((p) => p !== null) });
      }
    }
  if (out.length === 0) throw new Error('input: a Responses request needs `input` (a string or items)');
  return out;
}

/**
 * The route request a logged or synthetic request makes, built as its front door builds it (the same parsers), with
 * the policy's PII rules run on its text (the classifier is not asked: a replay calls no model).
 */
export function replayRouteRequest(table: DecisionTable, r: TrafficRequest): RouteRequest {
  const headers: Record<string, string | undefined> = { ...(r.headers ?? {}) };
  let route: RouteRequest;
  if (r.endpoint === 'messages') route = messagesRouteRequest(table, parseMessagesRequest(r.request), new Headers(headers as Record<string, string>), null);
  else if (r.endpoint === 'responses') {
    const b = r.request;
    const max = b.max_output_tokens;
    route = {
      model: typeof b.model === 'string' ? b.model : 'auto',
      messages: responsesMessages(b),
      tools: Array.isArray(b.tools) && b.tools.length ? b.tools : null,
      headers,
      preferFreeTier: b.prefer_free_tier === true,
      priority: typeof b.priority === 'string' ? b.priority : null,
      maxTokens: typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : null,
      pii: null,
    };
  } else route = chatRouteRequest(parseChatRequest(r.request), headers, null);
  if (table.pii) route.pii = { findings: scanParts(table, requestParts(route).texts) };
  return route;
}
