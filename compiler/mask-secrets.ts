import { CREDENTIAL_HEADER } from '../runtime/secrets/scrubber.ts';

/**
 * A source line as a diagnostic may show it: the string literals of `key`, `auth` and credential `header` lines, and
 * anything shaped like an API key, become `*` (same length, so the caret still points at the span). A diagnostic
 * says which line holds a secret; it never quotes it.
 */
const SECRET_SETTING = /\b(key|auth)(\s+(?:env\s+[A-Za-z_][A-Za-z0-9_]*\s+or\s+)*)"((?:[^"\\]|\\.)*)"/g;
const HEADER_SETTING = /\bheader(\s+)("?)([A-Za-z0-9_-]+)\2(\s+(?:env\s+[A-Za-z_][A-Za-z0-9_]*\s+or\s+)*)"((?:[^"\\]|\\.)*)"/g;
const KEY_SHAPED = /\b(?:sk|gsk|nvapi|xai|pk)[-_][A-Za-z0-9_-]{6,}|\bBearer\s+[^\s"]+/g;

const stars = (s: string) => '*'.repeat(s.length);

export function maskSecretsInLine(line: string): string {
  return line
    .replace(SECRET_SETTING, (_m, kw: string, mid: string, v: string) => `${kw}${mid}"${stars(v)}"`)
    .replace(HEADER_SETTING, (m, sp: string, q: string, name: string, mid: string, v: string) =>
      CREDENTIAL_HEADER.test(name) ? `header${sp}${q}${name}${q}${mid}"${stars(v)}"` : m,
    )
    .replace(KEY_SHAPED, stars);
}
