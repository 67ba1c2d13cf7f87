import { describe, expect, it } from 'vitest';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { decodeCursor, encodeCursor, searchLogs } from '../runtime/state/log-search.ts';

function db(rows: number, ts: (i: number) => number) {
  const d = openDatabase(':memory:');
  const ins = d.prepare("INSERT INTO requests (id, ts, endpoint, status, stream, latency_ms, model, tier) VALUES (?, ?, 'chat.completions', ?, 0, 1, ?, ?)");
  d.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`id-${i}`, ts(i), i % 10 === 0 ? 502 : 200, i % 2 ? 'a/one' : 'b/two', i % 3 ? 'free' : 'paid');
  })();
  return d;
}

describe('console log search', () => {
  it('pages newest first by (ts, rowid): rows with the same ts are neither repeated nor skipped', () => {
    const d = db(500, (i) => 1000 + Math.floor(i / 7)); // 7 rows per ts
    const seen: string[] = [];
    let next = null;
    let pages = 0;
    do {
      const p = searchLogs(d, { model: 'a/one' }, next, 13);
      seen.push(...p.rows.map((r) => r.id));
      for (let i = 1; i < p.rows.length; i++) expect(p.rows[i - 1]!.ts).toBeGreaterThanOrEqual(p.rows[i]!.ts);
      next = p.next && decodeCursor(encodeCursor(p.next));
      pages++;
    } while (next && pages < 100);
    expect(seen.length).toBe(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen.every((id) => Number(id.slice(3)) % 2 === 1)).toBe(true);
  });

  it('a text search scans a bounded window per call and hands on a cursor until it finds the row', () => {
    const d = db(50_000, (i) => i);
    d.prepare("INSERT INTO requests (id, ts, endpoint, status, stream, latency_ms, model, error_type) VALUES ('old-one', -5, 'chat.completions', 502, 0, 1, 'c/three', 'upstream_needle')").run();
    let p = searchLogs(d, { q: 'NEEDLE' }, null, 50);
    let calls = 1;
    expect(p.rows).toEqual([]);
    expect(p.next).not.toBeNull();
    while (p.rows.length === 0 && p.next && calls < 10) {
      p = searchLogs(d, { q: 'needle' }, p.next, 50);
      calls++;
    }
    expect(p.rows.map((r) => r.id)).toEqual(['old-one']);
    expect(calls).toBe(3);
    expect(p.next).toBeNull();
    // a text with LIKE's wildcards matches them literally
    expect(searchLogs(d, { q: '%' }, null, 50).rows).toEqual([]);
  });

  it('a filtered search reads only the hours the rollups name, and pages the same rows a scan of every row finds', () => {
    const HOUR = 3_600_000;
    // 200 hours; model a/one only in hours divisible by 3, status 502 only in every 10th row
    const d = openDatabase(':memory:');
    const ins = d.prepare("INSERT INTO requests (id, ts, endpoint, status, stream, latency_ms, model, tier, client) VALUES (?, ?, 'chat.completions', ?, 0, 1, ?, ?, ?)");
    d.transaction(() => {
      for (let i = 0; i < 4000; i++) {
        const hour = Math.floor(i / 20);
        ins.run(`id-${i}`, 1_700_000_000_000 - (1_700_000_000_000 % HOUR) + hour * HOUR + (i % 20) * 1000, i % 10 === 0 ? 502 : 200, hour % 3 === 0 ? 'a/one' : 'b/two', i % 4 ? 'free' : 'paid', i % 7 ? null : 'ci');
      }
    })();
    const filters: Parameters<typeof searchLogs>[1][] = [
      { model: 'a/one' },
      { model: 'a/one', status: 502 },
      { status: 'error', tier: 'paid' },
      { client: 'ci', statusClass: 2 },
      { model: 'b/two', from: 1_700_000_000_000 + 50 * HOUR, to: 1_700_000_000_000 + 90 * HOUR },
      { model: 'nope/none' },
    ];
    for (const f of filters) {
      const want = searchLogs(d, {}, null, 5000).rows.filter(
        (r) =>
          (f.model === undefined || r.model === f.model) &&
          (f.tier === undefined || r.tier === f.tier) &&
          (f.client === undefined || r.client === f.client) &&
          (f.status === undefined || (f.status === 'error' ? r.status >= 400 : r.status === f.status)) &&
          (f.statusClass === undefined || Math.floor(r.status / 100) === f.statusClass) &&
          (f.from === undefined || r.ts >= f.from) &&
          (f.to === undefined || r.ts < f.to),
      );
      const got: string[] = [];
      let next = null;
      let pages = 0;
      do {
        const p = searchLogs(d, f, next, 7);
        got.push(...p.rows.map((r) => r.id));
        next = p.next;
      } while (next && ++pages < 1000);
      expect(got, JSON.stringify(f)).toEqual(want.map((r) => r.id));
    }
  });

  it('filters by status code, class and error, tier and time', () => {
    const d = db(300, (i) => i * 10);
    const all = (f: Parameters<typeof searchLogs>[1]) => searchLogs(d, f, null, 200).rows;
    expect(all({ status: 502 }).length).toBe(30);
    expect(all({ statusClass: 5 }).length).toBe(30);
    expect(all({ status: 'error' }).length).toBe(30);
    expect(all({ tier: 'paid', from: 0, to: 300 }).map((r) => r.id)).toEqual(['id-27', 'id-24', 'id-21', 'id-18', 'id-15', 'id-12', 'id-9', 'id-6', 'id-3', 'id-0']);
    expect(decodeCursor('not-a-cursor')).toBeNull();
  });
});
