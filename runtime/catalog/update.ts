import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseApiJson } from './models-dev.ts';

/** models.dev's whole catalog as one JSON document; `gw catalog update --url` or GW_CATALOG_URL points elsewhere. */
export const DEFAULT_CATALOG_URL = 'https://models.dev/api.json';

export interface UpdateResult {
  providers: number;
  models: number;
  bytes: number;
  file: string;
}

/**
 * Fetch a models.dev api.json and keep it at `file` (written whole, then renamed, so a reader never sees half a
 * file). Throws an Error whose message says what went wrong (HTTP status, not JSON, not the catalog's shape).
 */
export async function updateCatalog(url: string, file: string, fetchImpl: typeof fetch = fetch, timeoutMs = 60_000): Promise<UpdateResult> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`cannot reach ${url}: ${cause ?? (e as Error).message}`);
  }
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url} did not answer JSON`);
  }
  const parsed = parseApiJson(body);
  if (!parsed) throw new Error(`${url} is not a models.dev catalog (expected { provider: { models: { … } } })`);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  const models = Object.values(parsed).reduce((n, p) => n + Object.keys(p.models ?? {}).length, 0);
  return { providers: Object.keys(parsed).length, models, bytes: text.length, file };
}
