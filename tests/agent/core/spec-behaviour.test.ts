/**
 * The reference agent's answers as protocol/README.md Part 2 §3 and §10 ("Agent behaviour")
 * specify them: echo rule, decline precedence, retransmissions, reversal cases and the
 * settlement period. Each case here is one a terminal written from the spec alone relies on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeTlv } from '../../../protocol/iso8583/index.ts';
import type { AgentCore } from '../../../agent/core/index.ts';
import {
  balance,
  cards,
  code,
  echo,
  pinFailed,
  reversal,
  settlement,
  signedSet,
  tempLedger,
  unknownPan,
  withdrawal,
  type TempLedger,
} from './fixtures.ts';

const card = cards[0]!;
/** 9F34 = 1E 03 00: signature, the card checked no PIN (PIN result "absent"). */
const signatureCvm = encodeTlv([{ tag: '9F34', value: Uint8Array.of(0x1e, 0x03, 0x00) }]);
const zero = { withdrawalCount: 0, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 };
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

describe('spec §3 echo rule and §3.1 sign-on', () => {
  it('0110 and 0210 echo 24 but not the batch number in 60', async () => {
    await core.installEntitlementSet(signedSet());
    const batch = { kind: 'batch', batchNumber: '000007' } as const;
    const answers = [
      await core.handle(balance(card.pan, { 24: '001', 60: batch })),
      await core.handle(withdrawal(card.pan, 100_000, { 24: '001', 60: batch })),
    ];
    for (const answer of answers) {
      expect(code(answer)).toBe('00');
      expect(answer.fields[24]).toBe('001');
      expect(answer.fields[60]).toBeUndefined();
    }
  });

  it('an 0810 echoes 7, 11, 24, 41, 42, 70 and carries no 12, 13 or 62, even with no entitlement set', async () => {
    const request = { ...echo(), fields: { ...echo().fields, 24: '001', 42: 'AGEN00000000001', 70: '001' } } as const;
    const answer = await core.handle(request);
    expect(answer.mti).toBe('0810');
    expect(answer.fields).toEqual({
      7: request.fields[7],
      11: request.fields[11],
      24: '001',
      39: '00',
      41: 'TERM0001',
      42: 'AGEN00000000001',
      70: '001',
    });
  });

  it('accepts and echoes any field 42 and any account types in field 3', async () => {
    await core.installEntitlementSet(signedSet());
    const answer = await core.handle(withdrawal(card.pan, 100_000, { 3: '011000', 42: 'SOMEONE-ELSE   ' }));
    expect([code(answer), answer.fields[3], answer.fields[42]]).toEqual(['00', '011000', 'SOMEONE-ELSE   ']);
  });
});

describe('spec §10.3 order of the checks', () => {
  it('answers 61 for an amount above both the per-withdrawal limit and the remaining entitlement', async () => {
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(withdrawal(card.pan, 3_500_000)))).toBe('61');
  });

  it('answers 14 before the PIN, 55/12 before the amount, 51 before the cash float', async () => {
    await core.installEntitlementSet(
      signedSet({ limits: { withdrawalAmountMax: 1_000_000, cashFloat: 100_000, queueEntriesMax: 1000 } }),
    );
    expect(code(await core.handle(withdrawal(unknownPan, 3_500_000, { 55: pinFailed })))).toBe('14');
    expect(code(await core.handle(withdrawal(card.pan, 3_500_000, { 55: pinFailed })))).toBe('55');
    expect(code(await core.handle(withdrawal(card.pan, 3_500_000, { 55: signatureCvm })))).toBe('12');
    expect(code(await core.handle(withdrawal(card.pan, 800_000)))).toBe('51');
    expect(code(await core.handle(withdrawal(card.pan, 200_000)))).toBe('05');
  });

  it('answers 51 with the entitlement left in 54 (Sisa Bantuan), no 37 or 38; a retransmission the same', async () => {
    await core.installEntitlementSet(signedSet());
    await core.handle(withdrawal(card.pan, 500_000));
    const request = withdrawal(card.pan, 300_000);
    const declined = await core.handle(request);
    expect(code(declined)).toBe('51');
    expect(declined.fields[54]).toEqual([{ accountType: '00', amountType: '02', currency: '360', amount: 250_000 }]);
    expect([declined.fields[37], declined.fields[38]]).toEqual([undefined, undefined]);
    expect((await core.handle(request)).fields).toEqual(declined.fields);
    expect(code(await core.handle(withdrawal(card.pan, 3_500_000)))).toBe('61');
  });

  it('applies the PIN result to a 0100 too: failed 55, absent 12', async () => {
    await core.installEntitlementSet(signedSet());
    expect(code(await core.handle(balance(card.pan, { 55: pinFailed })))).toBe('55');
    const noIcc = balance(card.pan);
    delete (noIcc.fields as Record<number, unknown>)[55];
    expect(code(await core.handle(noIcc))).toBe('12');
    expect(code(await core.handle(balance(card.pan, { 55: signatureCvm })))).toBe('12');
  });

  it(
    'answers 94 without 37, 38 or 54 to a 0200 that reuses a key with another amount,' +
      ' and the original still replays',
    async () => {
      await core.installEntitlementSet(signedSet());
      const first = withdrawal(card.pan, 100_000);
      const approved = await core.handle(first);
      const reused = await core.handle({ ...first, fields: { ...first.fields, 4: 200_000 } });
      expect(code(reused)).toBe('94');
      expect([reused.fields[37], reused.fields[38], reused.fields[54]]).toEqual([undefined, undefined, undefined]);
      expect((await core.handle(first)).fields).toEqual(approved.fields);
      expect(await core.unacknowledged(10)).toHaveLength(1);
    },
  );
});

