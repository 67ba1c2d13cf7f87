import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { GwError } from './errors.ts';
import { nodeContext } from './node-context.ts';
import { anthropicPath, jsonLimitBreach, MAX_JSON_DEPTH, MAX_JSON_ITEMS, openaiPath, type LimitBreach } from './json-limits.ts';

export interface BodyOptions {
  /** how a JSON path is written in the error: OpenAI's `param` (`messages[0].content`, default) or Anthropic's `messages.0.content` */
  paths?: 'openai' | 'anthropic';
  maxDepth?: number;
  maxItems?: number;
}

/** The text each body object that readJsonObject returned was parsed from (the request log keeps it as received). */
const received = new WeakMap<object, string>();

/** The text `body` was parsed from by readJsonObject, if it was. */
export function receivedText(body: object | null): string | undefined {
  return body === null ? undefined : received.get(body);
}

/**
 * Read a JSON request body: 413 past `limit` bytes, 400 for anything that is not a JSON object, 400 naming the JSON
 * path where it nests deeper than `maxDepth` or holds more than `maxItems` values (checked before parsing). Never
 * throws anything else.
 */
export async function readJsonObject(req: Request, limit: number, opts: BodyOptions = {}): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const node = nodeContext(req)?.req;
  const text = node ? await readNode(node, limit) : await readWeb(req, limit);
  const breach = jsonLimitBreach(text, { maxDepth: opts.maxDepth ?? MAX_JSON_DEPTH, maxItems: opts.maxItems ?? MAX_JSON_ITEMS });
  if (breach) throw limitError(breach, opts.paths ?? 'openai');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new GwError(400, 'invalid_request_error', `the request body is not valid JSON: ${(e as Error).message}`, 'invalid_json');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GwError(400, 'invalid_request_error', 'the request body must be a JSON object', 'invalid_body');
  received.set(v, text);
  return v as Record<string, unknown>;
}

function limitError(b: LimitBreach, paths: 'openai' | 'anthropic'): GwError {
  const param = paths === 'anthropic' ? anthropicPath(b.path) : openaiPath(b.path);
  const where = param.length > 600 ? `${param.slice(0, 600)}…` : param;
  const message =
    b.kind === 'depth'
      ? `${paths === 'anthropic' ? `${where}: ` : ''}the request body nests deeper than ${b.limit} levels${paths === 'anthropic' ? '' : ` at ${where}`}`
      : `${paths === 'anthropic' ? `${where}: ` : ''}the request body holds more than ${b.limit} array elements and object members${paths === 'anthropic' ? '' : ` (at ${where})`}`;
  return new GwError(400, 'invalid_request_error', message, b.kind === 'depth' ? 'json_too_deep' : 'json_too_large', { param: where });
}

function tooLarge(limit: number): GwError {
  return new GwError(413, 'invalid_request_error', `the request body is larger than the gateway's limit of ${limit} bytes`, 'request_too_large');
}

const unreadable = () => new GwError(400, 'invalid_request_error', 'the request body could not be read', 'invalid_body');
const noBody = () => new GwError(400, 'invalid_request_error', 'the request has no body: send a JSON object', 'invalid_body');

/** Past this many bytes a body is decoded chunk by chunk as it arrives (3 MB of UTF-8 at once held the loop ≈ 20 ms). */
const DECODE_AS_READ = 64 * 1024;

/** On Node: straight from the request stream (no Web stream in between). */
function readNode(req: IncomingMessage, limit: number): Promise<string> {
  if (req.readableEnded || req.destroyed) return Promise.reject(unreadable());
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    /** a long body's text so far, decoded per chunk (a character split between chunks waits in the decoder) */
    let decoder: StringDecoder | null = null;
    const texts: string[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.resume(); // drain the rest so the 413 can still be read by the client
        reject(tooLarge(limit));
        return;
      }
      if (decoder) texts.push(decoder.write(c));
      else {
        chunks.push(c);
        if (size > DECODE_AS_READ) {
          decoder = new StringDecoder('utf8');
          for (const b of chunks) texts.push(decoder.write(b));
          chunks = [];
        }
      }
    };
    const onEnd = () => {
      cleanup();
      if (decoder) resolve(texts.join('') + decoder.end());
      else resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    };
    const onError = () => {
      cleanup();
      reject(unreadable());
    };
    const onClose = () => {
      cleanup();
      reject(unreadable());
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

/** Elsewhere (a Web Request, as in app.fetch): through the body stream. */
async function readWeb(req: Request, limit: number): Promise<string> {
  if (!req.body) throw noBody();
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
    throw unreadable();
  }
  return Buffer.concat(chunks).toString('utf8');
}
