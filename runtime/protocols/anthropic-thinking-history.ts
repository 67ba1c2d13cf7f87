import { isRecord } from './openai-to-anthropic.ts';

type Body = Record<string, unknown>;

/**
 * The history an Anthropic model accepts, from a conversation that may have been answered by another model (a session
 * that moved, `sticky`, or a retry on the next candidate):
 * - thinking blocks without a signature came from another protocol (an OpenAI model's reasoning_content, translated by
 *   gw): Anthropic rejects them as forged, so they are left out;
 * - `otherModel`: the conversation's earlier turns were answered by another model (the session moved). A signature
 *   binds a thinking block to the model that wrote it ("Invalid `signature` in `thinking` block" from any other), so
 *   every thinking and redacted_thinking block is left out;
 * - with thinking on, the assistant turn of the lastmost tool_use / tool_result exchange must start with a thinking
 *   block; when it does not (it came from another model, or the client left it out), thinking is turned off for this
 *   request — what Anthropic's own error says to do ("To avoid this requirement, disable `thinking`") — and so are
 *   the context-management edits that clear thinking, which need it on.
 * `dropped` names what was left out (JSON paths of the client's body), for the log and `x-gw-dropped`.
 */
export function anthropicHistory(body: Body, opts: { otherModel?: boolean } = {}): { body: Body; dropped: string[] } {
  const dropped: string[] = [];
  let out = body;
  const messages = body.messages;
  const drop = opts.otherModel ? anyThinking : unsigned;
  if (Array.isArray(messages) && messages.some((m) => isRecord(m) && Array.isArray(m.content) && m.content.some(drop))) {
    const kept = messages.map((m, i) => {
      if (!isRecord(m) || !Array.isArray(m.content)) return m;
      m.content.forEach((b, j) => drop(b) && dropped.push(`messages.${i}.content.${j}`));
      return { ...m, content: m.content.filter((b) => !drop(b)) };
    });
    out = { ...out, messages: kept };
  }
  if (thinkingOn(out) && openToolTurnLacksThinking(out.messages)) {
    const { thinking: _t, ...rest } = out;
    void _t;
    out = rest;
    dropped.push('thinking');
    const cm = out.context_management;
    if (isRecord(cm) && Array.isArray(cm.edits)) {
      const edits = cm.edits.filter((e, k) => {
        const clears = isRecord(e) && typeof e.type === 'string' && e.type.startsWith('clear_thinking');
        if (clears) dropped.push(`context_management.edits.${k}`);
        return !clears;
      });
      if (edits.length === 0) {
        const { context_management: _c, ...without } = out;
        void _c;
        out = without;
      } else out = { ...out, context_management: { ...cm, edits } };
    }
  }
  return { body: out, dropped };
}

function anyThinking(b: unknown): boolean {
  return isRecord(b) && (b.type === 'thinking' || b.type === 'redacted_thinking');
}

function unsigned(b: unknown): boolean {
  return isRecord(b) && b.type === 'thinking' && (typeof b.signature !== 'string' || b.signature === '');
}

function thinkingOn(body: Body): boolean {
  const t = body.thinking;
  return isRecord(t) && typeof t.type === 'string' && t.type !== 'disabled';
}

function blocksOf(content: unknown): Record<string, unknown>[] {
  return Array.isArray(content) ? (content.filter(isRecord) as Record<string, unknown>[]) : [];
}

/** The last assistant turn holds tool_use answered by a tool_result after it, and does not start with thinking. */
function openToolTurnLacksThinking(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'assistant') continue;
    const blocks = blocksOf(m.content);
    if (!blocks.some((b) => b.type === 'tool_use')) return false;
    const answered = messages.slice(i + 1).some((u) => isRecord(u) && u.role === 'user' && blocksOf(u.content).some((b) => b.type === 'tool_result'));
    const first = typeof m.content === 'string' ? 'text' : blocks[0]?.type;
    return answered && first !== 'thinking' && first !== 'redacted_thinking';
  }
  return false;
}
