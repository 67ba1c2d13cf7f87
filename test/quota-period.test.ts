import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  currentWindow,
  expiryOf,
  formatSpan,
  isValidZone,
  nextReset,
  untilToEpoch,
  type QuotaPeriod,
} from '../runtime/quota/period.ts';

// All expected instants below are computed by hand and written as literal ISO strings.
const T = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad ISO literal ${iso}`);
  return t;
};
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const every = (unit: 'day' | 'week' | 'month', at: string, zone: string): QuotaPeriod => ({
  kind: 'every',
  unit,
  at,
  zone,
});

function expectWindow(p: QuotaPeriod, now: string, start: string, next: string): void {
  const w = currentWindow(p, T(now));
  expect({ start: iso(w.start), nextReset: iso(w.nextReset) }).toEqual({
    start: new Date(T(start)).toISOString(),
    nextReset: new Date(T(next)).toISOString(),
  });
  expect(iso(nextReset(p, T(now)))).toBe(new Date(T(next)).toISOString());
}

describe('daily reset', () => {
  const shanghai = every('day', '00:00', 'Asia/Shanghai');

  it('23:59 Shanghai → resets at the coming midnight (16:00Z)', () => {
    expectWindow(shanghai, '2026-03-10T15:59:00Z', '2026-03-09T16:00:00Z', '2026-03-10T16:00:00Z');
  });

  it('one millisecond before the reset is still the old period', () => {
    expectWindow(shanghai, '2026-03-10T15:59:59.999Z', '2026-03-09T16:00:00Z', '2026-03-10T16:00:00Z');
  });

  it('exactly at the reset instant: that IS the start, next is +24h', () => {
    expectWindow(shanghai, '2026-03-10T16:00:00Z', '2026-03-10T16:00:00Z', '2026-03-11T16:00:00Z');
  });

  it('UTC daily at 09:30 across a month end (Jan 31 → Feb 1)', () => {
    const p = every('day', '09:30', 'UTC');
    expectWindow(p, '2026-01-31T10:00:00Z', '2026-01-31T09:30:00Z', '2026-02-01T09:30:00Z');
    expectWindow(p, '2026-01-31T09:29:00Z', '2026-01-30T09:30:00Z', '2026-01-31T09:30:00Z');
  });

  it('leap day 2028-02-29 exists, 2026-02-29 does not', () => {
    const p = every('day', '00:00', 'UTC');
    expectWindow(p, '2028-02-28T12:00:00Z', '2028-02-28T00:00:00Z', '2028-02-29T00:00:00Z');
    expectWindow(p, '2028-02-29T05:00:00Z', '2028-02-29T00:00:00Z', '2028-03-01T00:00:00Z');
    expectWindow(p, '2026-02-28T12:00:00Z', '2026-02-28T00:00:00Z', '2026-03-01T00:00:00Z');
  });

  it('year roll Dec 31 → Jan 1 (Shanghai 08:00 = 00:00Z)', () => {
    const p = every('day', '08:00', 'Asia/Shanghai');
    expectWindow(p, '2026-12-31T23:00:00Z', '2026-12-31T00:00:00Z', '2027-01-01T00:00:00Z');
  });

  it('zone ahead of UTC where the local date differs from the UTC date', () => {
    // 2026-03-10T20:00Z is 2026-03-11 04:00 in Shanghai; daily 06:00 Shanghai = 22:00Z previous day.
    const p = every('day', '06:00', 'Asia/Shanghai');
    expectWindow(p, '2026-03-10T20:00:00Z', '2026-03-09T22:00:00Z', '2026-03-10T22:00:00Z');
  });
});

describe('weekly reset (Mondays)', () => {
  // 2026-03-09 is a Monday (2026-01-01 is a Thursday; Mar 9 is day 68 → 68 = 9·7 + 5, Thu+4 = Mon).
  const utc = every('week', '00:00', 'UTC');

  it('mid-week Tuesday', () => {
    expectWindow(utc, '2026-03-10T12:00:00Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z');
  });

  it('exactly Monday 00:00 starts a new week', () => {
    expectWindow(utc, '2026-03-09T00:00:00Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z');
  });

  it('Sunday night still belongs to the week that started on Monday', () => {
    expectWindow(utc, '2026-03-15T23:59:59Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z');
  });

  it('Monday before the reset time belongs to the previous week', () => {
    // Monday 09:00 Shanghai = 01:00Z; now = Mon 08:30 Shanghai.
    const p = every('week', '09:00', 'Asia/Shanghai');
    expectWindow(p, '2026-03-09T00:30:00Z', '2026-03-02T01:00:00Z', '2026-03-09T01:00:00Z');
    expectWindow(p, '2026-03-09T01:00:00Z', '2026-03-09T01:00:00Z', '2026-03-16T01:00:00Z');
  });

  it('week spanning the year boundary (Mon 2026-12-28 → Mon 2027-01-04)', () => {
    expectWindow(utc, '2027-01-01T00:00:00Z', '2026-12-28T00:00:00Z', '2027-01-04T00:00:00Z');
  });

  it('Monday in the zone while still Sunday in UTC', () => {
    // Mon 2026-03-16 00:00 Shanghai = Sun 2026-03-15T16:00Z
    const p = every('week', '00:00', 'Asia/Shanghai');
    expectWindow(p, '2026-03-15T16:30:00Z', '2026-03-15T16:00:00Z', '2026-03-22T16:00:00Z');
    expectWindow(p, '2026-03-15T15:30:00Z', '2026-03-08T16:00:00Z', '2026-03-15T16:00:00Z');
  });
});

describe('monthly reset (1st of the month)', () => {
  const utc = every('month', '00:00', 'UTC');

  it('Jan 31 → Feb 1', () => {
    expectWindow(utc, '2026-01-31T12:00:00Z', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
  });

  it('February of a leap year (2028-02-29)', () => {
    expectWindow(utc, '2028-02-29T23:59:00Z', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z');
  });

  it('February of a common year', () => {
    expectWindow(utc, '2026-02-28T23:59:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z');
  });

  it('Dec → Jan year roll', () => {
    expectWindow(utc, '2026-12-31T23:59:59Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z');
    expectWindow(utc, '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z');
  });

  it('Shanghai: already January locally while still December in UTC', () => {
    const p = every('month', '00:00', 'Asia/Shanghai');
    expectWindow(p, '2026-12-31T16:30:00Z', '2026-12-31T16:00:00Z', '2027-01-31T16:00:00Z');
    expectWindow(p, '2026-12-31T15:30:00Z', '2026-11-30T16:00:00Z', '2026-12-31T16:00:00Z');
  });

  it('1st of the month before the reset time belongs to the previous month', () => {
    const p = every('month', '12:00', 'UTC');
    expectWindow(p, '2026-03-01T11:00:00Z', '2026-02-01T12:00:00Z', '2026-03-01T12:00:00Z');
  });
});

describe('DST zones', () => {
  describe('America/New_York spring forward 2026-03-08 (02:00 EST → 03:00 EDT at 07:00Z)', () => {
    const p = every('day', '02:30', 'America/New_York');

    it('02:30 does not exist that day → first valid instant after it (03:00 EDT = 07:00Z)', () => {
      // Mar 7 02:30 EST = 07:30Z; now = Mar 8 01:59 EST
      expectWindow(p, '2026-03-08T06:59:00Z', '2026-03-07T07:30:00Z', '2026-03-08T07:00:00Z');
    });

    it('at the transition the new period starts; next is 02:30 EDT on Mar 9 (06:30Z)', () => {
      expectWindow(p, '2026-03-08T07:00:00Z', '2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z');
      expectWindow(p, '2026-03-08T07:20:00Z', '2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z');
    });

    it('midnight resets around the change (23h day)', () => {
      const m = every('day', '00:00', 'America/New_York');
      // Mar 8 00:00 EST = 05:00Z; Mar 9 00:00 EDT = 04:00Z
      expectWindow(m, '2026-03-08T12:00:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z');
    });
  });

  describe('America/New_York fall back 2026-11-01 (02:00 EDT → 01:00 EST at 06:00Z)', () => {
    const p = every('day', '01:30', 'America/New_York');

    it('01:30 is ambiguous → the earlier instant (01:30 EDT = 05:30Z)', () => {
      // Oct 31 01:30 EDT = 05:30Z
      expectWindow(p, '2026-11-01T05:00:00Z', '2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z');
      expectWindow(p, '2026-11-01T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z');
    });

    it('the second 01:30 (EST, 06:30Z) is not another reset', () => {
      expectWindow(p, '2026-11-01T06:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z');
      expectWindow(p, '2026-11-01T06:45:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z');
    });
  });

  describe('Europe/London', () => {
    const p = every('month', '00:00', 'Europe/London');

    it('month reset after BST starts (Apr 1 00:00 BST = Mar 31 23:00Z)', () => {
      expectWindow(p, '2026-03-31T22:59:00Z', '2026-03-01T00:00:00Z', '2026-03-31T23:00:00Z');
      expectWindow(p, '2026-03-31T23:00:00Z', '2026-03-31T23:00:00Z', '2026-04-30T23:00:00Z');
    });

    it('month reset after BST ends (Oct 1 00:00 BST = Sep 30 23:00Z; Nov 1 00:00 GMT = 00:00Z)', () => {
      expectWindow(p, '2026-10-31T23:30:00Z', '2026-09-30T23:00:00Z', '2026-11-01T00:00:00Z');
    });

    it('daily 01:30 in the spring gap (01:00 GMT → 02:00 BST on 2026-03-29) → 01:00Z', () => {
      const d = every('day', '01:30', 'Europe/London');
      // Mar 28 01:30 GMT = 01:30Z; Mar 30 01:30 BST = 00:30Z
      expectWindow(d, '2026-03-29T00:59:00Z', '2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z');
      expectWindow(d, '2026-03-29T01:00:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z');
    });

    it('daily 01:30 on the autumn overlap (2026-10-25) → earlier, 01:30 BST = 00:30Z', () => {
      const d = every('day', '01:30', 'Europe/London');
      // Oct 24 01:30 BST = 00:30Z; Oct 26 01:30 GMT = 01:30Z
      expectWindow(d, '2026-10-25T01:15:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z');
      expectWindow(d, '2026-10-25T00:15:00Z', '2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z');
    });
  });

  it('Australia/Lord_Howe half-hour DST shift (02:00 → 02:30 on 2026-10-04)', () => {
    const d = every('day', '02:15', 'Australia/Lord_Howe');
    // Oct 3 02:15 LHST(+10:30) = Oct 2 15:45Z; Oct 4 02:15 is in the gap → 02:00 LHST = Oct 3 15:30Z;
    // Oct 5 02:15 LHDT(+11) = Oct 4 15:15Z
    expectWindow(d, '2026-10-03T15:00:00Z', '2026-10-02T15:45:00Z', '2026-10-03T15:30:00Z');
    expectWindow(d, '2026-10-03T15:30:00Z', '2026-10-03T15:30:00Z', '2026-10-04T15:15:00Z');
  });
});

describe("'once'", () => {
  const once: QuotaPeriod = { kind: 'once' };
  it('has no window and never resets', () => {
    expect(currentWindow(once, T('2026-03-10T00:00:00Z'))).toEqual({ start: null, nextReset: null });
    expect(nextReset(once, T('2026-03-10T00:00:00Z'))).toBeNull();
  });
});

describe('untilToEpoch', () => {
  it('end of the day in the zone', () => {
    expect(iso(untilToEpoch('2026-12-31', 'Asia/Shanghai'))).toBe('2026-12-31T16:00:00.000Z');
    expect(iso(untilToEpoch('2026-12-31', 'UTC'))).toBe('2027-01-01T00:00:00.000Z');
    expect(iso(untilToEpoch('2026-01-31', 'UTC'))).toBe('2026-02-01T00:00:00.000Z');
  });

  it('leap days', () => {
    expect(iso(untilToEpoch('2028-02-28', 'UTC'))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(untilToEpoch('2028-02-29', 'UTC'))).toBe('2028-03-01T00:00:00.000Z');
    expect(() => untilToEpoch('2026-02-29', 'UTC')).toThrow(RangeError);
  });

  it('DST: the next midnight uses the offset in force then', () => {
    // Mar 8 00:00 EST = 05:00Z; Mar 9 00:00 EDT = 04:00Z
    expect(iso(untilToEpoch('2026-03-07', 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(untilToEpoch('2026-03-08', 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
  });

  it('rejects malformed dates and zones', () => {
    expect(() => untilToEpoch('2026-1-5', 'UTC')).toThrow(RangeError);
    expect(() => untilToEpoch('2026-13-01', 'UTC')).toThrow(RangeError);
    expect(() => untilToEpoch('2026-04-31', 'UTC')).toThrow(RangeError);
    expect(() => untilToEpoch('2026-12-31', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('expiryOf', () => {
  const daily = every('day', '00:00', 'Asia/Shanghai');
  const monthly = every('month', '00:00', 'Asia/Shanghai');

  it('picks the reset when it comes first', () => {
    expect(iso(expiryOf(daily, '2026-12-31', 'Asia/Shanghai', T('2026-03-10T15:59:00Z')))).toBe(
      '2026-03-10T16:00:00.000Z',
    );
  });

  it('picks the until date when it comes first', () => {
    // next monthly reset = 2027-01-01 00:00 Shanghai = 2026-12-31T16:00Z; until end of Dec 20 = 2026-12-20T16:00Z
    expect(iso(expiryOf(monthly, '2026-12-20', 'Asia/Shanghai', T('2026-12-10T00:00:00Z')))).toBe(
      '2026-12-20T16:00:00.000Z',
    );
  });

  it('until is interpreted in its own zone argument', () => {
    // end of 2026-12-20 in UTC = 2026-12-21T00:00Z
    expect(iso(expiryOf(monthly, '2026-12-20', 'UTC', T('2026-12-10T00:00:00Z')))).toBe(
      '2026-12-21T00:00:00.000Z',
    );
  });

  it('only one side present / neither', () => {
    const once: QuotaPeriod = { kind: 'once' };
    expect(iso(expiryOf(once, '2026-12-31', 'Asia/Shanghai', T('2026-03-10T00:00:00Z')))).toBe(
      '2026-12-31T16:00:00.000Z',
    );
    expect(iso(expiryOf(daily, null, 'Asia/Shanghai', T('2026-03-10T00:00:00Z')))).toBe('2026-03-10T16:00:00.000Z');
    expect(expiryOf(once, null, 'UTC', T('2026-03-10T00:00:00Z'))).toBeNull();
  });
});

describe('validation', () => {
  it('isValidZone', () => {
    expect(isValidZone('Asia/Shanghai')).toBe(true);
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('America/New_York')).toBe(true);
    expect(isValidZone('Europe/London')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(isValidZone('Asia/Shanghia')).toBe(false);
    expect(isValidZone('')).toBe(false);
  });

  it('invalid zone / time in a period throws RangeError', () => {
    expect(() => nextReset(every('day', '00:00', 'Mars/Olympus'), 0)).toThrow(RangeError);
    expect(() => nextReset(every('day', '24:00', 'UTC'), 0)).toThrow(RangeError);
    expect(() => nextReset(every('day', '9:00', 'UTC'), 0)).toThrow(RangeError);
    expect(() => nextReset(every('day', '12:60', 'UTC'), 0)).toThrow(RangeError);
  });
});

describe('formatSpan', () => {
  const S = 1000;
  const M = 60 * S;
  const H = 60 * M;
  const D = 24 * H;
  it.each([
    [8 * H, '8h'],
    [3 * D + 2 * H, '3d 2h'],
    [3 * D + 2 * H + 59 * M, '3d 2h'],
    [3 * D + 5 * M, '3d'],
    [45 * M, '45m'],
    [45 * M + 10 * S, '45m 10s'],
    [90 * M, '1h 30m'],
    [12 * S, '12s'],
    [12 * S + 999, '12s'],
    [D, '1d'],
    [999, '0s'],
    [0, '0s'],
    [-(8 * H), '-8h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });
});

describe('memoisation stays correct', () => {
  it('reused period object across windows, forwards and backwards in time', () => {
    const p = every('day', '00:00', 'Asia/Shanghai');
    expect(iso(nextReset(p, T('2026-03-10T15:59:00Z')))).toBe('2026-03-10T16:00:00.000Z');
    expect(iso(nextReset(p, T('2026-03-10T16:00:00Z')))).toBe('2026-03-11T16:00:00.000Z');
    expect(iso(nextReset(p, T('2026-03-01T00:00:00Z')))).toBe('2026-03-01T16:00:00.000Z');
    expect(iso(nextReset(p, T('2026-03-10T15:00:00Z')))).toBe('2026-03-10T16:00:00.000Z');
  });

  it('a mutated period object is not served from the stale cache', () => {
    const p = { kind: 'every', unit: 'day', at: '00:00', zone: 'UTC' } as { kind: 'every'; unit: 'day'; at: string; zone: string };
    expect(iso(nextReset(p, T('2026-03-10T12:00:00Z')))).toBe('2026-03-11T00:00:00.000Z');
    p.zone = 'Asia/Shanghai';
    expect(iso(nextReset(p, T('2026-03-10T12:00:00Z')))).toBe('2026-03-10T16:00:00.000Z');
    p.at = '21:00';
    expect(iso(nextReset(p, T('2026-03-10T12:00:00Z')))).toBe('2026-03-10T13:00:00.000Z');
  });

  it('distinct but equal period objects agree', () => {
    const a = every('week', '00:00', 'UTC');
    const b = every('week', '00:00', 'UTC');
    expect(nextReset(a, T('2026-03-10T12:00:00Z'))).toBe(nextReset(b, T('2026-03-10T12:00:00Z')));
  });
});

describe('invariants (property-based)', () => {
  const zones = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  const arbPeriod = fc.record({
    kind: fc.constant('every' as const),
    unit: fc.constantFrom('day' as const, 'week' as const, 'month' as const),
    at: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    zone: fc.constantFrom(...zones),
  });
  // 2020-01-01 .. 2035-01-01
  const arbNow = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });

  it('start ≤ now < nextReset, and the window is self-consistent', () => {
    fc.assert(
      fc.property(arbPeriod, arbNow, (p, now) => {
        const w = currentWindow(p, now);
        const start = w.start as number;
        const next = w.nextReset as number;
        expect(start).toBeLessThanOrEqual(now);
        expect(next).toBeGreaterThan(now);
        // the window seen from its own start / last ms is the same window
        expect(currentWindow(p, start)).toEqual(w);
        expect(currentWindow(p, next - 1)).toEqual(w);
        // and the next window starts exactly at nextReset
        expect(currentWindow(p, next).start).toBe(next);
        const span = next - start;
        const H = 3_600_000;
        const bounds = { day: [22 * H, 26 * H], week: [7 * 24 * H - 2 * H, 7 * 24 * H + 2 * H], month: [28 * 24 * H - 2 * H, 31 * 24 * H + 2 * H] }[p.unit];
        expect(span).toBeGreaterThanOrEqual(bounds[0]);
        expect(span).toBeLessThanOrEqual(bounds[1]);
      }),
      { numRuns: 300 },
    );
  });

  it('fixed-offset zones: daily span is exactly 24h and weekly exactly 7d', () => {
    fc.assert(
      fc.property(arbNow, fc.constantFrom('UTC', 'Asia/Shanghai', 'Asia/Kolkata'), (now, zone) => {
        const d = currentWindow(every('day', '07:45', zone), now);
        expect((d.nextReset as number) - (d.start as number)).toBe(86_400_000);
        const w = currentWindow(every('week', '07:45', zone), now);
        expect((w.nextReset as number) - (w.start as number)).toBe(7 * 86_400_000);
      }),
      { numRuns: 200 },
    );
  });
});
