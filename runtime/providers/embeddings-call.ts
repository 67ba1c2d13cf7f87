import type { ProviderAdapter, UpstreamCall, UpstreamResult } from './adapter.ts';
import { embeddingsAnswer, EmbeddingsAnswerError, inputCount, type EncodingFormat } from '../protocols/embeddings.ts';

/**
 * One call with an OpenAI embeddings body (the `/v1/embeddings` front door): the adapter's `embeddings` POSTs it to
 * the provider's `/embeddings`; the answer is put in the format the client asked for (protocols/embeddings.ts). An
 * upstream that cannot serve embeddings never gets here (the router rules it out), so a missing `embeddings` is the
 * gateway's own failure.
 */
export async function callEmbeddings(adapter: ProviderAdapter, call: UpstreamCall): Promise<UpstreamResult> {
  if (!adapter.embeddings) return { ok: false, failure: { class: 'model_fit', status: 400, message: `${call.provider.name} serves no embeddings`, retryAfterMs: null, local: true } };
  const result = await adapter.embeddings({ ...call, stream: false });
  if (!result.ok || result.kind !== 'json') return result;
  const format: EncodingFormat = call.body.encoding_format === 'base64' ? 'base64' : 'float';
  try {
    const answer = embeddingsAnswer(JSON.parse(result.text), inputCount(call.body.input), format, call.model.name, call.promptTokens ?? 0);
    const usage = { prompt_tokens: answer.usage.prompt_tokens, completion_tokens: 0, total_tokens: answer.usage.total_tokens };
    return { ok: true, kind: 'json', status: result.status, text: JSON.stringify(answer), usage };
  } catch (e) {
    const message = e instanceof EmbeddingsAnswerError ? e.message : 'the upstream answered with invalid JSON';
    return { ok: false, failure: { class: 'server', status: result.status, message: `${result.status} ${message}`, retryAfterMs: null } };
  }
}
