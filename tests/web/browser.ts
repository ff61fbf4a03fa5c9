/**
 * Real Chromium for page tests: Debian's /usr/bin/chromium driven by playwright-core, headless,
 * no network beyond loopback, a fresh profile per launch. When Chromium is missing the page
 * tests skip with a notice, unless EDC_REQUIRE_CHROMIUM=1 (CI), where they fail instead.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.EDC_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = resolve(import.meta.dirname, '..', '..', '.tmp', 'screenshots');

export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.EDC_REQUIRE_CHROMIUM === '1')
    throw new Error(`EDC_REQUIRE_CHROMIUM=1 but no Chromium at ${chromiumPath} (apt-get install -y chromium)`);
  console.warn(`tests/web: skipped, no Chromium at ${chromiumPath} (apt-get install -y chromium)`);
  return false;
}

/** One browser (a fresh profile in a temp folder) for a whole test file; pages set their own width. */
export async function launch(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'edc-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  await mkdir(screenshotDir, { recursive: true });
  return {
    browser,
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export const desktop = { width: 1280, height: 900 };
export const phone = { width: 390, height: 844 };

/** Saves a full-page screenshot as a test artifact; returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The page is no wider than its viewport (nothing runs off a phone screen but scrollable tables). */
export async function documentWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}
