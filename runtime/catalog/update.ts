import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseApiJson } from './models-dev.ts';
import { getJson } from '../providers/get-json.ts';

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
 * file). It goes through HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env` (the policy's `.env` included), like the
 * gateway's upstream calls. Throws an Error whose message says what went wrong (HTTP status, not JSON, not the
 * catalog's shape).
 */
export async function updateCatalog(url: string, file: string, env: Readonly<Record<string, string | undefined>> = process.env, timeoutMs = 60_000): Promise<UpdateResult> {
  const r = await getJson(url, {}, env, timeoutMs);
  if (!r.ok) {
    if (r.kind === 'unreachable') throw new Error(`cannot reach ${url}: ${r.detail.replace(/^cannot connect: /, '')}`);
    if (r.kind === 'json') throw new Error(`${url} did not answer JSON`);
    throw new Error(`${url} answered HTTP ${r.status}`);
  }
  const { text, body } = r;
  const parsed = parseApiJson(body);
  if (!parsed) throw new Error(`${url} is not a models.dev catalog (expected { provider: { models: { … } } })`);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  const models = Object.values(parsed).reduce((n, p) => n + Object.keys(p.models ?? {}).length, 0);
  return { providers: Object.keys(parsed).length, models, bytes: text.length, file };
}
