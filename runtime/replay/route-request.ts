import type { DecisionTable } from '../types/decision-table.ts';
import type { RouteRequest } from '../router/types.ts';
import { requestParts } from '../router/request-text.ts';
import { scanParts } from '../pii/scan.ts';
import { chatRouteRequest, parseChatRequest } from '../server/chat-request.ts';
import { parseMessagesRequest } from '../server/messages-request.ts';
import { messagesRouteRequest } from '../server/messages-route.ts';
import { parseResponsesRequest, responsesRouteRequest, routeMessagesOf } from '../server/responses-request.ts';
import type { TrafficRequest } from './traffic.ts';

/**
 * The route request a logged or synthetic request makes, built as its front door builds it (the same parsers), with
 * the policy's PII rules run on its text (the classifier is not asked: a replay calls no model).
 */
export function replayRouteRequest(table: DecisionTable, r: TrafficRequest): RouteRequest {
  const headers: Record<string, string | undefined> = { ...(r.headers ?? {}) };
  let route: RouteRequest;
  if (r.endpoint === 'messages') route = messagesRouteRequest(table, parseMessagesRequest(r.request), new Headers(headers as Record<string, string>), null);
  else if (r.endpoint === 'responses') {
    const parsed = parseResponsesRequest(r.request);
    const body = parsed.upstreamBody;
    route = responsesRouteRequest(parsed, routeMessagesOf(body.instructions, body.input as Parameters<typeof routeMessagesOf>[1]), headers, null);
  } else route = chatRouteRequest(parseChatRequest(r.request), headers, null);
  if (table.pii) route.pii = { findings: scanParts(table, requestParts(route).texts) };
  return route;
}
