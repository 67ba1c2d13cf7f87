import type { RequestParts } from './request-text.ts';
import type { RouteRequest } from './types.ts';
import { countTokensExact } from './pretokenize.ts';

/** Tokens an image costs at most in OpenAI's accounting (high detail, 2048×768 tiles); providers vary, so this is an upper estimate. */
export const IMAGE_TOKENS = 765;
/** OpenAI's chat overhead: 3 per message plus 3 to prime the reply. */
const PER_MESSAGE = 3;
const PRIMING = 3;

/** o200k tokens of a text: exactly gpt-tokenizer's count, through a fast pre-tokenizer with a bounded piece cache. */
export function countText(text: string): number {
  return text.length === 0 ? 0 : countTokensExact(text);
}

/** Prompt tokens of a request with the o200k tokenizer, CJK included, plus image and tool-schema allowances. */
export function estimatePromptTokens(parts: RequestParts, messageCount: number, tools?: unknown[] | null): number {
  return count(parts, messageCount, tools && tools.length > 0 ? JSON.stringify(tools) : null);
}

function count(parts: RequestParts, messageCount: number, toolsJson: string | null): number {
  let n = PRIMING + PER_MESSAGE * messageCount + parts.images * IMAGE_TOKENS;
  for (const t of parts.texts) n += countText(t);
  if (toolsJson !== null) n += countText(toolsJson);
  return n;
}

interface Counted {
  texts: readonly string[];
  images: number;
  messageCount: number;
  toolsJson: string | null;
  tokens: number;
}

/** Below this many characters of text, counting again costs less than remembering. */
const MEMO_MIN_CHARS = 4096;
const counted = new WeakMap<object, Counted>();

/**
 * `estimatePromptTokens` of a request whose parts are `parts`. The router runs again on every retry of a request with
 * the same messages, so a long prompt's count is remembered per messages array — and used only if every text part
 * (and the tools) is still the same, so the answer is always what counting again would give.
 */
export function promptTokens(req: Pick<RouteRequest, 'messages' | 'tools'>, parts: RequestParts): number {
  const toolsJson = req.tools && req.tools.length > 0 ? JSON.stringify(req.tools) : null;
  const texts = parts.texts;
  let chars = toolsJson === null ? 0 : toolsJson.length;
  for (let i = 0; i < texts.length; i++) chars += texts[i].length;
  if (chars < MEMO_MIN_CHARS) return count(parts, req.messages.length, toolsJson);
  const key = req.messages;
  const c = counted.get(key);
  if (c !== undefined && c.images === parts.images && c.messageCount === key.length && c.toolsJson === toolsJson && sameTexts(c.texts, texts)) return c.tokens;
  const tokens = count(parts, key.length, toolsJson);
  counted.set(key, { texts, images: parts.images, messageCount: key.length, toolsJson, tokens });
  return tokens;
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
