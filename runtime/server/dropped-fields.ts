import { modelIndex } from '../router/resolve-model.ts';
import type { DecisionTable } from '../types/decision-table.ts';
import { droppedOnOpenAI } from '../protocols/anthropic-fields.ts';
import { anthropicHistory } from '../protocols/anthropic-thinking-history.ts';
import { droppedOnAnthropic } from '../protocols/openai-fields.ts';
import { historyFromOtherModel } from '../router/sticky.ts';
import type { StickyDecision } from '../router/types.ts';

/**
 * What of the client's body the model that answered did not get, for the answer's `x-gw-dropped` header and the log
 * line: the fields its protocol has no place for (anthropic-fields.ts, openai-fields.ts), or, for an Anthropic model
 * taking an Anthropic body, the history it would reject (another model's thinking). `why` says which.
 */
export function droppedFields(
  table: DecisionTable,
  modelId: string,
  body: Record<string, unknown>,
  format: 'openai' | 'anthropic',
  sticky?: StickyDecision | null,
): { dropped: string; why: string } {
  const idx = modelIndex(table);
  const model = idx.byId.get(modelId);
  const protocol = model ? idx.providers.get(model.provider)?.protocol : undefined;
  if (!model || !protocol) return { dropped: '', why: '' };
  if (format === 'anthropic') {
    if (protocol !== 'openai') return { dropped: anthropicHistory(body, { otherModel: historyFromOtherModel(sticky, modelId) }).dropped.join(', '), why: 'history from another model' };
    return { dropped: droppedOnOpenAI(body, model.capabilities.includes('reasoning')).join(', '), why: 'speaks OpenAI' };
  }
  if (protocol !== 'anthropic') return { dropped: '', why: '' };
  return { dropped: droppedOnAnthropic(body, model.capabilities.includes('reasoning')).join(', '), why: 'speaks Anthropic' };
}

/** Name what was dropped in the answer's headers and the console log (nothing when nothing was). */
export function reportDropped(headers: Record<string, string>, log: { info(m: string): void }, id: string, model: string, d: { dropped: string; why: string }): void {
  if (!d.dropped) return;
  headers['x-gw-dropped'] = d.dropped;
  log.info(`${id} ${model} ${d.why}: dropped ${d.dropped}`);
}
