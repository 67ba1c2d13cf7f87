import { FastResponse } from 'srvx';
import type { Scrubber } from '../secrets/scrubber.ts';

/**
 * An admin answer (logs, metrics, quota, stats, the policy endpoint) with every known secret removed from its text:
 * whatever a row or a diagnostic holds, the answer never shows a key. Other values pass as they are.
 */
export async function scrubbedResponse(v: unknown, scrubber: Scrubber): Promise<unknown> {
  if (!(v instanceof Response) || scrubber.maxLength === 0 || v.body === null) return v;
  const text = await v.text();
  const clean = scrubber.text(text);
  const headers = new Headers(v.headers);
  headers.delete('content-length');
  return new FastResponse(clean, { status: v.status, statusText: v.statusText, headers });
}
