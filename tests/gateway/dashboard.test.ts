/**
 * The staff web app (/dashboard) in real Chromium against a real 127.0.0.1 listener, for a tahap
 * the gateway does not know. The app offers the tahaps with imported files (GET /v1/staff/tahap);
 * here that list is made stale (it names 2030-I, as a list read before a store was replaced
 * would), so the app asks for a summary the gateway refuses: the refusal shows in the alert
 * region and nothing reads "Seimbang" (it used to answer all zeros as balanced: true).
 * Skips with a notice without Chromium (tests/web/browser.ts), unless EDC_REQUIRE_CHROMIUM=1.
 */
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { chromiumAvailable, launch } from '../web/browser.ts';
import { row, tempStore, testConfig, type TempStore } from './helpers.ts';

const enabled = chromiumAvailable();
let t: TempStore;
let app: FastifyInstance;
let base: string;
let browser: BrowserContext;
let closeBrowser: () => Promise<void> = () => Promise.resolve();
let token: string;

beforeAll(async () => {
  if (!enabled) return;
  t = await tempStore();
  await t.store.applyDisbursements([row('KPM-0001', 750_000), row('KPM-0002', 600_000, { status: 'failed' })], {
    fileSha256: 'b'.repeat(64),
    now: 1,
  });
  const created = newToken('viewer', 'ana', 1);
  await t.store.putToken(created.record);
  token = created.token;
  app = (await buildGateway({ store: t.store, keys: t.keys, config: testConfig() })).app;
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  ({ browser, close: closeBrowser } = await launch());
}, 60_000);

afterAll(async () => {
  if (!enabled) return;
  await closeBrowser();
  await app.close();
  await t.cleanup();
});

async function signIn(tahapList?: object): Promise<Page> {
  const page = await browser.newPage();
  if (tahapList !== undefined) await page.route('**/v1/staff/tahap', (route) => route.fulfill({ json: tahapList }));
  await page.goto(`${base}/dashboard`);
  await page.getByLabel('Token staf').fill(token);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

describe.skipIf(!enabled)('staff web app and an unknown tahap (Chromium)', () => {
  it('a known tahap reads balanced', async () => {
    const page = await signIn();
    await page.getByTestId('balanced').waitFor();
    expect(await page.getByTestId('balanced').textContent()).toBe('Seimbang sampai rupiah');
    await page.close();
  });

  it('a tahap the gateway does not know shows the coded refusal, and nothing balanced', async () => {
    const page = await signIn({ items: [{ tahap: '2030-I', banks: ['BRI'], files: 1 }], latest: '2030-I' });
    await expect.poll(() => page.getByTestId('alert').textContent()).toContain('EDC_ERR_TAHAP_UNKNOWN');
    expect(await page.getByTestId('alert').textContent()).toContain('Tahap 2030-I tidak dikenal');
    expect(await page.getByTestId('balanced').count()).toBe(0);
    await page.close();
  });
});
