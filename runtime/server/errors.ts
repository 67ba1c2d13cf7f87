import { FastResponse } from 'srvx';

/** An error the gateway answers with, in OpenAI's shape: `{"error": {"message", "type", "code", …}}`. */
export class GwError extends Error {
  status: number;
  type: string;
  code: string | null;
  extra: Record<string, unknown>;
  /** response headers the error goes with (Retry-After of a 429) */
  headers: Record<string, string>;
  constructor(status: number, type: string, message: string, code: string | null = null, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
  body(): { error: Record<string, unknown> } {
    return { error: { message: this.message, type: this.type, code: this.code, ...this.extra } };
  }
}

export const badRequest = (message: string, code: string | null = null, param: string | null = null) =>
  new GwError(400, 'invalid_request_error', message, code, param ? { param } : {});

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new FastResponse(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function errorResponse(e: GwError, headers: Record<string, string> = {}): Response {
  return jsonResponse(e.status, e.body(), { ...e.headers, ...headers });
}
