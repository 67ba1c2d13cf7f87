import type { Provider } from '../types/decision-table.ts';

/**
 * A provider's own account figures, read from its balance endpoint, in one shape. Amounts are in `currency` (the
 * provider's: OpenRouter and DeepSeek's USD accounts in USD, the Chinese accounts in CNY). `free` is the part the
 * provider granted (DeepSeek's granted balance, Moonshot's vouchers, SiliconFlow's gift balance, OpenRouter's key
 * limit left on a free-tier key); `paid` what was topped up.
 */
export interface Balance {
  provider: string;
  /** epoch ms of the reading */
  at: number;
  currency: string;
  /** everything the account can still spend (null: the provider does not say) */
  total: number | null;
  free: number | null;
  paid: number | null;
  /** spend the provider counts, when it reports spend rather than a balance (OpenRouter's key usage, USD) */
  usage: number | null;
  /** the provider says the granted (free) part is gone */
  freeExhausted: boolean;
  /** the provider says the account cannot call its API at all (DeepSeek is_available false, Moonshot ≤ 0) */
  empty: boolean;
  /** OpenRouter: a key that never bought credits (50 free-model requests a day; 1000 once credits were bought) */
  freeTier: boolean | null;
  dailyFreeRequests: number | null;
  /** the reading in one line, for tables */
  summary: string;
}

type Parsed = Omit<Balance, 'provider' | 'at' | 'summary'>;

export interface BalanceSource {
  /** the endpoint, from the provider's base URL */
  url(baseUrl: string): string;
  /** the answer's JSON in the provider's shape, or null when it is not that shape */
  parse(body: unknown, baseUrl: string): Parsed | null;
  /** what the endpoint gives, for the README's table and `gw doctor` */
  gives: string;
}

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
/** Numbers come as numbers (Moonshot, OpenRouter) or decimal strings (DeepSeek, SiliconFlow). */
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
/** A base URL without its API version path (`…/v1` → the origin's path above it). */
const above = (baseUrl: string, suffix: RegExp) => baseUrl.replace(/\/+$/, '').replace(suffix, '');

/** An account of granted and paid credit: the grant gone is free exhausted, nothing left (or `empty`) is empty. */
function creditAccount(currency: string, total: number | null, free: number | null, paid: number | null, empty = total !== null && total <= 0): Parsed {
  return { currency, total, free, paid, usage: null, freeExhausted: free !== null && free <= 0, empty, freeTier: null, dailyFreeRequests: null };
}

