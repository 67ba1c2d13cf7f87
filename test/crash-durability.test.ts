import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { main } from '../cli/main.ts';
import { policyFor, startGateway, TEST_KEYS } from './helpers/gateway.ts';
import { memoryIo } from './helpers/mem-io.ts';
import { freePort } from '../bench/children.ts';

// Issue 10 item 7: after `kill -9` under load, every request the gateway answered is in its ledger, and /stats, the
// budget and /quota agree. Three bounded runs (at most 400 requests each, 6 at a time, on 127.0.0.1), each killed at
// a different point.

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

const POLICY = `
model freebie/free-model  { context 32k  free 100M tokens every day at 00:00 UTC }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario chat {
  free freebie/free-model
  paid paidco/paid-model
  willingness 100%
}
budget 1000 per day then block
retry { attempts 1  backoff 0ms }
`;

async function waitUp(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('gw exited before it listened');
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('gw did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One run: load, kill -9 after `killAfter` answers, then what the client saw answered (id → free or paid). */
async function loadAndKill(dir: string, killAfter: number): Promise<Map<string, 'free' | 'paid'>> {
  // a port the system just handed out and took back (a random one could be another test's, or an ephemeral port in use)
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/gw.ts', 'serve', '--config', join(dir, 'routes.gw'), '--port', String(port)], {
    env: { ...process.env, ...TEST_KEYS },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume(); // a pipe nobody reads blocks the gateway's writes once it is full
  const base = `http://127.0.0.1:${port}`;
  await waitUp(base, child);
  const answered = new Map<string, 'free' | 'paid'>();
  let sent = 0;
  let killed = false;
  const worker = async (w: number) => {
    while (!killed && sent < 400) {
      const paid = sent++ % 3 === 2;
      try {
        const r = await fetch(`${base}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: paid ? 'paidco/paid-model' : 'auto', messages: [{ role: 'user', content: `hello ${w}` }], ...(w % 2 ? { stream: true, stream_options: { include_usage: true } } : {}) }),
        });
        await r.text();
        if (r.status === 200) answered.set(r.headers.get('x-gw-request-id')!, paid ? 'paid' : 'free');
      } catch {
        /* the gateway is gone */
      }
      if (answered.size >= killAfter && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
  if (!killed) child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  return answered;
}

describe('kill -9 under load (issue 10 item 7)', () => {
  it('every answered request is in the ledger after a restart, and /stats, the budget and /quota agree (3 runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-crash-'));
    const policy = policyFor(up, POLICY);
    writeFileSync(join(dir, 'routes.gw'), policy);
    const all = new Map<string, 'free' | 'paid'>();
    for (const killAfter of [120, 200, 160]) {
      for (const [id, kind] of await loadAndKill(dir, killAfter)) all.set(id, kind);
      // before any restart, `gw quota` reads the crashed state (the journal replayed, nothing written)
      const io = memoryIo(dir, TEST_KEYS);
      expect(await main(['quota', '--json'], io), io.stderr).toBe(0);
      const cliUsed = (JSON.parse(io.stdout) as { model: string; used: number }[]).find((q) => q.model === 'freebie/free-model')!.used;
      // the next start (in process, on the same state) sees every request answered so far
      const g = await startGateway(policy, TEST_KEYS, { dir });
      try {
        const get = async (path: string) => (await (await fetch(`${g.url}${path}`)).json()) as any;
        const missing: string[] = [];
        for (const id of all.keys()) if ((await get(`/logs/${id}`)).id !== id) missing.push(id);
        expect(missing, `${missing.length} of ${all.size} answered requests missing from the log`).toEqual([]);
        const stats = await get('/stats');
        const quota = (await get('/quota')).quotas.find((q: any) => q.model === 'freebie/free-model');
        expect(stats.requests24h).toBeGreaterThanOrEqual(all.size);
        // the free quota's settled usage is exactly the free tokens of the logged requests
        expect(quota.used).toBe(stats.freeTokensUsed24h);
        // and `gw quota` showed it before the restart
        expect(cliUsed).toBe(quota.used);
        // the budget's spend is the logged cost, and counts every answered paid request
        expect(stats.budget.spent).toBeCloseTo(stats.cost24h, 6);
        const paidRows = stats.perModel.find((m: any) => m.model === 'paidco/paid-model');
        expect(paidRows.requests).toBeGreaterThanOrEqual([...all.values()].filter((k) => k === 'paid').length);
      } finally {
        await g.close();
      }
    }
  }, 120_000);
});