describe('spec §10.4 reversals and §4.4 what settlement counts', () => {
  it(
    'answers 00 without an entry to a 0400 of an unknown,' +
      ' a declined or an already reversed withdrawal, and counts only the real reversal',
    async () => {
      await core.installEntitlementSet(signedSet());
      const unknown = withdrawal(card.pan, 100_000);
      expect(code(await core.handle(reversal(unknown)))).toBe('00');
      expect(code(await core.handle(unknown))).toBe('12');
      const declined = withdrawal(card.pan, 3_500_000);
      expect(code(await core.handle(declined))).toBe('61');
      expect(code(await core.handle(reversal(declined)))).toBe('00');
      const approved = withdrawal(cards[1]!.pan, 200_000);
      expect(code(await core.handle(approved))).toBe('00');
      expect(code(await core.handle(reversal(approved, { 4: 100_000 })))).toBe('13');
      expect(code(await core.handle(reversal(approved)))).toBe('00');
      expect(code(await core.handle(reversal(approved)))).toBe('00');
      expect((await core.unacknowledged(10)).map((e) => e.kind)).toEqual(['withdrawal', 'reversal']);
      const counted = await core.handle(
        settlement({ withdrawalCount: 1, withdrawalAmount: 200_000, reversalCount: 3, reversalAmount: 400_000 }),
      );
      expect(code(counted)).toBe('95');
      expect(counted.fields[63]).toEqual({
        withdrawalCount: 1,
        withdrawalAmount: 200_000,
        reversalCount: 1,
        reversalAmount: 200_000,
      });
    },
  );
});

describe('spec §3.5 settlement period', () => {
  it(
    'ignores the batch number: a never-used batch settles,' +
      ' a repeat with a new STAN meets the empty period, later withdrawals count in the new one',
    async () => {
      await core.installEntitlementSet(signedSet());
      await core.handle(withdrawal(card.pan, 100_000, { 60: { kind: 'batch', batchNumber: '000007' } }));
      const totals = { withdrawalCount: 1, withdrawalAmount: 100_000, reversalCount: 0, reversalAmount: 0 };
      const settle = settlement(totals, { 60: { kind: 'batch', batchNumber: '999999' } });
      const first = await core.handle(settle);
      expect([code(first), first.fields[60], first.fields[63]]).toEqual([
        '00',
        { kind: 'batch', batchNumber: '999999' },
        totals,
      ]);
      expect((await core.handle(settle)).fields).toEqual(first.fields);
      const repeat = await core.handle(settlement(totals, { 60: { kind: 'batch', batchNumber: '999999' } }));
      expect([code(repeat), repeat.fields[63]]).toEqual(['95', zero]);
      await core.handle(withdrawal(cards[1]!.pan, 50_000, { 60: { kind: 'batch', batchNumber: '000007' } }));
      expect(
        code(
          await core.handle(
            settlement({ withdrawalCount: 1, withdrawalAmount: 50_000, reversalCount: 0, reversalAmount: 0 }),
          ),
        ),
      ).toBe('00');
    },
  );
});
