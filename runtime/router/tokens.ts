import type { RequestParts } from './request-text.ts';
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
  let n = PRIMING + PER_MESSAGE * messageCount + parts.images * IMAGE_TOKENS;
  for (const t of parts.texts) n += countText(t);
  if (tools && tools.length > 0) n += countText(JSON.stringify(tools));
  return n;
}
