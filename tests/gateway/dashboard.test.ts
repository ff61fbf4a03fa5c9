/**
 * The staff dashboard in a real Chromium against a real 127.0.0.1 listener: a known tahap shows
 * "Seimbang" in green; a tahap the gateway does not know shows the coded refusal and nothing
 * green (it used to show zeros as balanced). Needs a Chromium binary (EDC_CHROMIUM, default
 * /usr/bin/chromium); without one the file skips with a notice, unless EDC_REQUIRE_CHROMIUM=1.
 */
import { accessSync, constants } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import { row, tempStore, testConfig, type TempStore } from './helpers.ts';

const chromiumPath = process.env.EDC_CHROMIUM ?? '/usr/bin/chromium';
const available = (() => {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    if (process.env.EDC_REQUIRE_CHROMIUM === '1') throw new Error(`Chromium required but not found at ${chromiumPath}`);
    console.warn(`dashboard.test.ts skipped: no Chromium at ${chromiumPath} (set EDC_CHROMIUM)`);
    return false;
  }
})();

let t: TempStore;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let token: string;

beforeAll(async () => {
  if (!available) return;
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
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
});

afterAll(async () => {
  if (!available) return;
  await browser.close();
  await app.close();
  await t.cleanup();
});

describe.skipIf(!available)('staff dashboard (Chromium)', () => {
  it('shows a known tahap balanced, and an unknown tahap as a coded refusal with nothing green', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', token);
    await page.fill('#tahap', '2026-IV');
    await page.click('button[data-view=summary]');
    await expect.poll(() => page.locator('#out .good').count()).toBe(1);
    expect(await page.textContent('#out .good')).toContain('Seimbang');
    await page.fill('#tahap', '2030-I');
    await page.click('button[data-view=summary]');
    await expect.poll(() => page.textContent('#error')).toContain('EDC_ERR_TAHAP_UNKNOWN');
    expect(await page.textContent('#error')).toContain('Tahap 2030-I tidak dikenal');
    expect(await page.locator('#out .good').count()).toBe(0);
    expect(await page.textContent('#out')).toBe('');
    await page.close();
  });
});
