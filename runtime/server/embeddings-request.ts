import type { ChatMessage, RouteRequest } from '../router/types.ts';
import { badRequest } from './errors.ts';

/** Fields gw reads itself and never forwards upstream. */
const GW_FIELDS = ['prefer_free_tier', 'priority'];
/** OpenAI's limit on the entries of one request's `input`. */
export const MAX_INPUTS = 2048;

export interface EmbeddingsRequest {
  model: string;
  /** the string inputs, in order (what PII rules, scenario conditions and the token count read) */
  texts: string[];
  /** the lengths of the inputs given as token ids */
  tokenArrays: number[];
  /** what goes upstream: the client's body without gw's own fields */
  upstreamBody: Record<string, unknown>;
}

const tokenId = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/**
 * Check an OpenAI embeddings body: `input` is a non-empty string, an array of up to 2,048 non-empty strings, one
 * token array, or an array of token arrays; `encoding_format` float or base64; `dimensions` a positive integer;
 * `user` a string. 400 with the offending `param` otherwise.
 */
export function parseEmbeddingsRequest(body: Record<string, unknown>): EmbeddingsRequest {
  const model = body.model;
  if (model === undefined) throw badRequest('you must provide a model: "auto" uses the policy\'s embedding model', 'missing_required_parameter', 'model');
  if (typeof model !== 'string') throw badRequest('model must be a string', 'invalid_type', 'model');
  const input = body.input;
  if (input === undefined) throw badRequest('you must provide input', 'missing_required_parameter', 'input');
  const texts: string[] = [];
  const tokenArrays: number[] = [];
  if (typeof input === 'string') {
    if (input === '') throw badRequest("'input' cannot be an empty string", 'invalid_value', 'input');
    texts.push(input);
  } else if (Array.isArray(input)) {
    if (input.length === 0) throw badRequest("'input' cannot be an empty array", 'invalid_value', 'input');
    if (input.length > MAX_INPUTS) throw badRequest(`'input' holds ${input.length} entries; at most ${MAX_INPUTS} per request`, 'invalid_value', 'input');
    if (input.every(tokenId)) tokenArrays.push(input.length);
    else
      input.forEach((x, i) => {
        if (typeof x === 'string') {
          if (x === '') throw badRequest(`input[${i}] cannot be an empty string`, 'invalid_value', `input[${i}]`);
          if (tokenArrays.length) throw badRequest('input mixes strings and token arrays: send one kind', 'invalid_type', `input[${i}]`);
          texts.push(x);
        } else if (Array.isArray(x)) {
          if (x.length === 0 || !x.every(tokenId)) throw badRequest(`input[${i}] must be a non-empty array of token ids (non-negative integers)`, 'invalid_type', `input[${i}]`);
          if (texts.length) throw badRequest('input mixes strings and token arrays: send one kind', 'invalid_type', `input[${i}]`);
          tokenArrays.push(x.length);
        } else throw badRequest(`input[${i}] must be a string or an array of token ids`, 'invalid_type', `input[${i}]`);
      });
  } else throw badRequest('input must be a string, an array of strings, or token arrays', 'invalid_type', 'input');
  const format = body.encoding_format;
  if (format !== undefined && format !== 'float' && format !== 'base64') throw badRequest("encoding_format must be 'float' or 'base64'", 'invalid_value', 'encoding_format');
  const dims = body.dimensions;
  if (dims !== undefined && (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1)) throw badRequest('dimensions must be a positive integer', 'invalid_value', 'dimensions');
  if (body.user !== undefined && typeof body.user !== 'string') throw badRequest('user must be a string', 'invalid_type', 'user');
  const upstreamBody: Record<string, unknown> = { ...body };
  for (const k of GW_FIELDS) delete upstreamBody[k];
  return { model, texts, tokenArrays, upstreamBody };
}

/** What the router sees of an embeddings request (the route and `gw replay` build it the same way): each text one user message. */
export function embeddingsRouteRequest(e: EmbeddingsRequest, headers: Readonly<Record<string, string | undefined>>, pii: RouteRequest['pii']): RouteRequest {
  const messages: ChatMessage[] = e.texts.map((content) => ({ role: 'user', content }));
  return { model: e.model, messages, headers, embeddings: true, tokenArrays: e.tokenArrays, pii };
}
