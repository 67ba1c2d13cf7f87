/**
 * Free-quota period arithmetic.
 *
 * Pure and dependency-free: time zones are handled exclusively through
 * `Intl.DateTimeFormat`. All instants are epoch milliseconds.
 *
 * Wall-clock → instant conversion rules (applied to every reset time):
 *  - a wall time inside a spring-forward gap (it never occurs) maps to the first
 *    valid instant after it, i.e. the instant of the transition itself
 *    (America/New_York 2026-03-08 02:30 → 03:00 EDT = 07:00Z);
 *  - an ambiguous wall time (fall-back overlap) maps to the earlier instant
 *    (America/New_York 2026-11-01 01:30 → 01:30 EDT = 05:30Z).
 */

export type QuotaPeriod =
  | { kind: 'every'; unit: 'day' | 'week' | 'month'; at: string /* "HH:MM" */; zone: string /* IANA, e.g. "Asia/Shanghai", "UTC" */ }
  | { kind: 'once' };

export interface QuotaWindow {
  /** epoch ms of the current period's start; null for 'once' */
  start: number | null;
  /** epoch ms of the next reset; null for 'once' */
  nextReset: number | null;
}

type EveryPeriod = Extract<QuotaPeriod, { kind: 'every' }>;

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Intl plumbing
// ---------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`invalid time zone: ${JSON.stringify(zone)}`);
    }
    formatters.set(zone, f);
  }
  return f;
}

export function isValidZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  if (formatters.has(zone)) return true;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** UTC epoch ms of a proleptic-Gregorian date-time (handles years 0..99 correctly). */
function utcMs(y: number, mo: number, d: number, hh = 0, mm = 0, ss = 0): number {
  const t = Date.UTC(y, mo - 1, d, hh, mm, ss);
  if (y >= 0 && y < 100) {
    const dt = new Date(t);
    dt.setUTCFullYear(dt.getUTCFullYear() - 1900);
    return dt.getTime();
  }
  return t;
}

interface WallClock {
  y: number;
  mo: number; // 1..12
  d: number; // 1..31
  hh: number;
  mm: number;
  ss: number;
}

/** Fast path: en-US output with h23 and an era, e.g. "3/10/2026 AD, 23:59:00". */
const FORMAT_RE = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/;

/** Wall-clock fields of instant `t` in `zone` (second resolution). */
export function wallClockOf(t: number, zone: string): WallClock {
  const f = formatterFor(zone);
  // `format` + regex is ~3x faster than `formatToParts`; fall back to the parts
  // API if an ICU update ever changes the en-US pattern.
  const m = FORMAT_RE.exec(f.format(t));
  if (m !== null) {
    const y = Number(m[3]);
    return {
      y: m[4] === 'BC' ? 1 - y : y,
      mo: Number(m[1]),
      d: Number(m[2]),
      hh: Number(m[5]) % 24, // defensive: some ICU builds emit "24"
      mm: Number(m[6]),
      ss: Number(m[7]),
    };
  }
  return wallClockFromParts(f, t);
}

function wallClockFromParts(f: Intl.DateTimeFormat, t: number): WallClock {
  const parts = f.formatToParts(t);
  let y = 0;
  let mo = 1;
  let d = 1;
  let hh = 0;
  let mm = 0;
  let ss = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': hh = Number(p.value) % 24; break; // defensive: some ICU builds emit "24"
      case 'minute': mm = Number(p.value); break;
      case 'second': ss = Number(p.value); break;
      case 'era': bc = p.value.startsWith('B'); break;
      default: break;
    }
  }
  if (bc) y = 1 - y;
  return { y, mo, d, hh, mm, ss };
}

/** UTC offset (ms, wall − UTC) of `zone` at instant `t`. */
function offsetAt(t: number, zone: string): number {
  const w = wallClockOf(t, zone);
  const floored = t - (((t % 1000) + 1000) % 1000);
  return utcMs(w.y, w.mo, w.d, w.hh, w.mm, w.ss) - floored;
}

/**
 * Instant (epoch ms) at which the wall clock in `zone` reads y-mo-d hh:mm.
 * Gap → first valid instant after it (the transition); overlap → earlier instant.
 */
