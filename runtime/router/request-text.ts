import type { ChatMessage, RouteRequest } from './types.ts';

export interface RequestParts {
  /** every text part, in order (system, user, assistant, tool results, tool-call arguments) */
  texts: string[];
  images: number;
  hasTools: boolean;
}

/** Pull every text part, image and tool out of a request: what conditions and the token estimate read. */
export function requestParts(req: Pick<RouteRequest, 'messages' | 'tools'>): RequestParts {
  const texts: string[] = [];
  let images = 0;
  for (const m of req.messages as ChatMessage[]) {
    const c = m.content;
    if (typeof c === 'string') texts.push(c);
    else if (Array.isArray(c)) {
      for (const p of c) {
        if (p && typeof p === 'object') {
          if (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string') texts.push((p as { text: string }).text);
          else if (p.type === 'image_url' || p.type === 'image' || p.type === 'input_image') images++;
        }
      }
    }
    if (Array.isArray(m.tool_calls))
      for (const t of m.tool_calls) if (t?.function?.arguments) texts.push(String(t.function.arguments));
  }
  const hasTools = Array.isArray(req.tools) && req.tools.length > 0;
  return { texts, images, hasTools };
}
