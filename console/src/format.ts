// Numbers, money, times and durations as the console shows them, in the current language.
import { locale, t } from './i18n.ts';

export const num = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : n.toLocaleString(locale()));
export const usd = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `$${n.toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: n !== 0 && Math.abs(n) < 0.01 ? 6 : 2 })}`;
export const pct = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${(n * 100).toLocaleString(locale(), { maximumFractionDigits: 2 })}%`);

export function compact(n: number): string {
  return new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return d.toLocaleString(locale(), { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  } catch {
    return d.toLocaleString(locale());
  }
}

/** "3h 12m" until `iso` from `now` (ms); "now" when past. */
export function countdown(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  let s = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  if (s === 0) return t('now');
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : [`${m}m`, `${s}s`];
  return parts.join(' ');
}