export function wallToEpoch(y: number, mo: number, d: number, hh: number, mm: number, zone: string): number {
  const local = utcMs(y, mo, d, hh, mm);
  // Classic guess-and-correct: iterate the offset twice.
  const o1 = offsetAt(local, zone);
  const t1 = local - o1;
  const o2 = offsetAt(t1, zone);
  const t2 = local - o2;
  const o3 = o2 === o1 ? o2 : offsetAt(t2, zone);
  const exact = o3 === o2; // wall(t2) === local
  // The two offsets in force around this wall time (a day either side covers
  // every real transition, including Samoa's skipped day in 2011).
  const before = offsetAt(local - DAY_MS, zone);
  const after = offsetAt(local + DAY_MS, zone);
  if (before === after) {
    if (exact) return t2;
    // Offset differs only locally (two transitions within a day — practically
    // never); fall through to the general candidate logic below.
  }
  const cands: number[] = [];
  for (const o of [before, after, o1, o2]) {
    const t = local - o;
    if (offsetAt(t, zone) === o && !cands.includes(t)) cands.push(t);
  }
  if (cands.length > 0) return Math.min(...cands);
  // Gap: the transition lies in (local − max offset, local − min offset]. Find the
  // first instant whose wall clock is past `local` by binary search (1 s resolution).
  const hi0 = local - Math.min(before, after, o1, o2);
  const lo0 = local - Math.max(before, after, o1, o2);
  let lo = Math.floor(lo0 / 1000); // wall(lo) < local
  let hi = Math.ceil(hi0 / 1000); // wall(hi) > local
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const tm = mid * 1000;
    if (tm + offsetAt(tm, zone) > local) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

// ---------------------------------------------------------------------------
// Calendar helpers (day numbers = days since 1970-01-01, pure arithmetic)
// ---------------------------------------------------------------------------

function dayNumber(y: number, mo: number, d: number): number {
  return Math.floor(utcMs(y, mo, d) / DAY_MS);
}

function fromDayNumber(n: number): { y: number; mo: number; d: number } {
  const dt = new Date(n * DAY_MS);
  return { y: dt.getUTCFullYear(), mo: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** 0 = Monday … 6 = Sunday. */
function isoWeekdayIndex(dayNum: number): number {
  return (((dayNum + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (index 3)
}

const AT_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseAt(at: string): { hh: number; mm: number } {
  const m = AT_RE.exec(at);
  if (m === null) throw new RangeError(`invalid reset time ${JSON.stringify(at)} (expected "HH:MM", 00:00–23:59)`);
  return { hh: Number(m[1]), mm: Number(m[2]) };
}

// ---------------------------------------------------------------------------
// Period windows
// ---------------------------------------------------------------------------

/**
 * Anchors are indexed by an integer: for day/week the day number of the anchor
 * date (a Monday for weeks), for month `y * 12 + (mo − 1)`.
 */
interface Stepper {
  anchorOf(w: WallClock): number;
  step: number | 'month';
  instant(anchor: number): number;
}

function stepperFor(p: EveryPeriod): Stepper {
  const { hh, mm } = parseAt(p.at);
  const zone = p.zone;
  formatterFor(zone); // validates
  switch (p.unit) {
    case 'day':
      return {
        anchorOf: (w) => dayNumber(w.y, w.mo, w.d),
        step: 1,
        instant: (n) => {
          const c = fromDayNumber(n);
          return wallToEpoch(c.y, c.mo, c.d, hh, mm, zone);
        },
      };
    case 'week':
      return {
        anchorOf: (w) => {
          const n = dayNumber(w.y, w.mo, w.d);
          return n - isoWeekdayIndex(n);
        },
        step: 7,
        instant: (n) => {
          const c = fromDayNumber(n);
          return wallToEpoch(c.y, c.mo, c.d, hh, mm, zone);
        },
      };
    case 'month':
      return {
        anchorOf: (w) => w.y * 12 + (w.mo - 1),
        step: 'month',
        instant: (k) => {
          const y = Math.floor(k / 12);
          return wallToEpoch(y, k - y * 12 + 1, 1, hh, mm, zone);
        },
      };
    default: {
      const never: never = p.unit;
      throw new RangeError(`invalid quota period unit ${JSON.stringify(never)}`);
    }
  }
}

function computeWindow(p: EveryPeriod, nowMs: number): { start: number; next: number } {
  const s = stepperFor(p);
  const inc = s.step === 'month' ? 1 : s.step;
  let a = s.anchorOf(wallClockOf(nowMs, p.zone));
  let start = s.instant(a);
  // Step back until the reset is ≤ now (normally at most once).
  while (start > nowMs) {
    a -= inc;
    start = s.instant(a);
  }
  let next = s.instant(a + inc);
  // Step forward while the following reset has already passed (only in exotic
  // zones where a fall-back crosses midnight, or a skipped day collapses resets).
  while (next <= nowMs) {
    a += inc;
    start = next;
    next = s.instant(a + inc);
  }
  return { start, next };
}

interface CacheEntry {
  unit: string;
  at: string;
  zone: string;
  start: number;
  next: number;
}

/** Per period object (fast path), validated against its fields in case of mutation. */
const byObject = new WeakMap<object, CacheEntry>();
/** Per period key, for callers that build fresh period objects. */
const byKey = new Map<string, CacheEntry>();
const BY_KEY_LIMIT = 1024;

function windowOf(p: EveryPeriod, nowMs: number): CacheEntry {
  const hit = byObject.get(p);
  if (
    hit !== undefined &&
    nowMs >= hit.start &&
    nowMs < hit.next &&
    hit.unit === p.unit &&
    hit.at === p.at &&
    hit.zone === p.zone
  ) {
    return hit;
  }
  const key = `${p.unit}|${p.at}|${p.zone}`;
  const shared = byKey.get(key);
  if (shared !== undefined && nowMs >= shared.start && nowMs < shared.next) {
    byObject.set(p, shared);
    return shared;
  }
  if (!Number.isFinite(nowMs)) throw new RangeError(`invalid time: ${nowMs}`);
  const w = computeWindow(p, nowMs);
  const entry: CacheEntry = { unit: p.unit, at: p.at, zone: p.zone, start: w.start, next: w.next };
  if (shared === undefined && byKey.size >= BY_KEY_LIMIT) byKey.clear();
  byKey.set(key, entry);
  byObject.set(p, entry);
  return entry;
}

export function currentWindow(period: QuotaPeriod, nowMs: number): QuotaWindow {
  if (period.kind === 'once') return { start: null, nextReset: null };
  const e = windowOf(period, nowMs);
  return { start: e.start, nextReset: e.next };
}

export function nextReset(period: QuotaPeriod, nowMs: number): number | null {
  if (period.kind === 'once') return null;
  return windowOf(period, nowMs).next;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `until` is a calendar date "YYYY-MM-DD": the quota expires at the END of that day (i.e. 00:00 of the next day) in `zone`. */
export function untilToEpoch(until: string, zone: string): number {
  const m = DATE_RE.exec(until);
  if (m === null) throw new RangeError(`invalid date ${JSON.stringify(until)} (expected "YYYY-MM-DD")`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const n = dayNumber(y, mo, d);
  const check = fromDayNumber(n);
  if (check.y !== y || check.mo !== mo || check.d !== d) {
    throw new RangeError(`invalid date ${JSON.stringify(until)} (no such calendar day)`);
  }
  const next = fromDayNumber(n + 1);
  return wallToEpoch(next.y, next.mo, next.d, 0, 0, zone);
}

/** expiry = the earlier of nextReset and the until date; null when neither exists */
export function expiryOf(period: QuotaPeriod, until: string | null, zone: string, nowMs: number): number | null {
  const reset = nextReset(period, nowMs);
  const end = until === null ? null : untilToEpoch(until, zone);
  if (reset === null) return end;
  if (end === null) return reset;
  return Math.min(reset, end);
}

/**
 * Human text for a span, e.g. "8h", "3d 2h", "45m", "12s" (used in traces like
 * "resets in 8h"). Shows the largest non-zero unit plus the next smaller unit
 * when that is non-zero; smaller remainders are truncated. Spans under one
 * second render as "0s"; negative spans get a leading "-".
 */
export function formatSpan(ms: number): string {
  if (Number.isNaN(ms)) return '?';
  if (ms < 0) return `-${formatSpan(-ms)}`;
  if (!Number.isFinite(ms)) return '∞';
  let secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86_400);
  secs -= days * 86_400;
  const hours = Math.floor(secs / 3600);
  secs -= hours * 3600;
  const mins = Math.floor(secs / 60);
  secs -= mins * 60;
  const units: Array<[number, string]> = [
    [days, 'd'],
    [hours, 'h'],
    [mins, 'm'],
    [secs, 's'],
  ];
  const i = units.findIndex(([v]) => v > 0);
  if (i === -1) return '0s';
  const [v, u] = units[i];
  const out = `${v}${u}`;
  const nextUnit = units[i + 1];
  if (nextUnit !== undefined && nextUnit[0] > 0) return `${out} ${nextUnit[0]}${nextUnit[1]}`;
  return out;
}
