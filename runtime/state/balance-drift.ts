import type Database from 'better-sqlite3';
import type { DecisionTable } from '../types/decision-table.ts';
import type { Balance } from '../providers/balances.ts';

/**
 * A provider's own figure beside gw's: what its balance endpoint reports now, and — since the oldest reading kept —
 * what the provider counted spent against what gw's ledger says it sent there (the tokens of every request to the
 * provider's models at their prices, free-quota requests included: a granted credit pays for those too).
 */
export interface ProviderFigure {
  provider: string;
  currency: string;
  /** the free part left (granted, vouchers, gift; OpenRouter: a free-tier key's limit left), else the total left */
  figure: number | null;
  total: number | null;
  summary: string;
  readAt: number;
  freeExhausted: boolean;
  empty: boolean;
  /** the reading the spend is counted from */
  since: number;
  /** the provider's drop in balance (or rise in usage) since then, in `currency`; null with one reading */
  providerSpent: number | null;
  /** gw's count over the same span, USD at the policy's prices */
  gwSpentUsd: number;
  /** providerSpent − gwSpentUsd, when both are USD */
  drift: number | null;
  note: string;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** The provider's spend between two readings: usage that grew (OpenRouter), else a balance that fell. */
function spentBetween(first: Balance, latest: Balance): number | null {
  if (latest.at <= first.at) return null;
  if (first.usage !== null && latest.usage !== null) return round(latest.usage - first.usage);
  if (first.total !== null && latest.total !== null) return round(first.total - latest.total);
  return null;
}

/** Every provider with a balance reading, its figure and drift. */
export function providerFigures(db: Database.Database, table: DecisionTable, readings: ReadonlyMap<string, { latest: Balance; first: Balance }>): ProviderFigure[] {
  const prices = new Map(table.models.map((m) => [m.id, m.price]));
  const sum = db.prepare('SELECT model, SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c FROM requests WHERE model LIKE ? ESCAPE ? AND ts > ? AND ts <= ? GROUP BY model');
  const out: ProviderFigure[] = [];
  for (const [provider, { first, latest }] of readings) {
    let gw = 0;
    if (latest.at > first.at) {
      const like = `${provider.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
      for (const r of sum.all(like, '\\', first.at, latest.at) as { model: string; p: number; c: number }[]) {
        const price = prices.get(r.model);
        if (price) gw += (r.p * price.input + r.c * price.output) / 1e6;
      }
    }
    const providerSpent = spentBetween(first, latest);
    const sameUnit = latest.currency === 'USD';
    const drift = providerSpent !== null && sameUnit ? round(providerSpent - gw) : null;
    const note =
      providerSpent === null
        ? 'one reading so far: the drift shows from the next sync'
        : sameUnit
          ? `since ${new Date(first.at).toISOString().slice(0, 16)}Z the provider counted $${providerSpent.toFixed(4)}, gw $${gw.toFixed(4)}`
          : `the provider reports ${latest.currency}; gw's prices are USD: compare ${providerSpent.toFixed(2)} ${latest.currency} with $${gw.toFixed(4)}`;
    out.push({
      provider,
      currency: latest.currency,
      figure: latest.free ?? latest.total,
      total: latest.total,
      summary: latest.summary,
      readAt: latest.at,
      freeExhausted: latest.freeExhausted,
      empty: latest.empty,
      since: first.at,
      providerSpent,
      gwSpentUsd: round(gw),
      drift,
      note,
    });
  }
  return out;
}