/** The endpoint of each provider (by preset name) that reports the account's own numbers. */
export const BALANCE_SOURCES: Readonly<Record<string, BalanceSource>> = {
  // GET /api/v1/key → {"data": {"limit", "limit_remaining", "usage", "usage_daily", "is_free_tier", …}}
  openrouter: {
    url: (b) => `${b.replace(/\/+$/, '')}/key`,
    gives: 'key limit, limit left, usage (USD), free-tier flag (→ free-model requests per day)',
    parse(body) {
      const d = obj(obj(body)?.data);
      if (!d || !('usage' in d || 'limit' in d)) return null;
      const limit = num(d.limit);
      const left = num(d.limit_remaining);
      const freeTier = typeof d.is_free_tier === 'boolean' ? d.is_free_tier : null;
      return {
        currency: 'USD',
        total: left,
        // a free-tier key has only what OpenRouter grants it: its limit is the free part
        free: freeTier ? left : null,
        paid: freeTier === false ? left : null,
        usage: num(d.usage),
        freeExhausted: limit !== null && left !== null && left <= 0,
        empty: limit !== null && left !== null && left <= 0 && freeTier !== true,
        freeTier,
        // OpenRouter's documented limits for `:free` models: 50 requests a day, 1000 once 10 credits were bought
        dailyFreeRequests: freeTier === null ? null : freeTier ? 50 : 1000,
      };
    },
  },
  // GET /user/balance → {"is_available": true, "balance_infos": [{"currency", "total_balance", "granted_balance", "topped_up_balance"}]}
  deepseek: {
    url: (b) => `${above(b, /\/v1$/)}/user/balance`,
    gives: 'granted vs topped-up balance per currency, whether the account can call',
    parse(body) {
      const o = obj(body);
      const infos = Array.isArray(o?.balance_infos) ? (o!.balance_infos as unknown[]).map(obj).filter((x): x is Record<string, unknown> => x !== null) : null;
      if (!o || !infos || typeof o.is_available !== 'boolean') return null;
      // USD when the account has it, else the first currency listed
      const i = infos.find((x) => x.currency === 'USD') ?? infos[0];
      return creditAccount(typeof i?.currency === 'string' ? i.currency : 'CNY', num(i?.total_balance), num(i?.granted_balance), num(i?.topped_up_balance), o.is_available === false);
    },
  },
  // GET /v1/user/info → {"code": 20000, "status": true, "data": {"balance", "chargeBalance", "totalBalance", …}}
  siliconflow: {
    url: (b) => `${b.replace(/\/+$/, '')}/user/info`,
    gives: 'gift balance vs charged balance (CNY)',
    parse(body, baseUrl) {
      const d = obj(obj(body)?.data);
      if (!d || !('totalBalance' in d)) return null;
      return creditAccount(/siliconflow\.com/.test(baseUrl) ? 'USD' : 'CNY', num(d.totalBalance), num(d.balance), num(d.chargeBalance));
    },
  },
  // GET /v1/users/me/balance → {"code": 0, "data": {"available_balance", "voucher_balance", "cash_balance"}, "status": true}
  moonshot: {
    url: (b) => `${b.replace(/\/+$/, '')}/users/me/balance`,
    gives: 'available = vouchers + cash; voucher vs cash (CNY on .cn, USD on .ai)',
    parse(body, baseUrl) {
      const d = obj(obj(body)?.data);
      if (!d || !('available_balance' in d)) return null;
      // Moonshot: at or below 0 available, the inference API refuses calls
      return creditAccount(/moonshot\.ai/.test(baseUrl) ? 'USD' : 'CNY', num(d.available_balance), num(d.voucher_balance), num(d.cash_balance));
    },
  },
};

/** The balance source of a provider: by its name (a declared provider named like a preset reads that preset's endpoint). */
export function balanceSourceOf(p: Pick<Provider, 'name'>): BalanceSource | null {
  return BALANCE_SOURCES[p.name] ?? null;
}

const money = (n: number | null, c: string) => (n === null ? '?' : `${c === 'USD' ? '$' : c === 'CNY' ? '¥' : `${c} `}${n.toFixed(2)}`);

/** One reading in a line: `¥8.20 left (granted ¥8.20, topped up ¥0.00)`, `exhausted`, `free tier: 50 free requests/day`. */
export function summarise(b: Parsed): string {
  const parts: string[] = [];
  if (b.total !== null) parts.push(`${money(b.total, b.currency)} left`);
  else if (b.usage !== null) parts.push(`${money(b.usage, b.currency)} used`);
  const split = [b.free !== null ? `granted ${money(b.free, b.currency)}` : '', b.paid !== null ? `paid ${money(b.paid, b.currency)}` : ''].filter(Boolean);
  if (split.length) parts.push(`(${split.join(', ')})`);
  if (b.freeTier !== null) parts.push(b.freeTier ? `free-tier key: ${b.dailyFreeRequests} free-model requests/day` : `credits bought: ${b.dailyFreeRequests} free-model requests/day`);
  if (b.empty) parts.push('— EMPTY: the provider refuses calls');
  else if (b.freeExhausted) parts.push('— free credit exhausted');
  return parts.join(' ');
}

/** Read a parsed answer into a Balance (null: not the provider's shape). */
export function toBalance(p: Pick<Provider, 'name' | 'baseUrl'>, body: unknown, at: number): Balance | null {
  const src = balanceSourceOf(p);
  const parsed = src?.parse(body, p.baseUrl) ?? null;
  return parsed ? { provider: p.name, at, ...parsed, summary: summarise(parsed) } : null;
}
