/**
 * The staff web app and the agent status page in real Chromium, against the field rig's own
 * gateway and agents (demo preset, fewer KPM), kept running through runRig's keep hook: one rig
 * and one browser for the whole file. Screenshots go to .tmp/screenshots (test artifacts).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../gateway/http/staff-auth.ts';
import type { Role } from '../../gateway/store/types.ts';
import { rigPresets, runRig, type RigLive } from '../../simulators/rig/index.ts';
import { count } from '../../web/shared/format.ts';
import { staffText, type StaffTextKey } from '../../web/staff/text.ts';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { newAgent, panOf, signedHeaders, withdrawal } from '../gateway/helpers.ts';
import { chromiumAvailable, desktop, documentWidth, launch, phone, shot } from './browser.ts';

const enabled = chromiumAvailable();
const tahap = '2026-IV';
let live: RigLive;
let release: () => void = () => undefined;
let rigDone: Promise<unknown> = Promise.resolve();
let browser: BrowserContext;
let closeBrowser: () => Promise<void> = () => Promise.resolve();
const tokens = {} as Record<Role, string>;
const hour = 3_600_000;

async function startRig(): Promise<void> {
  let ready!: (l: RigLive) => void;
  const started = new Promise<RigLive>((r) => (ready = r));
  const held = new Promise<void>((r) => (release = r));
  rigDone = runRig({ ...rigPresets.demo, kpm: 120 }, undefined, {
    keep: async (l) => {
      ready(l);
      await held;
    },
  });
  live = await Promise.race([started, rigDone.then(() => Promise.reject(new Error('rig ended before keep')))]);
  for (const role of ['viewer', 'reconciler', 'admin'] as const) {
    const { token, record } = newToken(role, `ui-${role}`, Date.now());
    await live.gateway.store.putToken(record);
    tokens[role] = token;
  }
}

async function staffApi<T>(path: string): Promise<T> {
  const r = await fetch(`${live.gateway.url}/v1/staff${path}`, {
    headers: { authorization: `Bearer ${tokens.admin}` },
  });
  return (await r.json()) as T;
}

/** Opens the staff app at `hash`, signs in with the keyboard (Tab to the field, Enter to submit). */
async function signIn(role: Role, size = desktop, hash = ''): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize(size);
  await page.goto(`${live.gateway.url}/dashboard${hash}`);
  await page.keyboard.press('Tab');
  await page.keyboard.type(tokens[role]);
  await page.keyboard.press('Enter');
  await page.getByTestId('who').waitFor();
  // Every test reads Bahasa Indonesia labels; a language left over from an earlier test fails here, by name.
  expect(await page.evaluate<string>('document.documentElement.lang')).toBe('id');
  return page;
}

