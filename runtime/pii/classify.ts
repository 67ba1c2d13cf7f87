import type { DecisionTable } from '../types/decision-table.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { resolveHeaders, resolveKey, type Env } from '../providers/keys.ts';
import { scrubberFor } from '../secrets/scrubber.ts';
import { modelIndex } from '../router/resolve-model.ts';

export interface ClassifierVerdict {
  verdict: 'pii' | 'clean' | 'error';
  ms: number;
  detail?: string;
}

const QUESTION =
  'You are a privacy filter. Does the text between <text> and </text> contain personal data about a real person ' +
  '(a name together with contact or identity details, an address, a phone number, an ID, passport or bank card number, ' +
  'an email address, medical or health records)? Answer with exactly one word: YES or NO.';
/** The classifier sees at most this much of the request (the start and the end). */
const MAX_CHARS = 6000;

/**
 * `pii { classify with M timeout T }`: ask the local model a yes/no question with a tiny max_tokens. A timeout or any
 * failure is an `error` verdict; the policy's on_error decides what that means.
 */
export async function classifyPii(
  table: DecisionTable,
  text: string,
  deps: { adapters: Record<'openai' | 'anthropic', ProviderAdapter>; env: Env },
): Promise<ClassifierVerdict | null> {
  const c = table.pii?.classify;
  if (!c) return null;
  const t0 = performance.now();
  const model = modelIndex(table).byId.get(c.model);
  const provider = model && table.providers.find((p) => p.name === model.provider);
  if (!model || !provider?.enabled) return { verdict: 'error', ms: 0, detail: 'classifier model unavailable' };
  const clipped = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS / 2)}\n…\n${text.slice(-MAX_CHARS / 2)}` : text;
  const signal = AbortSignal.timeout(c.timeoutMs);
  const result = await deps.adapters[provider.protocol].chat({
    provider: { ...provider, timeoutMs: Math.min(provider.timeoutMs, c.timeoutMs) },
    model,
    apiKey: resolveKey(provider, deps.env),
    body: {
      messages: [
        { role: 'system', content: QUESTION },
        { role: 'user', content: `<text>\n${clipped}\n</text>` },
      ],
      max_tokens: 3,
      temperature: 0,
    },
    stream: false,
    clientWantsUsage: false,
    signal,
    headers: resolveHeaders(provider, deps.env),
    scrubber: scrubberFor(table, deps.env),
  });
  const ms = Math.round(performance.now() - t0);
  if (!result.ok) return { verdict: 'error', ms, detail: result.failure.message };
  if (result.kind !== 'json') return { verdict: 'error', ms, detail: 'unexpected stream' };
  let answer = '';
  try {
    answer = String((JSON.parse(result.text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content ?? '');
  } catch {
    return { verdict: 'error', ms, detail: 'unreadable answer' };
  }
  if (/^\W*(yes|是|有)/i.test(answer)) return { verdict: 'pii', ms };
  if (/^\W*(no|否|没有|无)/i.test(answer)) return { verdict: 'clean', ms };
  return { verdict: 'error', ms, detail: `unclear answer "${answer.slice(0, 20)}"` };
}
