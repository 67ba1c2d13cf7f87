import { detectPii } from './detect.ts';
import { jsonStringText, type PlaceholderMap } from './placeholders.ts';
import type { PiiFinding, PiiType } from './types.ts';

/**
 * A copy of an OpenAI chat body with every detected personal value replaced by its placeholder: message text (string
 * content and text parts) and tool-call arguments. The client's body is not changed.
 */
export function redactChatBody(body: Record<string, unknown>, types: readonly PiiType[], map: PlaceholderMap, known?: ReadonlyMap<string, PiiFinding[]>): Record<string, unknown> {
  const mask = (s: string) => map.mask(s, known?.get(s) ?? detectPii(s, types));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return {
    ...body,
    messages: messages.map((m: Record<string, unknown>) => {
      const out: Record<string, unknown> = { ...m };
      if (typeof m.content === 'string') out.content = mask(m.content);
      else if (Array.isArray(m.content))
        out.content = m.content.map((p: Record<string, unknown>) => (p && p.type === 'text' && typeof p.text === 'string' ? { ...p, text: mask(p.text) } : p));
      if (Array.isArray(m.tool_calls))
        out.tool_calls = m.tool_calls.map((t: { function?: { arguments?: unknown } }) =>
          t?.function && typeof t.function.arguments === 'string' ? { ...t, function: { ...t.function, arguments: mask(t.function.arguments) } } : t,
        );
      return out;
    }),
  };
}

/** Put personal values back into an OpenAI chat.completion JSON text (message content, and tool-call arguments as JSON text). */
export function restoreCompletion(text: string, map: PlaceholderMap): string {
  if (map.size === 0) return text;
  let j: { choices?: { message?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[] };
  try {
    j = JSON.parse(text);
  } catch {
    return text;
  }
  for (const c of j.choices ?? []) {
    const msg = c.message;
    if (!msg) continue;
    if (typeof msg.content === 'string') msg.content = map.restore(msg.content);
    for (const t of msg.tool_calls ?? []) if (t.function && typeof t.function.arguments === 'string') t.function.arguments = map.restore(t.function.arguments, jsonStringText);
  }
  return JSON.stringify(j);
}
