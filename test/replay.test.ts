import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { movedBetween, runReplay } from '../runtime/replay/replay.ts';
import { parseTraffic, trafficLineText, type TrafficLine } from '../runtime/replay/traffic.ts';
import { synthTraffic, parseMix } from '../runtime/replay/synth.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { compileText } from './helpers/policy.ts';

const KEYS = { DAILY_KEY: 'k1', GRANT_KEY: 'k2', PAID_KEY: 'k3' };
const providers = `
provider daily { base_url "http://127.0.0.1:9/v1"  key env DAILY_KEY }
provider grant { base_url "http://127.0.0.1:9/v1"  key env GRANT_KEY }
provider paid  { base_url "http://127.0.0.1:9/v1"  key env PAID_KEY }
`;
const models = `
model daily/m { context 128k  free 100k tokens every day at 00:00 UTC }
model grant/m { context 128k  free 1M tokens once until 2026-11-10 }
model paid/m  { context 128k  price 1 / 2 }
`;
// rank expiry: the quota that resets or expires soonest first (the daily one, until the grant's last day)
const EXPIRY = `${providers}${models}
scenario chat { paid paid/m  free daily/m, grant/m  willingness 100%  rank expiry }`;
// the one-time grant first, in listed order
const GRANT_FIRST = `${providers}${models}
scenario chat { paid paid/m  free grant/m, daily/m  willingness 100%  rank capability }`;

/** November 2026: 20 requests a day at 01:00…20:00 UTC, each 9,000 prompt + 1,000 answer tokens: 200k a day. */
function month(): TrafficLine[] {
  const out: TrafficLine[] = [];
  for (let day = 1; day <= 30; day++)
    for (let h = 1; h <= 20; h++)
      out.push({
        at: `2026-11-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`,
        endpoint: 'chat',
        request: { model: 'auto', messages: [{ role: 'user', content: `request ${day}-${h}` }], max_tokens: 1000 },
        usage: { prompt_tokens: 9000, completion_tokens: 1000 },
      });
  return out;
}

const traffic = () => parseTraffic(month().map(trafficLineText).join('\n'));

