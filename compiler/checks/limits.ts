import { error, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import type { CheckContext, CheckPass } from './context.ts';

export const RETRY_CLASSES = ['network', 'rate_limit', 'server', 'quota'] as const;
export const NEVER_RETRIED = ['auth', 'invalid_request', 'model_not_found', 'content_filter'] as const;

/** retry, budget and alert settings. */
function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of ctx.symbols.singletons.retry) {
    for (const s of r.settings) {
      if (s.kind === 'on') {
        for (const c of s.classes) {
          if ((RETRY_CLASSES as readonly string[]).includes(c.text)) continue;
          if ((NEVER_RETRIED as readonly string[]).includes(c.text)) {
            out.push(error('GW160', ctx.file, c.loc, `"${c.text}" errors are never retried: the same request would fail the same way`));
            continue;
          }
          const g = didYouMean(c.text, RETRY_CLASSES);
          out.push(error('GW160', ctx.file, c.loc, `unknown retry class "${c.text}"; retry on takes ${RETRY_CLASSES.join(', ')}`, g ? [{ message: `did you mean "${g}"?` }] : []));
        }
      }
      if (s.kind === 'attempts' && (s.value.value < 1 || s.value.value > 20 || !Number.isInteger(s.value.value)))
        out.push(error('GW161', ctx.file, s.value.loc, `attempts must be a whole number from 1 to 20, found ${s.value.raw}`));
      if (s.kind === 'backoff' && s.max && s.max.value < s.initial.value)
        out.push(error('GW161', ctx.file, s.max.loc, `the backoff cap ${s.max.raw} is below its start ${s.initial.raw}`));
      if (s.kind === 'cooldown' && s.after && (s.after.value < 1 || !Number.isInteger(s.after.value)))
        out.push(error('GW161', ctx.file, s.after.loc, `cooldown needs at least 1 failure, found ${s.after.raw}`));
    }
  }
  for (const b of ctx.symbols.singletons.budget) {
    if (b.per.text !== 'day' && b.per.text !== 'month') {
      const g = didYouMean(b.per.text, ['day', 'month']);
      out.push(error('GW170', ctx.file, b.per.loc, `a budget is per day or per month, found "${b.per.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
    }
    if (b.then.text !== 'free_only' && b.then.text !== 'block') {
      const g = didYouMean(b.then.text, ['free_only', 'block']);
      out.push(error('GW170', ctx.file, b.then.loc, `after the budget is spent: then free_only or then block, found "${b.then.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
    }
  }
  for (const g of ctx.symbols.singletons.gateway) {
    for (const s of g.settings) {
      if (s.kind === 'clamp_max_tokens' && s.mode.text !== 'on' && s.mode.text !== 'off') {
        const g = didYouMean(s.mode.text, ['on', 'off']);
        out.push(error('GW172', ctx.file, s.mode.loc, `clamp_max_tokens takes on or off, found "${s.mode.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
      }
      if (s.kind === 'sync' && !(s.every.value >= 60_000))
        out.push(error('GW217', ctx.file, s.every.loc, `sync every takes a duration of at least 1m (each sync calls every enabled provider), found "${s.every.raw}"`));
      if (s.kind !== 'logs') continue;
      if (s.mode && s.mode.text !== 'on' && s.mode.text !== 'off')
        out.push(error('GW172', ctx.file, s.mode.loc, `logs takes on, off, keep DURATION or keep N rows, found "${s.mode.text}"`));
      if (s.keepUnit && s.keepUnit.text !== 'rows')
        out.push(error('GW172', ctx.file, s.keepUnit.loc, `logs keep N takes \`rows\` (or a duration like 30d), found "${s.keepUnit.text}"`));
    }
  }
  for (const a of ctx.symbols.singletons.alert) {
    if (!a.lowQuotaBelow && !a.expiringWithin)
      out.push(error('GW171', ctx.file, a.loc, 'an alert needs `low_quota below N tokens` or `expiring within D`'));
  }
  return out;
}

export const limitsPass: CheckPass = { name: 'limits', run };
