import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../runtime/router/decide.ts';
import { AnswerJournal } from '../runtime/state/answer-journal.ts';
import { openDatabase } from '../runtime/state/sqlite-store.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS } from './helpers/gateway.ts';
import { compileText } from './helpers/policy.ts';
import { freePort } from '../bench/children.ts';

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

const msg = (content = 'hello there') => [{ role: 'user' as const, content }];
const json = async (url: string, init?: RequestInit) => (await (await fetch(url, init)).json()) as any;

function body(quota: string, extra = '') {
  return `
model freebie/free-model  { context 32k  free ${quota} tokens every day at 00:00 Asia/Shanghai }
model paidco/paid-model   { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
  free freebie/free-model
  willingness 100%
}
retry { attempts 2  backoff 0ms }
${extra}`;
}

describe('free quota accounting', () => {
  it('100 parallel requests against a quota that fits 10: no overspend beyond the estimates in flight', async () => {
    // the estimate the router reserves for this request (same function the gateway runs)
    const probe = compileText(policyFor(up, body('1M')), TEST_KEYS);
    const estimate = decide(probe, { model: 'auto', messages: msg(), maxTokens: 50 }, {}, Date.now(), 0).estimate;
    const quota = estimate * 10;
    const g = await startGateway(policyFor(up, body(String(quota))));
    try {
      up.reset();
      // every answer reports exactly the estimate as its usage: nothing frees up while requests are in flight
      const usage = { promptTokens: estimate - 50, completionTokens: 50 };
      up.script('free-model', ...Array.from({ length: 100 }, () => ({ reply: 'ok', usage, delayMs: 30 })));
      const client = g.client();
      const results = await Promise.all(
        Array.from({ length: 100 }, () => client.chat.completions.create({ model: 'auto', messages: msg(), max_tokens: 50 }).withResponse()),
      );
      const free = results.filter((r) => r.response.headers.get('x-gw-model') === 'freebie/free-model').length;
      expect(free).toBeLessThanOrEqual(10);
      expect(free).toBeGreaterThanOrEqual(1);
      const q = (await json(`${g.url}/quota`)).quotas.find((x: any) => x.model === 'freebie/free-model');
      expect(q.used).toBeLessThanOrEqual(quota);
      expect(q.used).toBe(free * estimate);
      expect(q.in_flight).toBe(0);
      expect(q.remaining).toBe(quota - free * estimate);
    } finally {
      await g.close();
    }
  });

  it('settles streamed answers to the upstream’s usage, releases failures, and survives a restart', async () => {
    const policy = policyFor(up, body('100k'));
    const g = await startGateway(policy);
    up.reset();
    up.script('free-model', { reply: 'a b c', usage: { promptTokens: 40, completionTokens: 7 } }, { status: 500 });
    const s = await g.client().chat.completions.create({ model: 'auto', messages: msg(), stream: true });
    for await (const _ of s) void _;
    // a failure releases its reservation (the request falls back to the paid model)
    await g.client().chat.completions.create({ model: 'auto', messages: msg() });
    const q1 = (await json(`${g.url}/quota`)).quotas[0];
    expect(q1).toMatchObject({ model: 'freebie/free-model', used: 47, in_flight: 0, remaining: 100_000 - 47 });
    await g.close();
    expect(existsSync(join(g.dir, '.gw/state.db'))).toBe(true);
    const again = await startGateway(policy, TEST_KEYS, { dir: g.dir });
    try {
      const q2 = (await json(`${again.url}/quota`)).quotas[0];
      expect(q2).toMatchObject({ used: 47, remaining: 100_000 - 47 });
      // a reload that changes the quota's size keeps the usage
      writeFileSync(again.policyPath, policy.replace('free 100k tokens', 'free 200k tokens'));
      again.gw.holder.reload();
      expect((await json(`${again.url}/quota`)).quotas[0]).toMatchObject({ total: 200_000, used: 47, remaining: 200_000 - 47 });
    } finally {
      await again.close();
    }
  });

  it('a quota error from the provider marks the quota exhausted until its next reset', async () => {
    const g = await startGateway(policyFor(up, body('1M')));
    try {
      up.reset();
      up.script('free-model', { status: 429, body: { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota' } } });
      const r = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(r.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
      const q = (await json(`${g.url}/quota`)).quotas[0];
      expect(q).toMatchObject({ exhausted: true, remaining: 0 });
      const r2 = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(r2.response.headers.get('x-gw-attempts')).toBe('1');
      expect(r2.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
    } finally {
      await g.close();
    }
  });

  it('expiry-first over live state: usage moves the choice', async () => {
    const policy = policyFor(
      up,
      `model freebie/daily   { context 32k  free 10k tokens every day at 00:00 Asia/Shanghai }
model backup/monthly    { context 32k  free 1M tokens every month }
model paidco/paid-model { context 128k  price 1 / 2 }
scenario chat { paid paidco/paid-model
  free any
  willingness 100% }`,
    );
    const g = await startGateway(policy);
    try {
      up.reset();
      up.script('daily', { reply: 'ok', usage: { promptTokens: 9000, completionTokens: 500 } });
      const first = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(first.response.headers.get('x-gw-model')).toBe('freebie/daily'); // resets sooner
      const second = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(second.response.headers.get('x-gw-model')).toBe('backup/monthly'); // 500 left < estimate
    } finally {
      await g.close();
    }
  });
});

describe('budget and limits', () => {
  it('once the budget is spent, free_only skips paid models', async () => {
    const g = await startGateway(
      policyFor(up, `model paidco/paid-model { context 128k  price 1000 / 1000 }
model freebie/free-model { context 32k  free 1M tokens every day }
scenario chat { paid paidco/paid-model
  free freebie/free-model
  willingness 0% }
budget 0.5 per day then free_only`),
    );
    try {
      up.reset();
      up.script('paid-model', { reply: 'ok', usage: { promptTokens: 400, completionTokens: 200 } });
      const a = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(a.response.headers.get('x-gw-model')).toBe('paidco/paid-model');
      const stats = await json(`${g.url}/stats`);
      expect(stats.budget).toMatchObject({ usd: 0.5, per: 'day', spent: 0.6 });
      const b = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      expect(b.response.headers.get('x-gw-model')).toBe('freebie/free-model');
    } finally {
      await g.close();
    }
  });

  it('rpm limits feed eligibility: the router steps around a model before it answers 429', async () => {
    const g = await startGateway(
      policyFor(up, `model freebie/free-model { context 32k  free 1M tokens every day  limit 2 rpm }
model paidco/paid-model { context 128k  price 1 / 2 }
scenario chat { paid paidco/paid-model
  free freebie/free-model
  willingness 100% }`),
    );
    try {
      const models: string[] = [];
      for (let i = 0; i < 4; i++) models.push((await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse()).response.headers.get('x-gw-model')!);
      expect(models).toEqual(['freebie/free-model', 'freebie/free-model', 'paidco/paid-model', 'paidco/paid-model']);
    } finally {
      await g.close();
    }
  });
});

describe('monitoring endpoints', () => {
  it('stats, reports, logs by id, date and limit, metrics, alerts and quota registration', async () => {
    let hooks: any[] = [];
    const hookServer = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        hooks.push(JSON.parse(b));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as any).port}/hook`;
    const g = await startGateway(policyFor(up, body('2000', `alert low_quota below 1500 tokens, expiring within 24h, webhook "${hookUrl}"\npii { detect email phone\n  redact }`)));
    try {
      up.reset();
      up.script('free-model', ...Array.from({ length: 3 }, () => ({ reply: 'ok', usage: { promptTokens: 300, completionTokens: 100 } })));
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await g.client().chat.completions.create({ model: 'auto', messages: msg(`question ${i}: my email is alice.wong@corp-mail.cn`) }).withResponse();
        ids.push(r.response.headers.get('x-gw-request-id')!);
      }
      // low quota: 2000 - 2×400 = 1200 < 1500 fires once; the third request (800 left) does not fire again
      await new Promise((r) => setTimeout(r, 200));
      const lowHooks = hooks.filter((h) => h.alert.reason === 'low_quota');
      expect(lowHooks).toHaveLength(1);
      expect(lowHooks[0].alert).toMatchObject({ provider: 'freebie', model: 'free-model', remaining: 1200 });

      const alerts = await json(`${g.url}/quota/alerts?threshold=1000&expiry_hours=48`);
      expect(alerts.low_quota.count).toBe(1);
      expect(alerts.low_quota.alerts[0].message).toContain('800');
      expect(alerts.expiring_soon.count).toBe(1); // a daily quota always resets within 48h
      expect(alerts.total_alerts).toBe(2);

      const stats = await json(`${g.url}/stats`);
      expect(stats).toMatchObject({ requests24h: 3, freeTokensUsed24h: 1200, tokens24h: { prompt: 900, completion: 300, total: 1200 } });
      expect(stats.saved24h).toBeCloseTo((900 * 1 + 300 * 2) / 1e6, 9);
      expect(stats.freeTier).toMatchObject({ total: 1, available: 1 });

      const report = await json(`${g.url}/report/day`);
      expect(report.rows[0]).toMatchObject({ model: 'freebie/free-model', scenario: 'chat', tier: 'free', requests: 3 });
      expect((await fetch(`${g.url}/report/year`)).status).toBe(404);

      const one = await json(`${g.url}/logs/${ids[1]}`);
      expect(one.id).toBe(ids[1]);
      expect(one.decision.scenario).toBe('chat');
      expect(one.attempt_list[0]).toMatchObject({ provider: 'freebie', ok: true });
      expect(one.response.choices[0].message.content).toBe('ok');
      expect(one.latency_ms).toBeGreaterThan(0);
      // the request held an email address: its body is stored redacted
      expect(one.redacted).toBe(true);
      expect(JSON.stringify(one)).not.toContain('alice.wong@corp-mail.cn');
      const today = new Date().toISOString().slice(0, 10);
      expect((await json(`${g.url}/logs?date=${today}`)).count).toBe(3);
      expect((await json(`${g.url}/logs?limit=2`)).logs.map((l: any) => l.id)).toEqual([ids[2], ids[1]]);
      expect((await fetch(`${g.url}/logs?limit=abc`)).status).toBe(400);
      expect((await fetch(`${g.url}/logs/nope`)).status).toBe(404);

      const metrics = await (await fetch(`${g.url}/metrics`)).text();
      for (const line of metrics.trim().split('\n')) {
        expect(line).toMatch(/^(# (HELP|TYPE) [a-z_:][a-z0-9_:]* .+|[a-z_:][a-z0-9_:]*(\{[a-z_]+="(?:[^"\\]|\\.)*"(,[a-z_]+="(?:[^"\\]|\\.)*")*\})? -?[0-9.e+-]+)$/);
      }
      expect(metrics).toContain('gw_requests_total{model="freebie/free-model",scenario="chat",tier="free",status="200"} 3');
      expect(metrics).toContain('gw_free_quota_remaining_tokens{model="freebie/free-model"} 800');

      // registration: a runtime quota for a model the policy declares without one
      const reg = await fetch(`${g.url}/quota/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'paidco', model: 'paid-model', totalQuota: 50_000, resetPeriod: 'monthly' }),
      });
      expect(reg.status).toBe(201);
      const quota = await json(`${g.url}/quota`);
      expect(quota.quotas.map((q: any) => q.model)).toEqual(['freebie/free-model', 'paidco/paid-model']);
      expect(quota.registered[0]).toMatchObject({ model: 'paid-model', status: 'applied' });
      // and one for a model whose routes.gw line already has a free quota: superseded
      const sup = await json(`${g.url}/quota/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'freebie', model: 'free-model', totalQuota: 9, resetPeriod: 'daily' }),
      });
      expect(sup.status).toBe('superseded by routes.gw');
      const bad = await fetch(`${g.url}/quota/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"provider":"nope","model":"x","totalQuota":5}' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).error.param).toBe('provider');
    } finally {
      await g.close();
      hookServer.close();
      hooks = [];
    }
  });

  it('logs can be turned off; stats still count', async () => {
    const g = await startGateway(policyFor(up, `gateway { logs off }\n${body('1M')}`));
    try {
      const r = await g.client().chat.completions.create({ model: 'auto', messages: msg() }).withResponse();
      const one = await json(`${g.url}/logs/${r.response.headers.get('x-gw-request-id')}`);
      expect(one.request).toBeNull();
      expect((await json(`${g.url}/stats`)).requests24h).toBe(1);
    } finally {
      await g.close();
    }
  });
});