describe('gw replay: a month whose answer is known by hand', () => {
  it('rank expiry wastes no free quota and spends less than listing the one-time grant first', () => {
    const a = runReplay(compileText(EXPIRY, KEYS), 'expiry.gw', traffic());
    const b = runReplay(compileText(GRANT_FIRST, KEYS), 'grant-first.gw', traffic());
    // expiry: the daily 100k every day, the grant 100k a day for days 1–10 (exactly its 1M), paid for days 11–30
    expect(a.freeTokensUsed).toBe(30 * 100_000 + 1_000_000);
    expect(a.freeTokensExpiredUnused).toBe(0);
    expect(a.paidTokens).toBe(20 * 100_000);
    expect(a.spentUsd).toBeCloseTo(200 * (9000 * 1 + 1000 * 2) / 1e6, 9);
    // grant first: the grant is gone after day 5 while the daily quota of days 1–5 expires unused
    expect(b.freeTokensExpiredUnused).toBe(5 * 100_000);
    expect(b.waste.find((w) => w.model === 'daily/m')).toMatchObject({ periods: 29, unused: 500_000 });
    expect(b.paidTokens).toBe(25 * 100_000);
    expect(b.spentUsd).toBeCloseTo(250 * 0.011, 9);
    expect(b.spentUsd).toBeGreaterThan(a.spentUsd);
    expect(a.allPaidUsd).toBeCloseTo(a.spentUsd + a.savedUsd, 9);
    const moved = movedBetween(a, b);
    expect(moved.count).toBeGreaterThan(0);
    expect(moved.top[0].count).toBeGreaterThan(0);
  });

  it('is deterministic: two runs give identical JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-replay-'));
    writeFileSync(join(dir, 'a.gw'), EXPIRY);
    writeFileSync(join(dir, 'b.gw'), GRANT_FIRST);
    const lines = [...synthTraffic({ days: 3, perDay: 40, mix: parseMix('code=40%,chat=60%'), seed: 3, start: Date.UTC(2026, 10, 1) })];
    writeFileSync(join(dir, 't.jsonl'), lines.map(trafficLineText).join('\n'));
    const run = async () => {
      const io = memoryIo(dir, KEYS);
      expect(await main(['replay', '--traffic', join(dir, 't.jsonl'), '--config', join(dir, 'a.gw'), '--against', join(dir, 'b.gw'), '--json'], io)).toBe(0);
      return io.stdout;
    };
    const one = await run();
    expect(await run()).toBe(one);
    const j = JSON.parse(one);
    expect(j.runs).toHaveLength(2);
    for (const k of ['config', 'spentUsd', 'allPaidUsd', 'savedUsd', 'freeTokensUsed', 'freeTokensExpiredUnused', 'paidTokens', 'refused', 'byModel']) expect(j.runs[0]).toHaveProperty(k);
    expect(j.moved[0]).toHaveProperty('count');
  });

  it('session affinity is replayed: a session stays on its model across recorded draws that would alternate; sticky off follows them', () => {
    const policy = (sticky: string) => `${providers}
model daily/m { context 128k  free 1M tokens every day }
model paid/m  { context 128k  price 1 / 2 }
scenario chat { paid paid/m  free daily/m  willingness 50%  sticky ${sticky} }`;
    const turn = (i: number): TrafficLine => ({
      at: `2026-11-01T10:0${i}:00Z`,
      endpoint: 'chat',
      request: { model: 'auto', messages: [{ role: 'user', content: 'hello' }, ...(i ? [{ role: 'assistant', content: 'hi' }, { role: 'user', content: `turn ${i}` }] : [])] },
      headers: { 'x-gw-session': 'conv-1' },
      draw: i % 2 ? 0.9 : 0.1,
    });
    const traffic = parseTraffic([0, 1, 2, 3].map(turn).map(trafficLineText).join('\n'));
    expect(runReplay(compileText(policy('30m'), KEYS), 'sticky.gw', traffic).outcomes.map((o) => o.model)).toEqual(['daily/m', 'daily/m', 'daily/m', 'daily/m']);
    expect(runReplay(compileText(policy('off'), KEYS), 'sticky.gw', traffic).outcomes.map((o) => o.model)).toEqual(['daily/m', 'paid/m', 'daily/m', 'paid/m']);
  });

  it('time zones and until dates at the edges: a quota resets at its own midnight, a grant ends at the end of its day', () => {
    const policy = `${providers}
model daily/m { context 128k  free 10k tokens every day at 00:00 Asia/Shanghai }
model grant/m { context 128k  free 1M tokens once until 2026-11-10 }
model paid/m  { context 128k  price 1 / 2 }
scenario chat { paid paid/m  free daily/m  willingness 100% }`;
    const t = (at: string, content = 'x'): TrafficLine => ({ at, endpoint: 'chat', request: { model: 'auto', messages: [{ role: 'user', content }] }, usage: { prompt_tokens: 9000, completion_tokens: 1000 } });
    // 15:59Z and 16:01Z on Nov 1 are either side of midnight in Shanghai (UTC+8)
    const lines = [t('2026-11-01T15:58:00Z'), t('2026-11-01T15:59:00Z'), t('2026-11-01T16:01:00Z')];
    const r = runReplay(compileText(policy, KEYS), 'tz.gw', parseTraffic(lines.map(trafficLineText).join('\n')));
    expect(r.outcomes.map((o) => o.model)).toEqual(['daily/m', 'paid/m', 'daily/m']);
    // the Shanghai day that ended at 16:00Z granted 10k and had 10k used: nothing wasted
    expect(r.waste.find((w) => w.model === 'daily/m')).toMatchObject({ periods: 1, granted: 10_000, used: 10_000, unused: 0 });
    // a grant "until 2026-11-10" (UTC) is usable at 23:59Z on the 10th, gone at 00:00Z on the 11th
    const grant = `${providers}${models}\nscenario chat { paid paid/m  free grant/m  willingness 100% }`;
    const g = runReplay(compileText(grant, KEYS), 'g.gw', parseTraffic([t('2026-11-10T23:59:00Z'), t('2026-11-11T00:00:00Z')].map(trafficLineText).join('\n')));
    expect(g.outcomes.map((o) => o.model)).toEqual(['grant/m', 'paid/m']);
    expect(g.waste.find((w) => w.model === 'grant/m')).toMatchObject({ periods: 1, granted: 1_000_000, used: 10_000, unused: 990_000 });
  });

  it('replays Responses and Messages traffic through their own front doors’ parsers', () => {
    const lines: TrafficLine[] = [
      { at: '2026-11-01T01:00:00Z', endpoint: 'responses', request: { model: 'auto', instructions: 'be brief', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], max_output_tokens: 1000 }, usage: { prompt_tokens: 9000, completion_tokens: 1000 } },
      { at: '2026-11-01T02:00:00Z', endpoint: 'messages', request: { model: 'claude-haiku-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }, usage: { prompt_tokens: 9000, completion_tokens: 1000 } },
      { at: '2026-11-01T03:00:00Z', endpoint: 'responses', request: { model: 'auto' } },
    ];
    const r = runReplay(compileText(EXPIRY, KEYS), 'expiry.gw', parseTraffic(lines.map(trafficLineText).join('\n')));
    expect(r.outcomes.map((o) => o.model)).toEqual(['daily/m', 'daily/m', null]);
    expect(r.refusedBy).toEqual({ invalid_request: 1 });
  });

  it('--start-used starts a quota part-used in the period the traffic starts in', () => {
    const a = runReplay(compileText(EXPIRY, KEYS), 'expiry.gw', traffic(), { startUsed: { 'daily/m': 100_000 } });
    // Nov 1's daily quota is already spent: the day's first ten requests go to the grant instead
    expect(a.outcomes.slice(0, 10).map((o) => o.model)).toEqual(Array(10).fill('grant/m'));
    expect(a.outcomes[20].model).toBe('daily/m');
  });

  it('bad traffic is a clear message naming the line, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-replay-'));
    writeFileSync(join(dir, 'a.gw'), EXPIRY);
    writeFileSync(join(dir, 'bad.jsonl'), `${trafficLineText(month()[0])}\n{"at": "yesterday", "request": {}}\n`);
    const io = memoryIo(dir, KEYS);
    expect(await main(['replay', '--traffic', join(dir, 'bad.jsonl'), '--config', join(dir, 'a.gw')], io)).toBe(2);
    expect(io.stderr).toContain('bad.jsonl:2: "at" is not a time');
  });

  it('gw explain --replay shows the trace of one replayed request, with the quota it met', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-replay-'));
    writeFileSync(join(dir, 'a.gw'), EXPIRY);
    writeFileSync(join(dir, 't.jsonl'), month().map(trafficLineText).join('\n'));
    const io = memoryIo(dir, KEYS);
    // line 11: the 11th request of Nov 1, after the daily quota's 100k went to the first ten
    expect(await main(['explain', '--replay', join(dir, 't.jsonl'), '--at', '11', '--config', join(dir, 'a.gw')], io)).toBe(0);
    expect(io.stdout).toContain('replayed');
    expect(io.stdout).toMatch(/daily\/m.*(quota|left)/);
    expect(io.stdout).toMatch(/→ grant\/m|grant\/m.*chosen|choice.*grant\/m/);
  });
});

