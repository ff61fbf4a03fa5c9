import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unseal } from '../../../protocol/crypto/index.ts';
import { encode } from '../../../protocol/iso8583/index.ts';
import { offlineLimitText } from '../../../agent/core/responses.ts';
import type { AgentCore } from '../../../agent/core/index.ts';
import {
  balance,
  cards,
  code,
  echo,
  pinFailed,
  receipt,
  sealKeys,
  settlement,
  signedSet,
  startMs,
  tempLedger,
  unknownPan,
  withdrawal,
  type TempLedger,
} from './fixtures.ts';

const card = cards[0]!;
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

describe('core.handle() authorization of 0200', () => {
  it('answers 91 (must synchronise first) when no entitlement set is installed', async () => {
    const response = await core.handle(withdrawal(card.pan, 100_000));
    expect(code(response)).toBe('91');
    expect(response.fields[62]).toBe('Perlu sinkronisasi terlebih dahulu');
    expect(core.head().seq).toBe(0);
  });

  it('answers 91 once the installed set has expired by the agent clock', async () => {
    await core.installEntitlementSet(signedSet({ expiresAt: startMs + 1000 }));
    ledger.clock.now = startMs + 1000;
    expect(code(await core.handle(withdrawal(card.pan, 100_000)))).toBe('91');
  });

  it('approves with 00, auth code, RRN and the balance after, and appends a sealed entry', async () => {
    await core.installEntitlementSet(signedSet());
    const response = await core.handle(withdrawal(card.pan, 150_000));
    expect(code(response)).toBe('00');
    expect(response.mti).toBe('0210');
    expect(response.fields[37]).toBe('000000000001');
    expect(response.fields[38]).toMatch(/^[0-9A-Z]{6}$/);
    expect(response.fields[54]).toEqual([{ accountType: '00', amountType: '02', currency: '360', amount: 600_000 }]);
    expect(response.fields[2]).toBeUndefined();
    expect(() => encode(response)).not.toThrow();
    const [entry] = await core.unacknowledged(10);
    expect(entry).toMatchObject({
      seq: 1,
      kind: 'withdrawal',
      kpmId: card.kpmId,
      amount: 150_000,
      terminalId: 'TERM0001',
    });
    expect(JSON.stringify(entry)).not.toContain(card.pan);
    expect(entry!.kind === 'withdrawal' && unseal(entry!.sealedPan, sealKeys.secretKey)).toBe(card.pan);
  });

  it("reuses a card's sealed PAN within one entitlement set and seals it afresh under the next", async () => {
    await core.installEntitlementSet(signedSet({ issuedAt: startMs - 60_000 }));
    await core.handle(withdrawal(card.pan, 10_000));
    await core.handle(withdrawal(card.pan, 20_000));
    await core.handle(withdrawal(cards[1]!.pan, 10_000));
    await core.installEntitlementSet(signedSet({ issuedAt: startMs - 30_000, basedOnSeq: 3 }));
    await core.handle(withdrawal(card.pan, 30_000));
    const sealed = (await core.unacknowledged(10)).map((e) => (e.kind === 'withdrawal' ? e.sealedPan : ''));
    expect(sealed).toHaveLength(4);
    expect(sealed[1]).toBe(sealed[0]);
    expect(sealed[2]).not.toBe(sealed[0]);
    expect(sealed[3]).not.toBe(sealed[0]);
    expect(sealed.map((s) => unseal(s, sealKeys.secretKey))).toEqual([card.pan, card.pan, cards[1]!.pan, card.pan]);
  });

  it('reads the PAN from track 2 when field 2 is absent', async () => {
    await core.installEntitlementSet(signedSet());
    const request = withdrawal(card.pan, 50_000, { 35: `${card.pan}D2912101` });
    const { 2: _pan, ...fields } = request.fields;
    // 0200 requires field 2 in this subset, so a track-2-only request is a format error (30).
    expect(code(await core.handle({ ...request, fields }))).toBe('30');
    expect(code(await core.handle(withdrawal(card.pan, 50_000, { 35: `${card.pan}D2912101` })))).toBe('00');
  });

  it('answers 14 for a card not in the entitlement set', async () => {
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(withdrawal(unknownPan, 100_000)))).toBe('14');
  });

  it('answers 54 for a card past its expiry month', async () => {
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(withdrawal(card.pan, 100_000, { 14: '2610' })))).toBe('54');
  });

  it('answers 55 when the card reports a failed PIN and 12 when no PIN was verified by the card', async () => {
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(withdrawal(card.pan, 100_000, { 55: pinFailed })))).toBe('55');
    const request = withdrawal(card.pan, 100_000);
    const { 55: _icc, ...fields } = request.fields;
    expect(code(await core.handle({ ...request, fields }))).toBe('12');
  });

  it(
    'answers 13 for a zero amount, 61 above the per-withdrawal maximum,' + ' 51 above the remaining entitlement',
    async () => {
      await core.installEntitlementSet(signedSet());
      expect(code(await core.handle(withdrawal(card.pan, 0)))).toBe('13');
      expect(code(await core.handle(withdrawal(card.pan, 1_000_001)))).toBe('61');
      expect(code(await core.handle(withdrawal(card.pan, 750_001)))).toBe('51');
      expect(code(await core.handle(withdrawal(card.pan, 750_000)))).toBe('00');
      expect(code(await core.handle(withdrawal(card.pan, 1)))).toBe('51');
    },
  );

  it(
    'answers 05 with the offline-limit text when the unacknowledged amount would pass limits.cashFloat,' +
      ' keeps that amount across a new set, and frees it only on a receipt',
    async () => {
      const limits = { withdrawalAmountMax: 1_000_000, cashFloat: 200_000, queueEntriesMax: 100 };
      await core.installEntitlementSet(signedSet({ limits }));
      expect(code(await core.handle(withdrawal(card.pan, 150_000)))).toBe('00');
      const response = await core.handle(withdrawal(cards[1]!.pan, 100_000));
      expect(code(response)).toBe('05');
      expect(response.fields[62]).toBe(offlineLimitText);
      expect((await core.status()).offlineExposure).toEqual({ amount: 150_000, max: 200_000 });
      // A new set (the old float reset here) does not make the unacknowledged cash disappear.
      await core.installEntitlementSet(signedSet({ limits, issuedAt: startMs }));
      expect((await core.status()).offlineExposure.amount).toBe(150_000);
      expect(code(await core.handle(withdrawal(cards[1]!.pan, 100_000)))).toBe('05');
      await core.applyReceipt(receipt(1, core.head().hash));
      expect((await core.status()).offlineExposure.amount).toBe(0);
      expect(code(await core.handle(withdrawal(cards[1]!.pan, 100_000)))).toBe('00');
      expect((await core.verifyLedger()).ok).toBe(true);
    },
  );

  it('answers 91 when the unacknowledged queue is full', async () => {
    await core.installEntitlementSet(
      signedSet({ limits: { withdrawalAmountMax: 1_000_000, cashFloat: 5_000_000, queueEntriesMax: 2 } }),
    );
    expect(code(await core.handle(withdrawal(card.pan, 1000)))).toBe('00');
    expect(code(await core.handle(withdrawal(card.pan, 1000)))).toBe('00');
    expect(code(await core.handle(withdrawal(card.pan, 1000)))).toBe('91');
  });

  it('answers 30 for a message the codec rules refuse, without an entry', async () => {
    await core.installEntitlementSet(signedSet());
    const request = withdrawal(card.pan, 100_000);
    const { 4: _amount, ...fields } = request.fields;
    const response = await core.handle({ ...request, fields });
    expect(code(response)).toBe('30');
    expect(() => encode(response)).not.toThrow();
    expect(code(await core.handle({ ...request, fields: { ...request.fields, 41: 'é' } }))).toBe('30');
    expect(core.head().seq).toBe(0);
  });

  it('answers 12 to a response MTI sent as a request', async () => {
    const response = await core.handle({ ...echo(), mti: '0810', fields: { ...echo().fields, 39: '00' } });
    expect(code(response)).toBe('12');
  });
});