describe('durability', () => {
  it('kill -9 during load loses no settled usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-kill-'));
    const policyPath = join(dir, 'routes.gw');
    writeFileSync(policyPath, policyFor(up, body('10M')));
    up.reset();
    const usage = { promptTokens: 30, completionTokens: 10 };
    up.script('free-model', ...Array.from({ length: 5000 }, () => ({ reply: 'ok', usage, delayMs: 2 })));
    // a port the system just handed out and took back (a random one could be another test's, or an ephemeral port in use)
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/gw.ts', 'serve', '--config', policyPath, '--port', String(port)], {
      env: { ...process.env, ...TEST_KEYS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const base = `http://127.0.0.1:${port}`;
    // its request lines are read and dropped: a pipe nobody reads blocks the gateway's writes once it is full
    child.stdout!.resume();
    let said = '';
    child.stderr!.on('data', (d: Buffer) => void (said = (said + d.toString()).slice(-4096)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gw exited before it listened:\n${said}`);
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`gw did not start:\n${said}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    let ok = 0;
    let stop = false;
    const worker = async () => {
      for (let i = 0; i < 500 && !stop; i++) {
        try {
          const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: msg() }) });
          if (r.status === 200) {
            await r.text();
            ok++;
          }
        } catch {
          /* killed */
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await new Promise((r) => setTimeout(r, 1200));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    expect(ok).toBeGreaterThan(10);
    const db = openDatabase(join(dir, '.gw/state.db'));
    // every answered request's usage was durable before its answer left the gateway: committed, or in the
    // answered-requests journal (a settle's row joins its turn's other settles in one transaction), which the next
    // start replays — as here. Log rows too are written in batches off the request path; the journal has the rest.
    AnswerJournal.open(db, join(dir, '.gw/state.db.answered')).journal.close();
    const used = (db.prepare("SELECT SUM(used) AS u FROM quota_usage WHERE model = 'freebie/free-model'").get() as { u: number }).u;
    expect(used).toBeGreaterThanOrEqual(ok * 40);
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
    db.close();
    expect(rows).toBeGreaterThanOrEqual(ok);
  }, 40_000);
});