function rp(n: number): string {
  return `Rp ${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

describe.skipIf(!enabled)('staff web app and agent page in Chromium', () => {
  beforeAll(async () => {
    await startRig();
    ({ browser, close: closeBrowser } = await launch());
  }, 180_000);

  afterAll(async () => {
    await closeBrowser();
    release();
    await rigDone;
  }, 60_000);

  it('refuses an unknown token with a coded error in the alert region', async () => {
    const page = await browser.newPage();
    await page.goto(`${live.gateway.url}/dashboard`);
    await page.getByLabel('Token staf').fill('edcst_not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Masuk' }).click();
    await expect.poll(() => page.getByTestId('alert').textContent()).toContain('EDC_ERR_STAFF_UNAUTHENTICATED');
    expect(await page.getByTestId('alert').getAttribute('aria-live')).toBe('assertive');
    await shot(page, 'staff-signin-error');
    await page.close();
  });

  it('Ringkasan shows the identity to the rupiah and drills down to the KPMs behind a figure', async () => {
    type Tally = { count: number };
    const { counters } = await staffApi<{
      counters: Record<string, number> & { kpmByCategory: Record<string, Tally> };
    }>(`/tahap/${tahap}/summary`);
    const page = await signIn('reconciler');
    await page.getByTestId('identity').waitFor();
    expect(await page.getByTestId('balanced').textContent()).toBe('Seimbang sampai rupiah');
    for (const k of ['withdrawn', 'unclaimed', 'failed', 'returned'])
      expect(await page.getByTestId(`figure-${k}`).textContent()).toContain(rp(counters[k] ?? 0));
    expect(counters.disbursed).toBe(
      (counters.withdrawn ?? 0) + (counters.unclaimed ?? 0) + (counters.failed ?? 0) + (counters.returned ?? 0),
    );
    const table = page.getByTestId('kpm-categories');
    for (const [category, tally] of Object.entries(counters.kpmByCategory)) {
      const label = staffText[`cat_${category}` as StaffTextKey][0];
      const row = table.locator('tbody tr').filter({ has: page.getByRole('button', { name: label, exact: true }) });
      expect(await row.locator('td').first().textContent()).toBe(count(tally.count));
    }
    await page.getByTestId('chart-categories').locator('canvas').waitFor();
    await shot(page, 'staff-ringkasan-desktop');
    await page.getByTestId('figure-unclaimed').click();
    const drill = page.getByTestId('drill-unclaimed');
    await expect
      .poll(() => drill.locator('tbody tr').count())
      .toBe(Math.min(50, counters.kpmByCategory.unclaimed?.count ?? 0));
    await shot(page, 'staff-ringkasan-drill');
    await page.close();
  });

  it('Ringkasan: unclaimed by region, largest first, one level below the region filter', async () => {
    type Regions = { items: { region: string; counters: { unclaimed: number } }[] };
    const provinces = await staffApi<Regions>(`/tahap/${tahap}/regions?digits=2`);
    const expected = provinces.items
      .filter((r) => r.counters.unclaimed > 0)
      .sort((a, b) => b.counters.unclaimed - a.counters.unclaimed);
    expect(expected.length).toBeGreaterThan(0);
    const page = await signIn('viewer');
    const chart = page.getByTestId('chart-unclaimed-regions');
    await chart.locator('canvas').waitFor();
    await shot(page, 'staff-ringkasan-regions');
    await chart.getByRole('button', { name: 'Lihat sebagai tabel' }).click();
    const rows = chart.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(Math.min(15, expected.length));
    expect(await rows.first().locator('th').textContent()).toBe(expected[0]!.region);
    expect(await rows.first().locator('td').textContent()).toBe(rp(expected[0]!.counters.unclaimed));
    const top = expected[0]!.region;
    await page.getByLabel('Kode wilayah (awalan)').fill(top);
    await page.getByRole('button', { name: 'Terapkan' }).click();
    const regencies = await staffApi<Regions>(`/tahap/${tahap}/regions?digits=4&region=${top}`);
    const sum = regencies.items.reduce((n, r) => n + r.counters.unclaimed, 0);
    expect(sum).toBe(expected[0]!.counters.unclaimed);
    await chart.getByRole('button', { name: 'Lihat sebagai tabel' }).click();
    const labels = async () => (await chart.locator('tbody th').allTextContents()).sort();
    const shown = regencies.items
      .filter((r) => r.counters.unclaimed > 0)
      .sort((a, b) => b.counters.unclaimed - a.counters.unclaimed || (a.region < b.region ? -1 : 1))
      .map((r) => r.region);
    await expect.poll(labels).toEqual(shown.slice(0, 15).sort());
    expect(shown.length).toBeGreaterThan(0);
    for (const label of await labels()) expect(label).toMatch(new RegExp(`^${top}[0-9]{2}$`));
    await page.close();
  });

  it('Ringkasan: withdrawals per day, to the rupiah, and a day drills down to its withdrawals', async () => {
    type Days = { days: { localDate: string; count: number; amount: number }[] };
    const { days } = await staffApi<Days>(`/tahap/${tahap}/withdrawal-days`);
    expect(days.length).toBeGreaterThan(0);
    const settlements = await staffApi<Record<string, { claimed: number }>>(`/tahap/${tahap}/settlements`);
    const claimed = Object.values(settlements).reduce((n, s) => n + s.claimed, 0);
    expect(days.reduce((n, d) => n + d.amount, 0)).toBe(claimed);
    const busiest = [...days].sort((a, b) => b.count - a.count)[0]!;
    const label = `${busiest.localDate.slice(2)}/${busiest.localDate.slice(0, 2)}`;
    const page = await signIn('viewer');
    const panel = page.getByTestId('withdrawal-days');
    await panel.locator('canvas').waitFor();
    expect(await panel.getByTestId('days-total').textContent()).toContain(rp(claimed));
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'staff-ringkasan-days-desktop');
    await panel.getByRole('button', { name: 'Lihat sebagai tabel' }).click();
    const row = panel.locator('tbody tr').filter({ has: page.getByRole('button', { name: label, exact: true }) });
    expect(await row.locator('td').textContent()).toBe(rp(busiest.amount));
    await row.getByRole('button', { name: label, exact: true }).click();
    const drill = page.getByTestId('day-drill');
    await expect.poll(() => drill.locator('tbody tr').count()).toBe(Math.min(50, busiest.count));
    expect(await drill.locator('h2').textContent()).toBe(`Penarikan tanggal ${label}`);
    await page.close();

    const phonePage = await signIn('viewer', phone);
    await phonePage.getByTestId('withdrawal-days').locator('canvas').waitFor();
    expect(await documentWidth(phonePage)).toBeLessThanOrEqual(phone.width);
    await shot(phonePage, 'staff-ringkasan-days-phone');
    await phonePage.close();
  });

  it('Pengecualian: investigate, no resolve without a reason, resolve with one; history shows', async () => {
    const page = await signIn('reconciler', desktop, '#/pengecualian');
    const rows = page.getByTestId('exception-row');
    await rows.first().waitFor();
    const open = page.locator('[data-testid="exception-row"][data-state="open"]').first();
    const kpm = await open.locator('td').nth(2).textContent();
    await open.getByRole('button', { name: 'Selidiki' }).click();
    await page.getByRole('textbox', { name: 'Catatan' }).fill('Cek ke agen');
    await page.getByRole('button', { name: 'Simpan' }).click();
    const row = page.locator('[data-testid="exception-row"]', { hasText: kpm! });
    await expect.poll(() => row.first().getAttribute('data-state'), { timeout: 15_000 }).toBe('investigating');
    await row.first().getByRole('button', { name: 'Selesaikan' }).click();
    await page.getByRole('textbox', { name: 'Catatan' }).fill('Dana dikembalikan');
    await page.getByRole('button', { name: 'Simpan' }).click();
    expect(await page.getByTestId('move-problem').textContent()).toBe('Alasan wajib dipilih untuk menyelesaikan');
    await page.getByLabel('Alasan').selectOption('returned_to_treasury');
    await page.getByRole('button', { name: 'Simpan' }).click();
    // Generous: on a loaded machine the save and the list's reload can take seconds.
    await expect.poll(() => row.first().getAttribute('data-state'), { timeout: 15_000 }).toBe('resolved');
    await row.first().locator('summary').click();
    expect(await row.first().locator('.history').textContent()).toContain('Dikembalikan ke kas negara');
    await shot(page, 'staff-pengecualian-resolved');
    await page.close();
  });

  it('Pengecualian: bulk investigate moves every selected exception', async () => {
    const page = await signIn('reconciler', desktop, '#/pengecualian');
    await page.getByTestId('state-filter').selectOption('open');
    const open = page.locator('[data-testid="exception-row"][data-state="open"]');
    await open.first().waitFor();
    const ids = [];
    for (const i of [0, 1]) {
      const box = open.nth(i).getByRole('checkbox');
      ids.push((await box.getAttribute('aria-label'))!.replace(/^Pilih /, ''));
      await box.check();
    }
    await page
      .getByRole('group', { name: 'Tindakan untuk yang dipilih' })
      .getByRole('button', { name: 'Selidiki' })
      .click();
    await page.getByRole('textbox', { name: 'Catatan' }).fill('Periksa bersama');
    await page.getByRole('button', { name: 'Simpan' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Tersimpan: 2/2');
    const listed = await staffApi<{ items: { id: string; state: string }[] }>(
      `/tahap/${tahap}/exceptions?state=investigating&limit=1000`,
    );
    for (const id of ids) expect(listed.items.map((x) => x.id)).toContain(id);
    await page.close();
  });

  it('Pengecualian: totals per kind match the counters; a kind narrows the list on the server', async () => {
    type Tally = { count: number };
    const { counters } = await staffApi<{
      counters: { kpmByCategory: Record<string, Tally>; withdrawalsByCategory: Record<string, Tally> };
    }>(`/tahap/${tahap}/summary`);
    const page = await signIn('viewer', desktop, '#/pengecualian');
    const totals = page.getByTestId('exception-totals');
    await totals.waitFor();
    const unclaimed = counters.kpmByCategory.unclaimed?.count ?? 0;
    expect(unclaimed).toBeGreaterThan(0);
    expect(await totals.locator('[data-kind="unclaimed"] td').textContent()).toBe(count(unclaimed));
    const forks = counters.withdrawalsByCategory.fork?.count ?? 0;
    expect(forks).toBeGreaterThan(0);
    expect(await totals.locator('[data-kind="fork"] td').textContent()).toBe(count(forks));
    await page.getByTestId('kind-filter').selectOption('fork');
    await expect.poll(() => page.getByTestId('exception-row').count()).toBe(Math.min(50, forks));
    const kinds = await page.getByTestId('exception-row').locator('td:first-child').allTextContents();
    expect(new Set(kinds)).toEqual(new Set([staffText.cat_fork[0]]));
    await shot(page, 'staff-pengecualian-kind');
    await page.close();
  });

  it('Pengecualian: a reconciler assigns the selected to themself; "only mine" lists exactly those', async () => {
    const page = await signIn('reconciler', desktop, '#/pengecualian');
    await page.getByTestId('kind-filter').selectOption('unclaimed');
    await page.getByTestId('state-filter').selectOption('open');
    const open = page.locator('[data-testid="exception-row"][data-state="open"]');
    await open.first().waitFor();
    const ids: string[] = [];
    for (const i of [0, 1, 2]) {
      const box = open.nth(i).getByRole('checkbox');
      ids.push((await box.getAttribute('aria-label'))!.replace(/^Pilih /, ''));
      await box.check();
    }
    await page.getByRole('button', { name: 'Tugaskan ke saya' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Tersimpan: 3/3');
    await page.getByTestId('mine-filter').check();
    await expect.poll(() => page.getByTestId('exception-row').count()).toBe(3);
    expect(new Set(await page.getByTestId('assignee').allTextContents())).toEqual(new Set(['ui-reconciler']));
    const listed = await staffApi<{ items: { id: string; assignee?: string }[] }>(
      `/tahap/${tahap}/exceptions?assignee=ui-reconciler&limit=1000`,
    );
    expect(listed.items.map((x) => x.id).sort()).toEqual([...ids].sort());
    await shot(page, 'staff-pengecualian-assigned');
    await page.close();
  });

  it('Pengecualian: ageing buckets match the list; working one moves it; age narrows the list', async () => {
    type Listed = { items: { id: string; openedAt?: number }[]; next?: string };
    const all: Listed['items'] = [];
    for (let after: string | undefined, n = 0; n === 0 || after !== undefined; n += 1) {
      const page: Listed = await staffApi(
        `/tahap/${tahap}/exceptions?limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`,
      );
      all.push(...page.items);
      after = page.next;
    }
    const worked = all.filter((x) => x.openedAt !== undefined).length;
    expect(worked).toBeGreaterThan(0);
    const page = await signIn('reconciler', desktop, '#/pengecualian');
    const ageing = page.getByTestId('exception-ageing');
    await ageing.waitFor();
    const cell = (b: string) => ageing.locator(`[data-age="${b}"] td`);
    // The rig's exceptions were all worked in this run, so every worked one is under a day old.
    expect(await cell('lt1d').textContent()).toBe(count(worked));
    expect(await cell('unworked').textContent()).toBe(count(all.length - worked));
    for (const b of ['d1to7', 'd7to30', 'gt30d']) expect(await cell(b).textContent()).toBe('0');
    await page.getByTestId('state-filter').selectOption('open');
    const open = page.locator('[data-testid="exception-row"][data-state="open"]');
    await open.first().waitFor();
    const fresh = page.locator('[data-testid="exception-row"][data-state="open"]', {
      has: page.locator('[data-testid="age"]', { hasText: staffText.age_unworked[0] }),
    });
    await fresh.first().getByRole('button', { name: 'Selidiki' }).click();
    await page.getByRole('textbox', { name: 'Catatan' }).fill('Mulai diperiksa');
    await page.getByRole('button', { name: 'Simpan' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Tersimpan: 1/1');
    await page.getByTestId('state-filter').selectOption('');
    await expect.poll(() => cell('lt1d').textContent(), { timeout: 15_000 }).toBe(count(worked + 1));
    expect(await cell('unworked').textContent()).toBe(count(all.length - worked - 1));
    await ageing.locator('[data-age="lt1d"] button').click();
    await expect.poll(() => page.getByTestId('age-filter').inputValue()).toBe('lt1d');
    await expect.poll(() => page.getByTestId('exception-row').count()).toBe(Math.min(50, worked + 1));
    const ages = await page.getByTestId('age').allTextContents();
    expect(ages.filter((a) => a === staffText.age_unworked[0])).toEqual([]);
    await shot(page, 'staff-pengecualian-ageing');
    await page.close();
  });

  it('a viewer on a 390 px phone sees exceptions without any action, and no NIK anywhere', async () => {
    const page = await signIn('viewer', phone, '#/pengecualian');
    await page.getByTestId('exception-row').first().waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Selesaikan' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Selidiki' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Tugaskan ke saya' }).count()).toBe(0);
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    expect(text).not.toMatch(/\b\d{16}\b/);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'staff-pengecualian-viewer-390');
    await page.goto(`${live.gateway.url}/dashboard#/ringkasan`);
    await page.getByTestId('identity').waitFor();
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'staff-ringkasan-390');
    await page.close();
  });

  it('Agen: the cloned and the tampered agents stand out with their flags', async () => {
    const page = await signIn('viewer', desktop, '#/agen');
    await page.getByTestId('agent-row').first().waitFor();
    const flagged = page.locator('[data-testid="agent-row"].trouble');
    expect(await flagged.count()).toBe(2);
    expect(await page.locator('[data-agent="AGT-001"]').textContent()).toContain('fork');
    expect(await page.locator('[data-agent="AGT-002"]').textContent()).toContain('buku besar diubah');
    await shot(page, 'staff-agen-desktop');
    await page.setViewportSize(phone);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    // One card per agent on a phone, each value labelled, the troubled ones first.
    const first = `document.querySelector('[data-testid="agent-row"]')`;
    expect(await page.evaluate<string>(`getComputedStyle(${first}).display`)).toBe('block');
    expect(await page.evaluate<string>(`${first}.className`)).toContain('trouble');
    expect(await page.evaluate<string>(`getComputedStyle(${first}.querySelector('td'), '::before').content`)).toBe(
      '"Bank"',
    );
    // Each card fits the screen: nothing of it is cut off at the right.
    const overflow = `[...document.querySelectorAll('[data-testid="agent-row"]')].filter(
      (el) => el.getBoundingClientRect().right > window.innerWidth || el.scrollWidth > el.clientWidth)`;
    expect(await page.evaluate<number>(`${overflow}.length`)).toBe(0);
    await shot(page, 'staff-agen-390');
    await page.close();
  });

  it('Ekspor: a category CSV downloads with every row, evidence columns and no formula cell', async () => {
    type Tally = { count: number };
    const { counters } = await staffApi<{
      counters: { kpmByCategory: Record<string, Tally>; withdrawalsByCategory: Record<string, Tally> };
    }>(`/tahap/${tahap}/summary`);
    const page = await signIn('viewer', desktop, '#/ekspor');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-unclaimed').click()]);
    const text = await readFile(await download.path(), 'utf8');
    const records: Record<string, string>[] = parse(text, { columns: true });
    expect(records).toHaveLength(counters.kpmByCategory.unclaimed?.count ?? -1);
    expect(Object.keys(records[0] ?? {})).toEqual(expect.arrayContaining(['kpmId', 'bank', 'regionCode', 'credited']));
    for (const r of records) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@]/);
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.rowFile ?? '') && r.rowReference !== '')).toBe(true);
    const [okDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ok').click()]);
    const okText = await readFile(await okDownload.path(), 'utf8');
    const ok: Record<string, string>[] = parse(okText, { columns: true });
    expect(ok).toHaveLength(counters.withdrawalsByCategory.ok?.count ?? -1);
    for (const r of ok) {
      expect(r).toMatchObject({
        stan: expect.stringMatching(/^[0-9]{6}$/),
        localDate: expect.stringMatching(/^\d{4}$/),
      });
      expect(r.terminalId).not.toBe('');
      expect(r.rowReference).not.toBe('');
      for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@]/);
    }
    expect(okText).not.toMatch(/\b\d{16}\b/);
    await shot(page, 'staff-ekspor');
    await page.close();
  });

  async function lookupApi(body: { by: string; value: string }): Promise<Record<string, unknown>> {
    const r = await fetch(`${live.gateway.url}/v1/staff/kpm/lookup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await r.json()) as Record<string, unknown>;
  }

  it('Pengaduan: a reconciler finds a KPM by NIK and reads its timeline; the look-up is audited', async () => {
    const ok = await staffApi<{ items: { kpmId: string; agentId: string }[] }>(
      `/tahap/${tahap}/withdrawals?category=ok&limit=1`,
    );
    const { kpmId, agentId } = ok.items[0]!;
    const dossier = (await lookupApi({ by: 'kpmId', value: kpmId })) as {
      personal: { nik: string };
      tahaps: { rows: unknown[]; withdrawals: { stan: string; terminalId: string }[] }[];
    };
    const nik = dossier.personal.nik;
    const withdrawal = dossier.tahaps[0]!.withdrawals[0]!;
    const page = await signIn('reconciler', desktop, '#/pengaduan');
    await page.getByLabel('Cari dengan').selectOption('nik');
    await page.getByLabel('Nilai yang dicari').fill(nik);
    await page.getByRole('button', { name: 'Cari', exact: true }).click();
    await expect.poll(() => page.getByTestId('kpm-found').textContent()).toContain(kpmId);
    expect(await page.getByTestId('personal').textContent()).toContain(nik);
    expect(await page.getByTestId('timeline-row').count()).toBe(dossier.tahaps[0]!.rows.length);
    const first = page.getByTestId('timeline-withdrawal').first();
    expect(await first.textContent()).toContain(agentId);
    expect(await first.textContent()).toContain(`STAN ${withdrawal.stan}`);
    expect(await first.textContent()).toContain(withdrawal.terminalId);
    await shot(page, 'staff-pengaduan-desktop');
    await page.setViewportSize(phone);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'staff-pengaduan-390');
    await page.getByLabel('Nilai yang dicari').fill('3201010101999999');
    await page.getByRole('button', { name: 'Cari', exact: true }).click();
    await expect.poll(() => page.getByTestId('alert').textContent()).toContain('EDC_ERR_NOT_FOUND');
    const audit = await staffApi<{ items: { action: string; actor: string; details: Record<string, unknown> }[] }>(
      '/audit?limit=1000',
    );
    const lookups = audit.items.filter((r) => r.action === 'kpm.lookup' && r.actor === 'ui-reconciler');
    expect(lookups.map((r) => r.details)).toEqual([
      { by: 'nik', found: kpmId, personal: true },
      { by: 'nik', found: null, personal: true },
    ]);
    expect(JSON.stringify(audit.items)).not.toContain(nik);
    await page.close();
  });

  it('Pengaduan: a viewer finds a KPM by id on a phone and sees no name or NIK', async () => {
    const ok = await staffApi<{ items: { kpmId: string }[] }>(`/tahap/${tahap}/withdrawals?category=ok&limit=1`);
    const { kpmId } = ok.items[0]!;
    const page = await signIn('viewer', phone, '#/pengaduan');
    await page.getByLabel('Cari dengan').selectOption('kpmId');
    await page.getByLabel('Nilai yang dicari').fill(kpmId);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('kpm-found').textContent()).toContain(kpmId);
    expect(await page.getByTestId('personal').count()).toBe(0);
    await page.getByTestId('personal-hidden').waitFor();
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    expect(text).not.toMatch(/\b\d{16}\b/);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'staff-pengaduan-viewer-390');
    await page.close();
  });

  it('switches to English and back; the choice is stored by the click itself', async () => {
    const page = await signIn('viewer');
    const stored = () => page.evaluate<string | null>("localStorage.getItem('edc.lang')");
    // Read in the same task as the click: a choice stored by an effect after the next paint is not there yet,
    // and a tab closed at that moment kept the old language for every later page (CI, stop 19).
    const clickAndRead = (name: string) =>
      page.evaluate<string | null>(
        `(() => { [...document.querySelectorAll('button')].find((b) => b.textContent === ${JSON.stringify(name)})
          .click(); return localStorage.getItem('edc.lang'); })()`,
      );
    expect(await clickAndRead('English')).toBe('en');
    await page.getByRole('link', { name: 'Tahap summary' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
    await shot(page, 'staff-ringkasan-english');
    expect(await clickAndRead('Bahasa Indonesia')).toBe('id');
    await page.getByRole('link', { name: 'Ringkasan tahap' }).waitFor();
    expect(await stored()).toBe('id');
    await page.close();
    const next = await signIn('viewer');
    expect(await next.evaluate<string>('document.documentElement.lang')).toBe('id');
    await next.close();
  });

  it('Gagal transfer: one failed credit re-validated and re-disbursed, another returned; figures follow', async () => {
    type Sum = { counters: Record<string, number> };
    type Credit = { kpmId: string; amount: number; state: string };
    const figures = async () => {
      const c = (await staffApi<Sum>(`/tahap/${tahap}/summary`)).counters;
      expect(c['disbursed']).toBe(c['withdrawn']! + c['unclaimed']! + c['failed']! + c['returned']!);
      return { disbursed: c['disbursed']!, credited: c['credited']!, failed: c['failed']!, returned: c['returned']! };
    };
    const shown = async (page: Page, key: string) => page.getByTestId(`failed-figure-${key}`).textContent();
    const list = await staffApi<{ items: Credit[] }>(`/tahap/${tahap}/failed-credits?limit=1000`);
    const open = list.items.filter((c) => c.state === 'failed');
    expect(open.length).toBeGreaterThanOrEqual(2);
    const [a, b] = [open[0]!, open[1]!];
    const before = await figures();
    const page = await signIn('reconciler', desktop, '#/gagal');
    const rowOf = (kpmId: string) => page.locator(`[data-testid="failed-credit"][data-kpm="${kpmId}"]`);
    await rowOf(a.kpmId).waitFor();
    expect(await shown(page, 'failed')).toBe(rp(before.failed));
    // Fills the row's fields and presses its button until the row shows the new state. Seen once in
    // CI (not reproduced): a step that never left its state within 30 s, as if the list re-rendered
    // between the fill and the click; a refused repeat (409) changes nothing, so repeating is safe.
    const step = async (
      kpmId: string,
      fields: ReadonlyArray<readonly [string, string]>,
      button: string,
      to: string,
    ) => {
      const row = rowOf(kpmId);
      await expect
        .poll(
          async () => {
            const action = row.getByRole('button', { name: button });
            if ((await row.getAttribute('data-state')) !== to && (await action.count()) === 1) {
              for (const [label, value] of fields) await row.getByLabel(label).fill(value, { timeout: 2_000 });
              await action.click({ timeout: 2_000 }).catch(() => undefined);
            }
            return row.getAttribute('data-state');
          },
          { timeout: 20_000, interval: 1_500 },
        )
        .toBe(to);
    };

    await step(a.kpmId, [['Catatan', 'Nomor rekening diperbaiki']], 'Validasi ulang', 'revalidated');
    expect(await figures()).toEqual(before);
    const redisburse = [
      ['Referensi transfer baru', `RE-${a.kpmId}`],
      ['Catatan', 'Transfer ulang'],
    ] as const;
    await step(a.kpmId, redisburse, 'Salurkan ulang', 'redisbursed');
    const afterA = {
      ...before,
      credited: before.credited + a.amount,
      failed: before.failed - a.amount,
    };
    expect(await figures()).toEqual(afterA);
    await expect.poll(() => shown(page, 'credited'), { timeout: 15_000 }).toBe(rp(afterA.credited));
    expect(await shown(page, 'failed')).toBe(rp(afterA.failed));
    await shot(page, 'staff-gagal-redisbursed');

    await step(b.kpmId, [['Catatan', 'Rekening ditutup, retur']], 'Retur ke kas negara', 'returned');
    const afterB = { ...afterA, failed: afterA.failed - b.amount, returned: afterA.returned + b.amount };
    expect(await figures()).toEqual(afterB);
    expect(afterB.disbursed).toBe(before.disbursed);
    await expect.poll(() => shown(page, 'returned'), { timeout: 15_000 }).toBe(rp(afterB.returned));
    expect(await rowOf(b.kpmId).getByTestId('fc-state').textContent()).toBe('Retur kas negara');
    expect(await rowOf(b.kpmId).getByRole('button').count()).toBe(0);
    const recon = await fetch(`${live.gateway.url}/v1/staff/tahap/${tahap}/reconcile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(((await recon.json()) as { agree: boolean }).agree).toBe(true);
    await shot(page, 'staff-gagal-returned');
    await page.setViewportSize(phone);
    await shot(page, 'staff-gagal-phone');
    await page.close();
  }, 120_000);

  async function agentPage(index: number, size: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewportSize(size);
    await page.goto(`http://127.0.0.1:${live.fleet[index]!.running!.statusPort}/`);
    await page.getByTestId('signal').waitFor();
    return page;
  }

  it('Agen: gateway head beside the head the agent reported, its queue; one holding entries stands out', async () => {
    type Row = { agentId: string; gatewayHeadSeq: number; reported: { headSeq: number; unsent: number } | null };
    const before = (await staffApi<{ items: Row[] }>('/agents/overview?limit=1000')).items;
    const synced = before.find((r) => r.reported !== null && r.reported.unsent === 0 && r.gatewayHeadSeq > 0)!;
    expect(synced).toBeDefined(); // the rig's agents forward with agentStatus

    // An agent that sent 1 of its 3 entries and says 2 stay queued (a signed upload over HTTP).
    const q = newAgent('AGT-QUEUE');
    q.record = await live.gateway.store.addAgent(
      { agentId: q.agentId, publicKey: q.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds: ['KPM-QUEUE-1'] },
      { move: false, now: Date.now(), lookupKey: toBase64(randomBytes(32)) },
    );
    const keys = live.gateway.gw.keys;
    const entries = [1, 2, 3].map(() =>
      withdrawal(q, keys, { kpmId: 'KPM-QUEUE-1', amount: 10_000, pan: panOf('KPM-QUEUE-1'), at: Date.now() - hour }),
    );
    const path = `/v1/agents/${q.agentId}/uploads`;
    const agentStatus = { head: { seq: 3, hash: entries[2]!.hash }, queued: 2, oldestQueuedAt: entries[1]!.at };
    const body = JSON.stringify({ v: 1, agentId: q.agentId, entries: entries.slice(0, 1), agentStatus });
    const res = await fetch(`${live.gateway.url}${path}`, {
      method: 'POST',
      body,
      headers: signedHeaders(q, 'POST', path, body, { now: Date.now() }),
    });
    expect(res.status).toBe(200);

    const page = await signIn('viewer', desktop, '#/agen');
    const row = page.locator(`[data-agent="${q.agentId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('trouble');
    expect(await row.getByTestId('agent-heads').textContent()).toMatch(/^1 \/ 3/);
    expect(await row.getByTestId('agent-queue').textContent()).toContain('2 belum diterima gateway');
    expect(await row.getByTestId('agent-queue').textContent()).toMatch(/tertua 1 jam/);
    const ok = page.locator(`[data-agent="${synced.agentId}"]`);
    expect(await ok.getByTestId('agent-heads').textContent()).toMatch(
      new RegExp(`^${synced.gatewayHeadSeq} / ${synced.reported!.headSeq}dilaporkan`),
    );
    expect(await ok.getByTestId('agent-queue').textContent()).toBe('0 belum diterima gateway');
    await shot(page, 'staff-agen-queue-desktop');
    await page.setViewportSize(phone);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'staff-agen-queue-390');
    await page.close();
  });

  it('agent page, online: signal in large type, nothing to do, terminals listed', async () => {
    const page = await agentPage(2, phone);
    // Online is the last sync's outcome: on a loaded machine one may have timed out, so sync once more
    // and let the page's own refresh show it (seen once under load: 'offline').
    await fetch(`http://127.0.0.1:${live.fleet[2]!.running!.statusPort}/v1/sync`, { method: 'POST' });
    await expect.poll(() => page.getByTestId('signal').getAttribute('data-signal'), { timeout: 15_000 }).toBe('online');
    expect(await page.getByTestId('advice').textContent()).toContain('Semua baik');
    expect(await page.getByTestId('link').count()).toBeGreaterThan(0);
    expect(await documentWidth(page)).toBeLessThanOrEqual(phone.width);
    await shot(page, 'agent-online-390');
    await page.setViewportSize(desktop);
    await shot(page, 'agent-online-desktop');
    await page.close();
  });

  it('agent page, halted (the tampered ledger): says why and to call the operator', async () => {
    const page = await agentPage(1, phone);
    expect(await page.getByTestId('signal').getAttribute('data-signal')).toBe('halted');
    expect(await page.getByTestId('signal').textContent()).toContain('EDC_ERR_LEDGER_CORRUPT');
    expect(await page.getByTestId('advice').textContent()).toContain('Hubungi operator bank');
    await shot(page, 'agent-halted-390');
    await page.close();
  });

  it('agent page, offline: a failed sync turns it to "Tidak ada sinyal" by itself, with what to do', async () => {
    const agent = live.fleet[2]!;
    const page = await agentPage(2, phone);
    agent.proxy.setOnline(false);
    await fetch(`http://127.0.0.1:${agent.running!.statusPort}/v1/sync`, { method: 'POST' });
    await expect
      .poll(() => page.getByTestId('signal').getAttribute('data-signal'), { timeout: 15_000 })
      .toBe('offline');
    expect(await page.getByTestId('advice').textContent()).toContain('Hubungkan ke sinyal untuk sinkron');
    await shot(page, 'agent-offline-390');
    agent.proxy.setOnline(null);
    await page.close();
  });
});