describe('core.handle() other messages', () => {
  it('answers 0800 echo with 0810 00', async () => {
    const response = await core.handle(echo());
    expect(response.mti).toBe('0810');
    expect(code(response)).toBe('00');
  });

  it('answers 0100 with the remaining entitlement in field 54', async () => {
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 250_000));
    const response = await core.handle(balance(card.pan));
    expect(response.mti).toBe('0110');
    expect(code(response)).toBe('00');
    expect(response.fields[54]?.[0]?.amount).toBe(500_000);
    expect(code(await core.handle(balance(unknownPan)))).toBe('14');
    expect(code(await core.handle(balance(card.pan, { 55: pinFailed })))).toBe('55');
  });

  it(
    'settles 0500 with 00 when the terminal totals equal the ledger,' + ' then starts the next batch from zero',
    async () => {
      await core.installEntitlementSet(signedSet());
      await core.handle(withdrawal(card.pan, 100_000));
      await core.handle(withdrawal(cards[1]!.pan, 200_000));
      const wrong = await core.handle(
        settlement({ withdrawalCount: 2, withdrawalAmount: 250_000, reversalCount: 0, reversalAmount: 0 }),
      );
      expect(code(wrong)).toBe('95');
      expect(wrong.fields[63]).toEqual({
        withdrawalCount: 2,
        withdrawalAmount: 300_000,
        reversalCount: 0,
        reversalAmount: 0,
      });
      expect(
        code(
          await core.handle(
            settlement({ withdrawalCount: 2, withdrawalAmount: 300_000, reversalCount: 0, reversalAmount: 0 }),
          ),
        ),
      ).toBe('00');
      expect(
        code(
          await core.handle(
            settlement({ withdrawalCount: 0, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 }),
          ),
        ),
      ).toBe('00');
    },
  );

  it("counts today's approvals and declines by code in status()", async () => {
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 100_000));
    await core.handle(withdrawal(unknownPan, 100_000));
    await core.handle(withdrawal(card.pan, 900_000));
    const status = await core.status();
    expect(status.today).toMatchObject({
      approvedCount: 1,
      approvedAmount: 100_000,
      declinedByCode: { '14': 1, '51': 1 },
    });
    expect(status.queueDepth).toBe(1);
    expect(status.entitlementSet?.kpmCount).toBe(cards.length);
  });
});
