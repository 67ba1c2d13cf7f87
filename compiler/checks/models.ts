import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { didYouMean } from '../did-you-mean.ts';
import { isValidZone } from '../../runtime/quota/period.ts';
import { CAPABILITIES } from '../../runtime/router/capabilities.ts';
import type { CheckContext, CheckPass } from './context.ts';

export const PERIOD_UNITS = ['day', 'week', 'month'] as const;
export const LIMIT_UNITS = ['rpm', 'tpm'] as const;

export function isValidDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function run(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of ctx.symbols.models.values()) {
    // a context the catalog knows counts: `model groq/llama-3.1-8b-instant { free … }` needs no `context` line
    const context = m.settings.find((s) => s.kind === 'context') ?? ctx.resolved.get(m.ref.text)?.context;
    for (const s of m.settings) {
      if (s.kind === 'free') {
        if (!context)
          out.push(
            error('GW140', ctx.file, s.loc, `free model "${m.ref.text}" has no \`context\`: the router cannot tell which requests fit it`, [
              { message: 'add `context 32k` (or the model’s real window) to this block' },
            ]),
          );
        const until = s.spec.until;
        if (until && !isValidDate(until.text)) out.push(error('GW142', ctx.file, until.loc, `"${until.text}" is not a calendar date`));
        if (s.spec.kind === 'every') {
          const unit = s.spec.unit;
          if (!(PERIOD_UNITS as readonly string[]).includes(unit.text)) {
            const g = didYouMean(unit.text, PERIOD_UNITS);
            out.push(error('GW143', ctx.file, unit.loc, `a free quota resets every day, week or month, found "${unit.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
          }
          const at = s.spec.at;
          if (at) {
            const [hh, mm] = at.time.split(':').map(Number);
            if (hh > 23 || mm > 59) {
              // at.loc spans the time and its zone; point at the time alone
              const timeLoc = { ...at.loc, endLine: at.loc.line, endCol: at.loc.col + at.time.length, endOffset: at.loc.offset + at.time.length };
              out.push(error('GW142', ctx.file, timeLoc, `"${at.time}" is not a time of day (00:00 to 23:59)`));
            }
            if (at.zone && !/^UTC$/i.test(at.zone.text) && !isValidZone(at.zone.text))
              out.push(error('GW141', ctx.file, at.zone.loc, `unknown time zone "${at.zone.text}"; use an IANA name such as Asia/Shanghai or UTC`));
          }
        }
      }
      if (s.kind === 'can') {
        const embed = s.caps.find((c) => c.text === 'embed');
        if (embed && protocolOf(ctx, m.ref.text) === 'anthropic')
          out.push(
            warning('GW205', ctx.file, embed.loc, `"${m.ref.text}" is on a provider that speaks Anthropic Messages, which serves no embeddings: /v1/embeddings never routes to it`, [
              { message: 'declare the embedding model on a provider that speaks the OpenAI API (its /embeddings)' },
            ]),
          );
        for (const c of s.caps) {
          if ((CAPABILITIES as readonly string[]).includes(c.text)) continue;
          const g = didYouMean(c.text, CAPABILITIES);
          out.push(error('GW145', ctx.file, c.loc, `unknown capability "${c.text}"; a model can ${CAPABILITIES.join(', ')}`, g ? [{ message: `did you mean "${g}"?` }] : []));
        }
      }
      if (s.kind === 'limit' && !(LIMIT_UNITS as readonly string[]).includes(s.unit.text)) {
        const g = didYouMean(s.unit.text, LIMIT_UNITS);
        out.push(error('GW144', ctx.file, s.unit.loc, `a limit is in rpm (requests per minute) or tpm (tokens per minute), found "${s.unit.text}"`, g ? [{ message: `did you mean "${g}"?` }] : []));
      }
    }
  }
  return out;
}

/** The protocol of a model's provider: its `protocol` line, else its preset's, else openai. */
function protocolOf(ctx: CheckContext, ref: string): string {
  const name = ref.slice(0, ref.indexOf('/'));
  const line = ctx.symbols.providers.get(name)?.settings.find((s) => s.kind === 'protocol');
  if (line && line.kind === 'protocol') return line.value.text;
  return ctx.symbols.preset(name)?.protocol ?? 'openai';
}

export const modelsPass: CheckPass = { name: 'models', run };