describe('gw replay of a real run', () => {
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream();
  });
  afterAll(async () => {
    await up?.close();
  });

  it('replaying the log of a run under its own policy reproduces its decisions request by request', async () => {
    const body = `
model freebie/free-model  { context 32k  free 3k tokens every day at 00:00 Asia/Shanghai }
model paidco/paid-model   { context 128k  price 1 / 2 }
model backup/b-model      { context 128k  price 2 / 4 }
scenario code when text ~ /python/ { paid backup/b-model  free freebie/free-model  willingness 100% }
scenario chat { paid paidco/paid-model  free freebie/free-model  willingness 50% }
retry { attempts 2  backoff 0ms }`;
    let i = 0;
    const draws = [0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05, 0.95, 0.5, 0.45];
    const g = await startGateway(policyFor(up, body), undefined, { random: () => draws[i++ % draws.length] });
    try {
      up.reset();
      const client = g.client();
      const answered: string[] = [];
      for (let n = 0; n < 12; n++) {
        const r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: n % 3 === 0 ? `python task ${n}` : `hello ${n}` }], max_tokens: 100 }).withResponse();
        answered.push(r.response.headers.get('x-gw-model')!);
      }
      expect(new Set(answered).size).toBeGreaterThan(1);
      // the log is written by the gateway's log-writer thread a few ms after each answer; a read through the gateway
      // waits until it has committed, as a user's `gw logs export` after a run would find it
      expect((await fetch(`${g.url}/logs?limit=1`)).status).toBe(200);
      const io = memoryIo(g.dir, {});
      expect(await main(['logs', 'export', '--config', g.policyPath], io)).toBe(0);
      const lines = io.stdout.trim().split('\n');
      expect(lines).toHaveLength(12);
      writeFileSync(join(g.dir, 'log.jsonl'), io.stdout);
      // the CLI with no key variables set: every provider still counts as enabled (no model is called)
      const cli = memoryIo(g.dir, {});
      expect(await main(['replay', '--traffic', join(g.dir, 'log.jsonl'), '--config', g.policyPath, '--json'], cli)).toBe(0);
      expect(JSON.parse(cli.stdout).runs[0].byModel.reduce((s: number, m: any) => s + m.requests, 0)).toBe(12);
      const own = runReplay(compileText(policyFor(up, body), TEST_KEYS), 'own', parseTraffic(io.stdout));
      expect(own.outcomes.map((o) => o.model)).toEqual(answered);
    } finally {
      await g.close();
    }
  });
});
