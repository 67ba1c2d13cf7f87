// The console in a real browser (issue 15): Debian's Chromium against the real gateway and the fake upstream —
// login, the dashboard against /stats, the quota bars against /quota, a logged request's trace linked to its
// routes.gw line, keys created and revoked, every page at phone width without horizontal scrolling, screenshots,
// and no error in the browser's console.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { DESKTOP, editorLineOf, ensureConsoleBuilt, HAVE_CHROMIUM, launchChromium, pageOverflow, PHONE, screenshot, type Chromium } from './helpers/browser.ts';

const ADMIN = 'console-admin-token-0123456789';
const BODY = `
gateway { auth env GW_CONSOLE_TOKEN }
model freebie/free-model { context 32k  free 200k tokens every day }
model paidco/paid-model  { context 128k  price 1 / 2 }
scenario code when text ~ /python/i {
  paid paidco/paid-model
  willingness 0%
}
scenario chat {
  free freebie/free-model
  paid paidco/paid-model
  willingness 100%
}
alert low_quota below 5000 tokens, expiring within 24h, webhook "HOOK"
`;
const PAGES = ['', 'quotas', 'logs', 'policy', 'providers', 'keys', 'alerts'];

async function admin<T>(g: RunningGateway, path: string): Promise<T> {
  const r = await fetch(`${g.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(r.status, `${path} answered ${r.status}`).toBe(200);
  return (await r.json()) as T;
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAVE_CHROMIUM)('the console in Chromium', () => {
  let up: FakeUpstream;
  let g: RunningGateway;
  let chrome: Chromium;
  let ctx: BrowserContext;
  let page: Page;
  /** the alert webhook: a local server that keeps what it is sent */
  let hook: Server;
  const hooked: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    up = await startFakeUpstream();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (hooked.push(body), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
    g = await startGateway(policyFor(up, BODY.replace('HOOK', hookUrl), ['freebie', 'paidco']), { ...TEST_KEYS, GW_CONSOLE_TOKEN: ADMIN });
    const client = g.client({ apiKey: ADMIN });
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `hello number ${i}` }] });
    await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'write python to sort a list' }] });
    await until('five logged requests', async () => (await admin<{ requests24h: number }>(g, '/stats')).requests24h === 5);
    chrome = await launchChromium();
    ctx = await chrome.context(DESKTOP);
    page = await ctx.newPage();
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await g?.close();
    await up?.close();
    await new Promise((r) => hook?.close(r));
  }, 30_000);

  it('refuses a wrong token, then logs in with the admin token', { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/quotas`);
    await page.waitForURL(/\/console\/login\?next=/);
    await screenshot(page, 'login-desktop');
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('form[data-test=login] button[type=submit]');
    await expect.poll(() => page.textContent('[data-test=login-error]'), { timeout: 10_000 }).toMatch(/wrong admin token/i);
    await page.fill('input[name=token]', ADMIN);
    await page.click('form[data-test=login] button[type=submit]');
    await page.waitForURL(`${g.url}/console/quotas`);
    const cookies = await ctx.cookies(`${g.url}/console/`);
    const c = cookies.find((x) => x.name === 'gw_console');
    expect(c?.httpOnly).toBe(true);
    expect(c?.sameSite).toBe('Strict');
  });

  it("shows today's figures equal to /stats", { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console`);
    await page.waitForSelector('[data-test=figures] [data-k=requests]');
    const stats = await admin<{ requests24h: number; tokens24h: { total: number }; cost24h: number; saved24h: number; errors24h: number; freeTokensUsed24h: number }>(g, '/stats');
    const fig = async (k: string) => Number(await page.getAttribute(`[data-k=${k}]`, 'data-v'));
    expect(await fig('requests')).toBe(stats.requests24h);
    expect(await fig('tokens')).toBe(stats.tokens24h.total);
    expect(await fig('errors')).toBe(stats.errors24h);
    expect(await fig('free_used')).toBe(stats.freeTokensUsed24h);
    expect(await fig('cost')).toBeCloseTo(stats.cost24h, 6);
    expect(await fig('saved')).toBeCloseTo(stats.saved24h, 6);
    expect(stats.tokens24h.total).toBeGreaterThan(0);
    // the charts are drawn (uPlot canvases), split by tier and by model
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(2);
    await page.click('[data-test=split-model]');
    await expect.poll(() => page.locator('.chart .u-legend').first().textContent()).toContain('freebie/free-model');
  });

  it('draws one bar per free quota with the numbers of /quota', { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/quotas`);
    await page.waitForSelector('[data-test=quota]');
    const q = await admin<{ quotas: { provider: string; model: string; used: number; in_flight: number; remaining: number; total: number }[] }>(g, '/quota');
    expect(q.quotas.length).toBe(1);
    const bars = page.locator('[data-test=quota]');
    expect(await bars.count()).toBe(q.quotas.length);
    for (const want of q.quotas) {
      const bar = page.locator(`[data-test=quota][data-model="${want.provider}/${want.model}"], [data-test=quota][data-model="${want.model}"]`).first();
      const attr = async (n: string) => Number(await bar.getAttribute(`data-${n}`));
      expect(await attr('used')).toBe(want.used);
      expect(await attr('reserved')).toBe(want.in_flight);
      expect(await attr('remaining')).toBe(want.remaining);
      expect(await attr('limit')).toBe(want.total);
      expect(want.used).toBeGreaterThan(0);
      // the drawn bar: the used part's share of the whole bar is used / total
      const [whole, used] = await Promise.all([bar.locator('.bar').boundingBox(), bar.locator('.bar .used').boundingBox()]);
      expect(used!.width / whole!.width).toBeCloseTo(want.used / want.total, 2);
    }
  });

  it("shows a logged request's page with its trace, each step linked to its routes.gw line", { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/logs`);
    await page.waitForSelector('[data-test=logs] tbody tr');
    expect(await page.locator('[data-test=logs] tbody tr').count()).toBe(5);
    // the python request is the newest: its row links to its page
    await page.locator('[data-test=logs] tbody tr').first().locator('a').click();
    await page.waitForURL(/\/console\/logs\/[^/]+$/);
    await page.waitForSelector('[data-test=trace] .step');
    const trace = await page.textContent('[data-test=trace]');
    expect(trace).toContain('code');
    expect(await page.textContent('[data-test=request-body]')).toContain('write python to sort a list');
    expect(await page.locator('[data-test=attempts] tbody tr').count()).toBeGreaterThanOrEqual(1);
    // a step's link opens the policy at its line, highlighted
    const link = page.locator('[data-test=trace] a[data-line]').first();
    const line = Number(await link.getAttribute('data-line'));
    expect(line).toBeGreaterThan(0);
    await link.click();
    await page.waitForURL(new RegExp(`/console/policy#L${line}$`));
    await page.waitForSelector('.cm-gw-target');
    expect(await editorLineOf(page, '.cm-gw-target')).toBe(line);
  });

  it('filters the log and pages through it by its keyset cursor', { timeout: 60_000 }, async () => {
    await page.goto(`${g.url}/console/logs?scenario=code`);
    await page.waitForSelector('[data-test=logs] tbody tr');
    await expect.poll(() => page.locator('[data-test=logs] tbody tr').count()).toBe(1);
    expect(await page.inputValue('form[data-test=filters] input >> nth=3')).toBe('code');
    // 55 more requests: the first page shows 50, the next one the 10 older ones
    const client = g.client({ apiKey: ADMIN });
    for (let i = 0; i < 55; i++) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: `paging ${i}` }] });
    await until('60 logged requests', async () => (await admin<{ requests24h: number }>(g, '/stats')).requests24h === 60);
    await page.goto(`${g.url}/console/logs`);
    await page.waitForSelector('[data-test=logs] tbody tr');
    expect(await page.locator('[data-test=logs] tbody tr').count()).toBe(50);
    const firstPage = await page.locator('[data-test=logs] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    await page.click('[data-test=more]');
    await expect.poll(() => page.locator('[data-test=logs] tbody tr').count()).toBe(60);
    const all = await page.locator('[data-test=logs] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(new Set(all).size).toBe(60);
    expect(all.slice(0, 50)).toEqual(firstPage);
    expect(await page.locator('[data-test=more]').count()).toBe(0);
  });

  it('creates a client key (shown once) that works, then revokes it', { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/keys`);
    await page.waitForSelector('form[data-test=create-key]');
    await page.fill('form[data-test=create-key] input[name=name]', 'ci-bot');
    await page.click('form[data-test=create-key] button[type=submit]');
    const key = (await page.textContent('[data-test=new-key]', { timeout: 10_000 }))!.trim();
    expect(key.length).toBeGreaterThan(16);
    await page.waitForSelector('[data-test=keys] tr[data-name=ci-bot]');
    const ok = await g.client({ apiKey: key }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi from the key' }] });
    expect(ok.choices[0]!.message.content).toBeTruthy();
    // leaving the page forgets the key: it is never shown again
    await page.reload();
    await page.waitForSelector('[data-test=keys] tr[data-name=ci-bot]');
    expect(await page.content()).not.toContain(key);
    const revoke = page.locator('[data-test=keys] tr[data-name=ci-bot] [data-test=revoke]');
    await revoke.click();
    await revoke.click(); // the second click confirms
    await page.waitForSelector('[data-test=keys] tr[data-name=ci-bot][data-revoked=true]');
    const after = await fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(after.status).toBe(401);
  });

  it('lists the alerts, shows the webhook masked and sends it a test alert', { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/alerts`);
    await page.waitForSelector('[data-test=send-test]');
    const shown = await page.textContent('main');
    expect(shown).toContain('http://127.0.0.1');
    expect(shown).not.toContain('/hook');
    // the daily quota resets within 24 h: an expiring-soon alert, as /quota/alerts says
    const alerts = await admin<{ total_alerts: number }>(g, '/quota/alerts');
    expect(await page.locator('[data-test=alert]').count()).toBe(alerts.total_alerts);
    hooked.length = 0;
    await page.click('[data-test=send-test]');
    await page.waitForSelector('.notice.ok');
    await until('the test alert at the webhook', async () => hooked.length === 1);
    expect(JSON.parse(hooked[0]!).alert.reason).toBe('test');
  });

  it('shows a new request on the logs page without a reload (server-sent events)', { timeout: 30_000 }, async () => {
    await page.goto(`${g.url}/console/logs`);
    await page.waitForSelector('[data-test=logs] tbody tr');
    const before = await page.locator('[data-test=logs] tbody tr').count();
    await g.client({ apiKey: ADMIN }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'a live one' }] });
    await expect.poll(() => page.locator('[data-test=logs] tbody tr').count(), { timeout: 10_000 }).toBe(before + 1);
  });

  it('fits every page in a phone-wide window (360 px) without horizontal scrolling, and screenshots each page', { timeout: 120_000 }, async () => {
    await page.goto(`${g.url}/console/logs`);
    const logId = await page.locator('[data-test=logs] tbody tr').first().getAttribute('data-id');
    const phone = await chrome.context(PHONE);
    const signIn = await phone.newPage();
    await signIn.goto(`${g.url}/console/login`);
    await signIn.waitForSelector('form[data-test=login]');
    const o = await pageOverflow(signIn);
    expect(o.scrollWidth, `login at 360 px: ${o.widest}`).toBeLessThanOrEqual(o.innerWidth);
    await screenshot(signIn, 'login-phone');
    await signIn.close();
    await ctx.storageState().then((s) => phone.addCookies(s.cookies));
    const small = await phone.newPage();
    const all = [...PAGES, ...(logId ? [`logs/${encodeURIComponent(logId)}`] : [])];
    for (const [p, name] of all.map((p) => [p, p === '' ? 'dashboard' : p.startsWith('logs/') ? 'log' : p] as const)) {
      for (const [where, pg] of [['phone', small], ['desktop', page]] as const) {
        await pg.goto(`${g.url}/console/${p}`);
        await pg.waitForSelector('main h1');
        await pg.waitForTimeout(400); // the page's data (one local API call) and its charts
        if (where === 'phone') {
          const o = await pageOverflow(pg);
          expect(o.scrollWidth, `${p || 'dashboard'} at 360 px: ${o.widest}`).toBeLessThanOrEqual(o.innerWidth);
        }
        // a request's page is shown at its trace (what the README's phone screenshot is of)
        if (name === 'log') await pg.locator('[data-test=trace]').scrollIntoViewIfNeeded();
        await screenshot(pg, `${name}-${where}`);
      }
    }
    await phone.close();
  });

  it('printed no error in the browser console on any page', () => {
    expect(chrome.errors).toEqual([]);
  });
});
