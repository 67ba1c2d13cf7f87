import { formatTokens } from '../runtime/router/format.ts';
import type { DayRow, Move, ReplayRun } from '../runtime/replay/replay.ts';
import { tableLines } from './table-text.ts';

const usd = (x: number) => `$${x.toFixed(2)}`;
const signed = (x: number, f: (n: number) => string) => (x > 0 ? `+${f(x)}` : x < 0 ? `-${f(-x)}` : f(0));
const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest: a per-day chart that fits a terminal line. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max <= 0 || v <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))])).join('');
}

function daysChart(days: readonly DayRow[]): string[] {
  if (days.length === 0) return [];
  const span = `${days[0].day} … ${days[days.length - 1].day}`;
  return [
    `per day (${span}):`,
    ...tableLines(
      [
        ['spent', sparkline(days.map((d) => d.spentUsd)), usd(Math.max(0, ...days.map((d) => d.spentUsd))) + ' max'],
        ['free tokens', sparkline(days.map((d) => d.freeTokens)), formatTokens(Math.max(0, ...days.map((d) => d.freeTokens))) + ' max'],
        ['paid tokens', sparkline(days.map((d) => d.paidTokens)), formatTokens(Math.max(0, ...days.map((d) => d.paidTokens))) + ' max'],
        ['refused', sparkline(days.map((d) => d.refused)), String(Math.max(0, ...days.map((d) => d.refused))) + ' max'],
      ],
      { indent: 2 },
    ),
  ];
}

function runLines(r: ReplayRun): string[] {
  const out: string[] = [`policy ${r.config}: ${r.requests} requests, ${r.answered} answered, ${r.refused} refused`];
  out.push(
    ...tableLines(
      [
        ['spent', usd(r.spentUsd)],
        ['all paid would cost', usd(r.allPaidUsd)],
        ['saved', usd(r.savedUsd)],
        ['free tokens used', formatTokens(r.freeTokensUsed)],
        ['free tokens expired unused', formatTokens(r.freeTokensExpiredUnused)],
        ['paid tokens', formatTokens(r.paidTokens)],
      ],
      { indent: 2, align: ['left', 'right'] },
    ),
  );
  if (Object.keys(r.refusedBy).length) out.push(`  refused: ${Object.entries(r.refusedBy).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(`  scenarios: ${Object.entries(r.byScenario).map(([k, n]) => `${k} ${n}`).join(', ') || '—'}`);
  out.push(`  tiers: ${Object.entries(r.byTier).map(([k, n]) => `${k} ${n}`).join(', ') || '—'}`);
  if (r.budgetHits.length) out.push(`  budget spent on ${r.budgetHits.length} day(s): ${r.budgetHits.map((b) => `${b.day} (${b.requests})`).join(', ')}`);
  out.push('', ...tableLines([['model', 'requests', 'tokens', 'cost'], ...r.byModel.map((m) => [m.model, String(m.requests), formatTokens(m.tokens), usd(m.costUsd)])], { indent: 2, align: ['left', 'right', 'right', 'right'] }));
  const wasted = r.waste.filter((w) => w.periods > 0);
  if (wasted.length)
    out.push(
      '',
      ...tableLines(
        [['free quota', 'periods ended', 'granted', 'used', 'expired unused'], ...wasted.map((w) => [w.model, String(w.periods), formatTokens(w.granted), formatTokens(w.used), formatTokens(w.unused)])],
        { indent: 2, align: ['left', 'right', 'right', 'right', 'right'] },
      ),
    );
  out.push('', ...daysChart(r.days));
  return out;
}

function movedLines(base: ReplayRun, other: ReplayRun, moved: { count: number; top: Move[] }): string[] {
  const out = [`${other.config} against ${base.config}:`];
  out.push(
    ...tableLines(
      [
        ['spent', signed(other.spentUsd - base.spentUsd, usd)],
        ['saved', signed(other.savedUsd - base.savedUsd, usd)],
        ['free tokens used', signed(other.freeTokensUsed - base.freeTokensUsed, formatTokens)],
        ['free tokens expired unused', signed(other.freeTokensExpiredUnused - base.freeTokensExpiredUnused, formatTokens)],
        ['refused', signed(other.refused - base.refused, String)],
        ['requests moved', String(moved.count)],
      ],
      { indent: 2, align: ['left', 'right'] },
    ),
  );
  if (moved.top.length) out.push(...tableLines([['from', 'to', 'requests', 'e.g. line'], ...moved.top.map((m) => [m.from, m.to, String(m.count), `${m.example.line} (${m.example.day})`])], { indent: 2, align: ['left', 'left', 'right', 'right'] }));
  return out;
}

export function renderReplay(runs: readonly ReplayRun[], moved: readonly { count: number; top: Move[] }[]): string {
  const blocks = runs.map(runLines);
  runs.slice(1).forEach((r, i) => blocks.push(movedLines(runs[0], r, moved[i])));
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}
