import { ANTHROPIC_REASONING_FORMAT, type ReasoningDetail } from './openai-types.ts';
import { isRecord } from './openai-to-anthropic.ts';

/**
 * Signed reasoning between the Responses API and the chat form gw translates through. A Responses `reasoning` item
 * carries an Anthropic thinking block's signature (or a redacted block's data) in `encrypted_content`, prefixed so gw
 * knows whose it is: `gw:anthropic-claude-v1:sig:<signature>` / `…:redacted:<data>`. On the chat side the same is a
 * message's `reasoning_details` (see openai-types.ts), which only the Anthropic translation reads.
 */

const PREFIX = `gw:${ANTHROPIC_REASONING_FORMAT}:`;

/** `encrypted_content` for a signed thinking block or a redacted one. */
export function encryptedOf(d: ReasoningDetail): string {
  return d.type === 'reasoning.text' ? `${PREFIX}sig:${d.signature}` : `${PREFIX}redacted:${d.data}`;
}

/** The reasoning detail a Responses reasoning item stands for, when its encrypted_content is an Anthropic one gw made. */
export function detailOf(item: Record<string, unknown>, text: string): ReasoningDetail | null {
  const e = item.encrypted_content;
  if (typeof e !== 'string' || !e.startsWith(PREFIX)) return null;
  const rest = e.slice(PREFIX.length);
  if (rest.startsWith('sig:')) return { type: 'reasoning.text', text, signature: rest.slice(4), format: ANTHROPIC_REASONING_FORMAT };
  if (rest.startsWith('redacted:')) return { type: 'reasoning.encrypted', data: rest.slice(9), format: ANTHROPIC_REASONING_FORMAT };
  return null;
}

/** The text of a reasoning item: its full reasoning content when it has one, else its summaries. */
export function reasoningText(item: Record<string, unknown>): string {
  const pick = (list: unknown, type: string) =>
    Array.isArray(list) ? list.filter((p) => isRecord(p) && p.type === type && typeof p.text === 'string').map((p) => (p as { text: string }).text) : [];
  const content = pick(item.content, 'reasoning_text');
  return (content.length ? content : pick(item.summary, 'summary_text')).join('\n\n');
}

/** Anthropic's signed reasoning of a chat message, as Responses reasoning items (text as the summary). */
export function reasoningItems(details: readonly ReasoningDetail[], id: () => string): Record<string, unknown>[] {
  return details.map((d) => ({
    type: 'reasoning',
    id: id(),
    summary: d.type === 'reasoning.text' && d.text ? [{ type: 'summary_text', text: d.text }] : [],
    encrypted_content: encryptedOf(d),
    status: 'completed',
  }));
}

/** A message's signed reasoning details, when they are Anthropic's (anything else is not sent back). */
export function anthropicDetails(v: unknown): ReasoningDetail[] {
  return Array.isArray(v) ? (v.filter((d) => isRecord(d) && d.format === ANTHROPIC_REASONING_FORMAT) as ReasoningDetail[]) : [];
}

/** Whether an input item is reasoning gw made from Anthropic's thinking (no upstream but Anthropic can read it). */
export function isGwReasoning(item: unknown): boolean {
  return isRecord(item) && item.type === 'reasoning' && typeof item.encrypted_content === 'string' && item.encrypted_content.startsWith(PREFIX);
}

/** The texts of an input's reasoning items: they may go upstream, so the PII rules read them too. */
export function reasoningTexts(input: unknown): string[] {
  return Array.isArray(input) ? input.filter((it) => isRecord(it) && it.type === 'reasoning').map((it) => reasoningText(it as Record<string, unknown>)).filter((t) => t !== '') : [];
}
