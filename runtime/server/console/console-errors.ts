import { GwError, jsonResponse } from '../errors.ts';

/** A console API error: `{"error": {"message", "code"}}` with a 4xx status (plus any top-level extras). */
export class ConsoleError extends GwError {
  readonly top: Record<string, unknown>;
  constructor(status: number, message: string, code: string, top: Record<string, unknown> = {}) {
    super(status, status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : 'invalid_request_error', message, code);
    this.top = top;
  }
}

export const consoleError = (status: number, message: string, code: string, top: Record<string, unknown> = {}) => new ConsoleError(status, message, code, top);

/** Any error a console route threw, in the console's shape; null for one that is not a GwError (a bug: rethrown). */
export function consoleErrorResponse(e: unknown): Response | null {
  if (!(e instanceof GwError)) return null;
  const top = e instanceof ConsoleError ? e.top : {};
  return jsonResponse(e.status, { error: { message: e.message, code: e.code ?? 'error', ...(e.extra.param ? { param: e.extra.param } : {}) }, ...top }, e.headers);
}
