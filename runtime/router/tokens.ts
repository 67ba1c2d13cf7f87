import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { RequestParts } from './request-text.ts';

/** Tokens an image costs at most in OpenAI's accounting (high detail, 2048×768 tiles); providers vary, so this is an upper estimate. */
export const IMAGE_TOKENS = 765;
/** OpenAI's chat overhead: 3 per message plus 3 to prime the reply. */
const PER_MESSAGE = 3;
const PRIMING = 3;

/**
 * A bounded memo of text → token count. Chat clients resend the whole conversation on every turn, so all but the
 * newest message were counted before; counting is the costliest step of routing.
 */
const MEMO_LIMIT = 4096;
const MIN_MEMO_LENGTH = 256;
const memo = new Map<string, number>();

export function countText(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < MIN_MEMO_LENGTH) return countTokens(text);
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  const n = countTokens(text);
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(text, n);
  return n;
}

/** Prompt tokens of a request with the o200k tokenizer, CJK included, plus image and tool-schema allowances. */
export function estimatePromptTokens(parts: RequestParts, messageCount: number, tools?: unknown[] | null): number {
  let n = PRIMING + PER_MESSAGE * messageCount + parts.images * IMAGE_TOKENS;
  for (const t of parts.texts) n += countText(t);
  if (tools && tools.length > 0) n += countText(JSON.stringify(tools));
  return n;
}
