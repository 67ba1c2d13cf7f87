// Headless Chromium for the console's browser tests: Debian's /usr/bin/chromium driven by playwright-core, launched
// with exactly the switches below and a fresh profile directory (removed on close). Console errors and page errors
// of every page are collected so a test can assert there were none.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`console browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** dist/console/ built when a test file runs before `npm run build` did (the console alone: dist/gw.js is left as it is). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'console', 'index.html'))) return;
  execFileSync(process.execPath, ['--input-type=module', '-e', `import { buildConsole } from './bin/build-console.js'; await buildConsole(process.cwd());`], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
}

export interface Chromium {
  browser: Browser;
  /** every console error and uncaught page error so far, as "page url: text" */
  errors: string[];
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'gw-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // only these switches (Playwright's own defaults left out); the pipe is how Playwright talks to the browser
    ignoreDefaultArgs: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
    timeout: 30_000,
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' && !expected(m)) errors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: uncaught ${e.message}`));
  };
  return {
    browser,
    errors,
    async context(viewport = DESKTOP) {
      const ctx = await browser.newContext({ viewport, locale: 'en-US' });
      ctx.setDefaultTimeout(10_000);
      ctx.setDefaultNavigationTimeout(15_000);
      ctx.on('page', watch);
      return ctx;
    },
    async close() {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The browser reports every 4xx answer as a console error; the two the login flow answers by design are not errors:
 * the session check before logging in (401) and a wrong token (401). */
function expected(m: ConsoleMessage): boolean {
  const url = m.location().url;
  return /status of 401/.test(m.text()) && /\/console\/api\/(session|login)$/.test(url);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false, timeout: 15_000 });
}

/** No horizontal scrolling: the page is no wider than the window (and the first element reaching past it, if any).
 * Browser-side code goes in as text: the tests' TypeScript has no DOM types. */
export async function pageOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: string }> {
  return page.evaluate(`(() => {
    const innerWidth = window.innerWidth;
    let widest = '';
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 1 && r.width > 0) { widest = el.tagName.toLowerCase() + '.' + el.className + ' right=' + Math.round(r.right); break; }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, widest };
  })()`);
}

/** The editor's 1-based line that is or holds `selector` (0: none). */
export async function editorLineOf(page: Page, selector: string): Promise<number> {
  return page.evaluate(`Array.from(document.querySelectorAll('.cm-content .cm-line')).findIndex((l) => l.matches(${JSON.stringify(selector)}) || l.querySelector(${JSON.stringify(selector)}) !== null) + 1`);
}
