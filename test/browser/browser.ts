// Headless Chromium for the browser tests: playwright-core driving the system's Chromium
// (Debian's /usr/bin/chromium; `npm run setup` installs it as root). Playwright's own browser
// downloads are not used. Without a browser the tests skip and say why, except under CI,
// where a missing browser fails them.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser to drive: CHROMIUM_PATH, else the first system Chromium found. */
export const chromiumPath: string | undefined = process.env.CHROMIUM_PATH
  ? process.env.CHROMIUM_PATH
  : CANDIDATES.find((path) => existsSync(path));

export const inCi = Boolean(process.env.CI);

/** Why the browser tests do not run here, or undefined when they do. */
export const skipReason: string | undefined =
  chromiumPath || inCi
    ? undefined
    : `no Chromium found (${CANDIDATES.join(', ')}; or set CHROMIUM_PATH): install it, e.g. as root \`apt-get install -y chromium\` (npm run setup does this as root)`;

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) {
    throw new Error(
      'CI is set and no Chromium was found: the browser tests must run in CI (run `npm run setup` as root, or set CHROMIUM_PATH)',
    );
  }
  const root = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...(root ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Where screenshots go (git-ignored; the README names it). */
export const SCREENSHOTS = join(repoRoot, 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** Runs axe-core in the page (evaluated, so the page's CSP stays strict) and fails on serious or critical violations. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the page's globals (no DOM types here); axe: the evaluated source defined it
    const page = globalThis as any;
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return (
      result.violations as Array<{
        id: string;
        impact: string;
        help: string;
        nodes: Array<{ target: unknown }>;
      }>
    ).map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
}

/** Submits a form by clicking its button and waits for the page it is redirected to. */
export async function submit(page: Page, button: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

/** The element's visible text (waits for it to appear). */
export const textOf = async (locator: Locator): Promise<string> =>
  ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
