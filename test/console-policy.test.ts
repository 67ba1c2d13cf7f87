// The console's policy editor in a real browser (issue 15): a broken edit shows the compiler's diagnostic at its line
// as it is typed while the gateway keeps serving the last good policy; a good edit, reviewed as a diff and saved, is
// written and reloaded (the generation moves); the language switch is remembered.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { loadPolicy } from '../compiler/load-policy.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/fake-upstream.ts';
import { policyFor, startGateway, TEST_KEYS, type RunningGateway } from './helpers/gateway.ts';
import { editorLineOf, ensureConsoleBuilt, HAVE_CHROMIUM, launchChromium, type Chromium } from './helpers/browser.ts';

const ADMIN = 'console-policy-token-0123456789';
const ENV = { ...TEST_KEYS, GW_CONSOLE_TOKEN: ADMIN };
const BODY = `
gateway { auth env GW_CONSOLE_TOKEN }
model paidco/paid-model { context 128k  price 1 / 2 }
scenario chat {
  paid paidco/paid-model
}
`;
const BROKEN = 'model paidco/x { context banana }';

const generation = async (g: RunningGateway) => ((await (await fetch(`${g.url}/health`)).json()) as { generation: number }).generation;

describe.skipIf(!HAVE_CHROMIUM)('the policy editor in Chromium', () => {
  let up: FakeUpstream;
  let g: RunningGateway;
  let chrome: Chromium;
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuilt();
    up = await startFakeUpstream();
    g = await startGateway(policyFor(up, BODY, ['paidco']), ENV);
    chrome = await launchChromium();
    ctx = await chrome.context();
    page = await ctx.newPage();
    await page.goto(`${g.url}/console/login?next=/policy`);
    await page.fill('input[name=token]', ADMIN);
    await page.click('form[data-test=login] button[type=submit]');
    await page.waitForURL(`${g.url}/console/policy`);
    await page.waitForSelector('.cm-content .cm-line');
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await g?.close();
    await up?.close();
  }, 30_000);

  it('shows a broken line\'s diagnostic at that line as it is typed, while the gateway keeps serving', { timeout: 30_000 }, async () => {
    const gen = await generation(g);
    const original = readFileSync(g.policyPath, 'utf8');
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(`${BROKEN}\n`);
    // the line the compiler itself puts the diagnostic on
    const want = loadPolicy({ text: `${original}${BROKEN}\n`, file: 'routes.gw', env: ENV }).diagnostics.find((d) => d.severity === 'error')!;
    expect(want.code).toBe('GW002');
    const typedAt = original.split('\n').length;
    expect(want.loc.line).toBe(typedAt);
    await page.waitForSelector(`[data-test=diagnostics] li[data-line="${want.loc.line}"]`, { timeout: 10_000 });
    expect(await page.textContent('[data-test=diagnostics]')).toContain('GW002');
    await page.waitForSelector('.cm-lintRange-error');
    expect(await editorLineOf(page, '.cm-lintRange-error')).toBe(want.loc.line);
    // nothing was written, nothing reloaded, and requests are still answered
    expect(readFileSync(g.policyPath, 'utf8')).toBe(original);
    expect(await generation(g)).toBe(gen);
    const r = await g.client({ apiKey: ADMIN }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'still there?' }] });
    expect(r.choices[0]!.message.content).toBeTruthy();
  });

  it('saves a good edit after showing its diff: the file is written and the policy reloaded', { timeout: 30_000 }, async () => {
    const gen = await generation(g);
    const shown = Number(await page.getAttribute('[data-test=generation]', 'data-v'));
    expect(shown).toBe(gen);
    const original = readFileSync(g.policyPath, 'utf8');
    const edited = original.replace('price 1 / 2', 'price 1 / 3');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(edited);
    await expect.poll(() => page.textContent('[data-test=diag-count]'), { timeout: 10_000 }).toMatch(/no errors/);
    await page.click('[data-test=review]');
    const diff = await page.textContent('[data-test=diff]');
    expect(diff).toContain('- model paidco/paid-model { context 128k  price 1 / 2 }');
    expect(diff).toContain('+ model paidco/paid-model { context 128k  price 1 / 3 }');
    await page.click('[data-test=save]');
    await page.waitForSelector('[data-test=outcome].ok');
    expect(readFileSync(g.policyPath, 'utf8')).toBe(edited);
    expect(await generation(g)).toBeGreaterThan(gen);
    await expect.poll(async () => Number(await page.getAttribute('[data-test=generation]', 'data-v'))).toBe(await generation(g));
    expect(g.gw.holder.current.table.models.find((m) => m.id === 'paidco/paid-model')?.price?.output).toBe(3);
  });

  it('explains a prompt in the playground, the trace linked to the policy\'s lines', { timeout: 20_000 }, async () => {
    await page.fill('form[data-test=explain] textarea', 'what is the capital of France?');
    await page.click('form[data-test=explain] button[type=submit]');
    await page.waitForSelector('form[data-test=explain] [data-test=trace] .step');
    const trace = await page.textContent('form[data-test=explain] [data-test=trace]');
    expect(trace).toContain('paidco/paid-model');
    const line = Number(await page.getAttribute('form[data-test=explain] [data-test=trace] a[data-line]', 'data-line'));
    const text = readFileSync(g.policyPath, 'utf8').split('\n');
    expect(line).toBeGreaterThan(0);
    expect(line).toBeLessThanOrEqual(text.length);
  });

  it('switches to Chinese and remembers it', { timeout: 20_000 }, async () => {
    await page.selectOption('[data-test=lang]', 'zh');
    await expect.poll(() => page.textContent('main h1')).toBe('策略');
    await page.reload();
    await page.waitForSelector('main h1');
    expect(await page.textContent('main h1')).toBe('策略');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.selectOption('[data-test=lang]', 'en');
  });

  it('logs out: the cookie is cleared and a page sends the user back to the login', { timeout: 20_000 }, async () => {
    await page.click('[data-test=logout]');
    await page.waitForURL(/\/console\/login/);
    expect((await ctx.cookies(`${g.url}/console/`)).find((c) => c.name === 'gw_console')).toBeUndefined();
    await page.goto(`${g.url}/console/policy`);
    await page.waitForURL(/\/console\/login\?next=/);
    const r = await fetch(`${g.url}/console/api/policy`);
    expect(r.status).toBe(401);
  });

  it('printed no error in the browser console', () => {
    expect(chrome.errors).toEqual([]);
  });
});
