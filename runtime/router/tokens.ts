import type { RequestParts } from './request-text.ts';
import type { RouteRequest } from './types.ts';
import { countedTo, countTokensExact, TokenBudget } from './pretokenize.ts';

/** Tokens an image costs at most in OpenAI's accounting (high detail, 2048×768 tiles); providers vary, so this is an upper estimate. */
export const IMAGE_TOKENS = 765;
/** OpenAI's chat overhead: 3 per message plus 3 to prime the reply. */
const PER_MESSAGE = 3;
const PRIMING = 3;

/** o200k tokens of a text: gpt-tokenizer's count, through a fast pre-tokenizer with a bounded piece cache, within
 * one request's work budget (see `countTexts`). */
export function countText(text: string): number {
  return text.length === 0 ? 0 : countTexts([text]).tokens;
}

/** A token count and how much of it is exact. */
export interface TextCount {
  tokens: number;
  /** code units of the texts counted exactly (pretokenize.ts); the rest, if any, is estimated */
  exactChars: number;
  totalChars: number;
}

/** UTF-8 bytes of text[from, …), measured on at most SAMPLE code units of it and scaled (bounded work). */
const SAMPLE = 256 * 1024;
function remainderBytes(t: string, from: number): number {
  const n = t.length - from;
  if (n <= SAMPLE) return Buffer.byteLength(from === 0 ? t : t.slice(from), 'utf8');
  return Math.ceil((Buffer.byteLength(t.slice(from, from + SAMPLE), 'utf8') * n) / SAMPLE);
}

/** Tokens per UTF-8 byte assumed at least for an estimated remainder (o200k: ≈ 4 bytes per token in English). */
const BYTES_PER_TOKEN = 4;

/**
 * o200k tokens of `texts` under one `TokenBudget` (bounded work per request, pretokenize.ts): exact until the budget
 * is spent — which ordinary prompts up to about a megabyte never do — and beyond that an estimate for the remaining
 * code units: the exact part's tokens per code unit, and at least one token per 4 UTF-8 bytes (measured on
 * the remainder's first 256 Ki code units). Pure: the same texts
 * always give the same count, in any process.
 */
export function countTexts(texts: readonly string[]): TextCount {
  const budget = new TokenBudget();
  let tokens = 0;
  let exactChars = 0;
  let totalChars = 0;
  let restChars = 0;
  let restBytes = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    totalChars += t.length;
    if (t.length === 0) continue;
    tokens += countTokensExact(t, budget);
    const done = countedTo();
    exactChars += done;
    if (done < t.length) {
      restChars += t.length - done;
      restBytes += remainderBytes(t, done);
    }
  }
  if (restChars > 0) {
    const perChar = exactChars > 0 ? tokens / exactChars : 0;
    tokens += Math.max(Math.ceil(restChars * perChar), Math.ceil(restBytes / BYTES_PER_TOKEN));
  }
  return { tokens, exactChars, totalChars };
}

/** Prompt tokens of a request with the o200k tokenizer, CJK included, plus image and tool-schema allowances. */
export function estimatePromptTokens(parts: RequestParts, messageCount: number, tools?: unknown[] | null): number {
  return count(parts, messageCount, tools && tools.length > 0 ? JSON.stringify(tools) : null).tokens;
}

function count(parts: RequestParts, messageCount: number, toolsJson: string | null): TextCount {
  const c = countTexts(toolsJson === null ? parts.texts : [...parts.texts, toolsJson]);
  c.tokens += PRIMING + PER_MESSAGE * messageCount + parts.images * IMAGE_TOKENS;
  return c;
}

interface Counted {
  texts: readonly string[];
  images: number;
  messageCount: number;
  toolsJson: string | null;
  count: TextCount;
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
  return promptTokenCount(req, parts).tokens;
}

/** `promptTokens` with how much of it is exact (for the trace). */
export function promptTokenCount(req: Pick<RouteRequest, 'messages' | 'tools'>, parts: RequestParts): TextCount {
  const toolsJson = req.tools && req.tools.length > 0 ? JSON.stringify(req.tools) : null;
  const texts = parts.texts;
  let chars = toolsJson === null ? 0 : toolsJson.length;
  for (let i = 0; i < texts.length; i++) chars += texts[i].length;
  if (chars < MEMO_MIN_CHARS) return count(parts, req.messages.length, toolsJson);
  const key = req.messages;
  const c = counted.get(key);
  if (c !== undefined && c.images === parts.images && c.messageCount === key.length && c.toolsJson === toolsJson && sameTexts(c.texts, texts)) return c.count;
  const n = count(parts, key.length, toolsJson);
  counted.set(key, { texts, images: parts.images, messageCount: key.length, toolsJson, count: n });
  return n;
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
