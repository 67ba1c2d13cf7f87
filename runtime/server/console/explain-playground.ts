import { explainLines } from '../../router/explain-render.ts';
import { routesAsAuto } from '../../router/messages-model-rule.ts';
import type { RouteRequest, StateSnapshot } from '../../router/types.ts';
import type { Scrubber } from '../../secrets/scrubber.ts';
import type { DecisionTable } from '../../types/decision-table.ts';
import { explainRun } from '../explain-run.ts';
import { consoleError } from './console-errors.ts';

const MAX_PROMPT = 256 * 1024;

/**
 * POST /console/api/explain: `gw explain` on a prompt against the policy being served and the gateway's live state
 * (quota usage, spend): the same pure decide, PII masked in the trace, the classifier not asked (the playground never
 * sends the prompt anywhere). Returns the rendering as text and by line (each step with its routes.gw line).
 */
export async function explainPlayground(table: DecisionTable, state: StateSnapshot, body: Record<string, unknown>, now: number, scrubber: Scrubber, random: () => number = Math.random) {
  const { prompt } = body;
  if (typeof prompt !== 'string' || prompt.length > MAX_PROMPT) throw consoleError(400, `send {"prompt": "<text up to ${MAX_PROMPT / 1024} KB>"}`, 'invalid_value', { param: 'prompt' });
  const opt = <T>(name: string, ok: (v: unknown) => boolean, what: string): T | undefined => {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (!ok(v)) throw consoleError(400, `${name} is ${what}`, 'invalid_value', { param: name });
    return v as T;
  };
  const model = opt<string>('model', (v) => typeof v === 'string' && v.length > 0 && v.length <= 200, 'a model id or "auto"') ?? 'auto';
  const endpoint = opt<string>('endpoint', (v) => v === 'chat' || v === 'messages' || v === 'responses', 'chat, messages or responses') ?? 'chat';
  const maxTokens = opt<number>('max_tokens', (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 10_000_000, 'a whole number of tokens');
  const priority = opt<string>('priority', (v) => typeof v === 'string' && v.length <= 40, 'a priority name (quality)');
  const preferFree = opt<boolean>('prefer_free', (v) => typeof v === 'boolean', 'true or false');
  // the random draw compared with a scenario's willingness (gw explain --draw): fixed, the answer is reproducible
  const draw = opt<number>('draw', (v) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1)');
  let request: RouteRequest = { model, messages: [{ role: 'user', content: prompt }], preferFreeTier: preferFree ?? false, priority: priority ?? null, maxTokens: maxTokens ?? null, headers: {} };
  // /v1/messages' model-name rule: a name the policy does not pin (Claude Code's ids) routes as auto
  if (endpoint === 'messages') request = { ...request, model: routesAsAuto(table, model) ? 'auto' : model, requestedModel: model };
  const run = await explainRun(table, request, state, now, draw ?? random(), { classify: null, scrubber });
  const lines = explainLines(table, run.decision, { now, piiLines: run.piiLines });
  return { text: `${lines.map((l) => l.text).join('\n')}\n`, trace_lines: lines, decision: run.decision };
}
