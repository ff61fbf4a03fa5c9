import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCore } from '../../../agent/core/index.ts';
import { buildReport } from '../../../agent/status/report.ts';
import { cards, signedSet, startMs, tempLedger, withdrawal, type TempLedger } from '../core/fixtures.ts';

let ledger: TempLedger;
let core: AgentCore;

beforeEach(async () => {
  ledger = await tempLedger();
  core = await ledger.open();
});
afterEach(async () => {
  await core.close();
  await ledger.cleanup();
});

async function report() {
  return buildReport({
    core: await core.status(),
    links: [],
    forwarder: null,
    running: true,
    now: startMs,
    utcOffsetMinutes: 420,
  });
}

describe('status report', () => {
  it('shows how many KPMs the installed set covers, and "0 KPM" with a hint when enrolment went wrong', async () => {
    await core.installEntitlementSet(signedSet());
    expect((await report()).entitlement?.kpmCount).toBe(cards.length);
    expect((await report()).summary.id).toContain(
      `Daftar bantuan: ${cards.length} KPM, berlaku sampai 29/11/2026 10:00`,
    );
    await core.installEntitlementSet(signedSet({ issuedAt: startMs, entitlements: [] }));
    const empty = await report();
    expect(empty.entitlement?.kpmCount).toBe(0);
    expect(empty.summary.id).toContain(
      'Daftar bantuan: 0 KPM (periksa pendaftaran agen di gateway), berlaku sampai 29/11/2026 10:00',
    );
    expect(empty.summary.en).toContain(
      "Entitlements: 0 KPM (check the agent's enrolment at the gateway), valid until 29/11/2026 10:00",
    );
  });

  it('labels the offline exposure as what is unsent, against its limit, and never as cash left', async () => {
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(cards[0]!.pan, 250_000));
    const shown = await report();
    expect(shown.offlineExposure).toEqual({ amount: 250_000, max: 5_000_000, left: 4_750_000 });
    expect(shown.summary.id).toContain('Transaksi belum terkirim (nilai): Rp 250.000 / batas Rp 5.000.000');
    expect(shown.summary.en).toContain('Unsent transactions (amount): Rp 250.000 / limit Rp 5.000.000');
    expect(JSON.stringify(shown)).not.toMatch(/cashFloatLeft|Sisa uang tunai/);
  });

  it('leads with the refusal when the agent does not authorize (here: its clock went back)', async () => {
    await core.installEntitlementSet(signedSet());
    ledger.clock.now = startMs - 3_600_000;
    const shown = await report();
    expect(shown.authorization).toMatchObject({ state: 'clock-behind', code: 'EDC_ERR_CLOCK_BEHIND' });
    expect(shown.summary.id[1]).toBe(
      'PERHATIAN: Jam agen mundur - perbaiki jam komputer atau sinkronkan dengan gateway; tarik tunai ditolak',
    );
    expect(shown.summary.en[1]).toMatch(/^ATTENTION: Agent clock went backwards/);
  });
});
