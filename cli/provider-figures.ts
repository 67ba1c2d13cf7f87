import type { ProviderFigure } from '../runtime/state/balance-drift.ts';
import { tableLines } from './table-text.ts';

const when = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The providers' own balance figures beside gw's count (gw quota, the banner). */
export function providerFiguresText(figures: readonly ProviderFigure[], indent = 0): string {
  const rows = figures.map((f) => [
    f.provider,
    f.summary,
    when(f.readAt),
    f.drift === null ? '-' : `${f.drift >= 0 ? '+' : ''}${f.drift.toFixed(4)} USD`,
    f.note,
  ]);
  const pad = ' '.repeat(indent);
  return `${pad}the providers' own figures (read by gw models sync / gateway { sync every }):\n${tableLines([['PROVIDER', 'BALANCE', 'READ', 'DRIFT', 'PROVIDER VS GW'], ...rows], { indent: indent + 2 }).join('\n')}\n`;
}
