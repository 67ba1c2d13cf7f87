import { createHash } from 'node:crypto';
import type { ChatMessage, SessionKey } from './types.ts';

/** The header a client sets to name its conversation for session affinity (`sticky`). */
export const SESSION_HEADER = 'x-gw-session';
/** Longest session id kept as sent; a longer one is replaced by its hash (ids go into the trace and the state). */
const MAX_ID = 200;
/**
 * Of the system prompt and the first user message, the text a derived key hashes, with its length: a prefix names a
 * conversation's start as well as the whole (hashing a 20 KB system prompt whole cost ≈ 30 µs a request).
 */
const HASHED_CHARS = 8192;

type Headers = Readonly<Record<string, string | undefined>>;

/** Where a session key can come from, in the order they are looked for (the request log stores the index). */
export const SESSION_SOURCES = [SESSION_HEADER, 'x-claude-code-session-id', 'metadata.user_id', 'prompt_cache_key', 'session-id', 'system prompt and first message'] as const;

/**
 * Which conversation a request belongs to, for session affinity. In order: the client's own `x-gw-session`; Claude
 * Code's session (its `x-claude-code-session-id` header, or the `session_id` inside `metadata.user_id`); Codex's
 * `prompt_cache_key` or its `session-id` header; else a hash of the system prompt and the first user message
 * (`derived`: such a key names a conversation only once it has history, see decide's sticky step).
 */
export function sessionKeyOf(headers: Headers | undefined, body: Readonly<Record<string, unknown>> | null, messages: readonly ChatMessage[]): SessionKey | null {
  const h = headers ?? {};
  const named = (id: unknown, source: string): SessionKey | null => (typeof id === 'string' && id.trim() !== '' ? { id: clip(id.trim()), source, derived: false } : null);
  return (
    named(h[SESSION_HEADER], SESSION_HEADER) ??
    named(h['x-claude-code-session-id'], 'x-claude-code-session-id') ??
    named(claudeCodeSession(body?.metadata), 'metadata.user_id') ??
    named(body?.prompt_cache_key, 'prompt_cache_key') ??
    named(h['session-id'] ?? h.session_id, 'session-id') ??
    conversationKey(messages)
  );
}

/**
 * Claude Code's `metadata.user_id`: a JSON text `{"device_id", "account_uuid", "session_id"}` (2.1.x), or the older
 * `user_<hash>_account_<uuid>_session_<uuid>`. Only the session part names the conversation.
 */
function claudeCodeSession(metadata: unknown): string | null {
  const uid = metadata !== null && typeof metadata === 'object' ? (metadata as { user_id?: unknown }).user_id : undefined;
  if (typeof uid !== 'string') return null;
  if (uid.startsWith('{')) {
    try {
      const s = (JSON.parse(uid) as { session_id?: unknown }).session_id;
      return typeof s === 'string' ? s : null;
    } catch {
      return null;
    }
  }
  return /_session_([0-9a-f-]{8,})$/i.exec(uid)?.[1] ?? null;
}

function clip(id: string): string {
  return id.length <= MAX_ID ? id : `h:${digest(id)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The system prompt(s) before the first user message, and that message: what stays the same across a conversation's turns. */
function conversationKey(messages: readonly ChatMessage[]): SessionKey | null {
  const h = createHash('sha256');
  let any = false;
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') {
      const t = textOf(m.content);
      h.update(`${m.role}\u0000${t.length}\u0000${t.slice(0, HASHED_CHARS)}\u0000`);
      continue;
    }
    if (m.role !== 'user') break;
    const t = textOf(m.content);
    h.update(`user\u0000${t.length}\u0000${t.slice(0, HASHED_CHARS)}`);
    any = true;
    break;
  }
  return any ? { id: `h:${h.digest('hex').slice(0, 16)}`, source: 'system prompt and first message', derived: true } : null;
}

/** A message's text (parts that are not text by their type); its length counts parts past the hashed prefix too. */
function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) out += p.type === 'text' && typeof p.text === 'string' ? p.text : `[${p.type}]`;
  return out;
}
