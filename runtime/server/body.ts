import { GwError } from './errors.ts';

/** Read a JSON request body: 413 past `limit` bytes, 400 for anything that is not a JSON object. Never throws anything else. */
export async function readJsonObject(req: Request, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) throw new GwError(400, 'invalid_request_error', 'the request has no body: send a JSON object', 'invalid_body');
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof GwError) throw e;
    throw new GwError(400, 'invalid_request_error', 'the request body could not be read', 'invalid_body');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new GwError(400, 'invalid_request_error', `the request body is not valid JSON: ${(e as Error).message}`, 'invalid_json');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GwError(400, 'invalid_request_error', 'the request body must be a JSON object', 'invalid_body');
  return v as Record<string, unknown>;
}

function tooLarge(limit: number): GwError {
  return new GwError(413, 'invalid_request_error', `the request body is larger than the gateway's limit of ${limit} bytes`, 'request_too_large');
}
