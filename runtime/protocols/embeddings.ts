import { isRecord } from './openai-to-anthropic.ts';

/**
 * OpenAI's embeddings wire format (`POST /v1/embeddings`), the one front door every OpenAI-compatible embedding
 * provider speaks: `{model, input, encoding_format?, dimensions?, user?}` → `{object: "list", data: [{object:
 * "embedding", index, embedding}], model, usage: {prompt_tokens, total_tokens}}`. `embedding` is an array of floats,
 * or with `encoding_format: "base64"` the little-endian float32 bytes in base64 (what the openai SDK asks for by
 * default and decodes itself).
 *
 * The request goes upstream as it came (model replaced); the answer is put back into the format the client asked
 * for whatever the upstream sent (some providers ignore `encoding_format`), in index order, with usage filled from
 * the gateway's count when the upstream sends none.
 */

export type EncodingFormat = 'float' | 'base64';

export interface EmbeddingItem {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsAnswer {
  object: 'list';
  data: EmbeddingItem[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** How many vectors an `input` asks for: one for a string or a single token array, one per entry of a list. */
export function inputCount(input: unknown): number {
  if (!Array.isArray(input)) return 1;
  return input.length > 0 && input.every((x) => typeof x === 'number') ? 1 : input.length;
}

/** Little-endian float32 bytes of a vector, base64 (OpenAI's `encoding_format: "base64"`). */
export function floatsToBase64(v: readonly number[]): string {
  const buf = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i], i * 4);
  return buf.toString('base64');
}

/** The floats of a base64 float32 vector (null: not one). */
export function base64ToFloats(s: string): number[] | null {
  const buf = Buffer.from(s, 'base64');
  if (buf.length % 4 !== 0) return null;
  const out = new Array<number>(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** An upstream answer that is not an embeddings list: what is wrong with it. */
export class EmbeddingsAnswerError extends Error {}

/**
 * The upstream's answer in the client's format: each vector as floats or base64 as `format` asks, sorted by index,
 * one per input (`inputs`), usage from the upstream or else `promptTokens`.
 */
export function embeddingsAnswer(upstream: unknown, inputs: number, format: EncodingFormat, model: string, promptTokens: number): EmbeddingsAnswer {
  if (!isRecord(upstream) || !Array.isArray(upstream.data)) throw new EmbeddingsAnswerError('the upstream answered with something other than an embeddings list');
  const data: EmbeddingItem[] = upstream.data.map((d: unknown, i: number) => {
    if (!isRecord(d)) throw new EmbeddingsAnswerError(`data[${i}] is not an embedding`);
    const index = typeof d.index === 'number' && Number.isInteger(d.index) ? d.index : i;
    const e = d.embedding;
    let floats: number[] | null = null;
    if (Array.isArray(e) && e.every((x) => typeof x === 'number')) floats = e as number[];
    else if (typeof e === 'string') {
      if (format === 'base64') return { object: 'embedding', index, embedding: e };
      floats = base64ToFloats(e);
    }
    if (floats === null) throw new EmbeddingsAnswerError(`data[${i}].embedding is neither an array of numbers nor base64 float32`);
    return { object: 'embedding', index, embedding: format === 'base64' ? floatsToBase64(floats) : floats };
  });
  data.sort((a, b) => a.index - b.index);
  if (data.length !== inputs || data.some((d, i) => d.index !== i)) throw new EmbeddingsAnswerError(`the upstream answered ${data.length} embeddings for ${inputs} inputs`);
  const u = isRecord(upstream.usage) ? upstream.usage : null;
  const prompt = u && typeof u.prompt_tokens === 'number' && u.prompt_tokens >= 0 ? u.prompt_tokens : promptTokens;
  const total = u && typeof u.total_tokens === 'number' && u.total_tokens >= prompt ? u.total_tokens : prompt;
  return { object: 'list', data, model: typeof upstream.model === 'string' && upstream.model !== '' ? upstream.model : model, usage: { prompt_tokens: prompt, total_tokens: total } };
}
