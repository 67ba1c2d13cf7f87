/**
 * The one scrubber for every path out of the gateway. It knows every secret of the loaded policy (each provider's
 * key variables, the values of its `header` lines that come from the environment or name a credential, the gateway
 * token) and replaces each occurrence with `[redacted]`: in the bytes an upstream sends (JSON, SSE, error bodies),
 * in log rows, console lines, metrics, errors, explain and the policy endpoint.
 *
 * Exact values are scrubbed everywhere; key-shaped patterns (`sk-…`, `Bearer …`) only in messages (gw's own text
 * and the upstream's error messages), never in an answer's content, where they may be the user's own text.
 */
import type { DecisionTable, Provider } from '../types/decision-table.ts';

export const REDACTED = '[redacted]';

/**
 * Shorter values are not treated as secrets: replacing them would garble ordinary text (a local server's placeholder
 * key such as `ollama` would turn every `ollama/…` model name into `[redacted]`). Real keys are far longer.
 */
const MIN_SECRET = 8;

const KEY_PATTERN = /\b(sk|gsk|nvapi|sk-ant|xai|pk)[-_][A-Za-z0-9*_-]{6,}/g;
const BEARER_PATTERN = /Bearer\s+\S+/gi;

/** A `header` line whose name says it carries a credential: its literal value is a secret too. */
export const CREDENTIAL_HEADER = /auth|key|token|secret|cookie|session|passw|signature|credential/i;

type Env = Readonly<Record<string, string | undefined>>;

/** Incremental scrubbing of one text stream: what may be the start of a secret is held back until the next push. */
export interface ScrubStream {
  push(chunk: string): string;
  /** the held-back tail, scrubbed */
  end(): string;
}

export class Scrubber {
  /** longest first, so a secret that contains another is replaced whole */
  readonly secrets: readonly string[];
  /** the longest secret's length: a stream never holds back more than this minus one */
  readonly maxLength: number;

  private byteForm: Scrubber | null = null;

  constructor(secrets: Iterable<string | null | undefined>) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET) continue;
      set.add(s);
      // as it appears inside a JSON string (a secret holding a quote, a backslash or a control character)
      const quoted = JSON.stringify(s).slice(1, -1);
      if (quoted !== s) set.add(quoted);
    }
    this.secrets = [...set].sort((a, b) => b.length - a.length);
    this.maxLength = this.secrets[0]?.length ?? 0;
  }

  /**
   * The same secrets as byte strings, for scrubbing raw bytes: each secret's UTF-8 bytes read as latin1 (one character
   * per byte, so a multi-byte character split between two reads cannot hide a secret).
   */
  bytes(): Scrubber {
    this.byteForm ??= new Scrubber(this.secrets.map((s) => Buffer.from(s, 'utf8').toString('latin1')));
    return this.byteForm;
  }

  /** Every known secret replaced; the rest untouched (an answer's content). */
  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A message (an error, a log line): known secrets and anything shaped like a key or a bearer token. */
  message(s: string): string {
    return this.text(s).replace(KEY_PATTERN, REDACTED).replace(BEARER_PATTERN, `Bearer ${REDACTED}`);
  }

  /**
   * How many characters at the end of `s` could be the beginning of a secret (and must wait for the next chunk). Only
   * positions where a secret's first character occurs are tried, so a frame ending in `}\n\n` holds back nothing.
   */
  pendingTail(s: string): number {
    let hold = 0;
    for (const secret of this.secrets) {
      const from = Math.max(0, s.length - secret.length + 1);
      for (let i = s.indexOf(secret[0]!, from); i !== -1 && i < s.length; i = s.indexOf(secret[0]!, i + 1)) {
        if (s.length - i <= hold) break;
        if (secret.startsWith(s.slice(i))) {
          hold = s.length - i;
          break;
        }
      }
    }
    return hold;
  }

  /** Scrub a text that arrives in pieces: a secret split across two pieces is still caught. */
  stream(): ScrubStream {
    let held = '';
    return {
      push: (chunk) => {
        if (this.maxLength === 0) return chunk;
        const s = this.text(held + chunk);
        const keep = this.pendingTail(s);
        held = keep ? s.slice(s.length - keep) : '';
        return keep ? s.slice(0, s.length - keep) : s;
      },
      end: () => {
        const rest = this.text(held);
        held = '';
        return rest;
      },
    };
  }
}

/** The secret values of one provider: every key variable that is set, and its `header` lines' secret values. */
export function providerSecrets(provider: Provider, env: Env): string[] {
  const out: string[] = [];
  for (const name of provider.keyEnv) if (env[name]) out.push(env[name]!);
  for (const h of provider.headers) {
    for (const name of h.value.env) if (env[name]) out.push(env[name]!);
    if (h.value.literal !== null && CREDENTIAL_HEADER.test(h.name)) out.push(h.value.literal);
  }
  return out;
}

/** Every secret the table refers to, resolved from the environment. */
export function tableSecrets(table: DecisionTable, env: Env): string[] {
  const out: string[] = [];
  for (const p of table.providers) out.push(...providerSecrets(p, env));
  for (const name of table.gateway.auth?.env ?? []) if (env[name]) out.push(env[name]!);
  return out;
}

const cache = new WeakMap<DecisionTable, { env: Env; scrubber: Scrubber }>();

/** The scrubber of a loaded table (built once per table and environment). */
export function scrubberFor(table: DecisionTable, env: Env): Scrubber {
  const hit = cache.get(table);
  if (hit && hit.env === env) return hit.scrubber;
  const scrubber = new Scrubber(tableSecrets(table, env));
  cache.set(table, { env, scrubber });
  return scrubber;
}

/** A scrubber that knows no value: patterns only (for text whose table is unknown). */
export const patternScrubber = new Scrubber([]);
