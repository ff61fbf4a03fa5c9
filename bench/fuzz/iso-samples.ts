/**
 * Valid ISO 8583 messages, one per MTI, as a terminal and the agent exchange them: the seeds the
 * fuzzers mutate (so that most mutated cases get past the TPDU and MTI into the field codecs).
 */
import { cardPinCvmResults, encode, encodeTlv, luhnCheckDigit } from '../../protocol/iso8583/index.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';

const pan = '601301123456789' + luhnCheckDigit('601301123456789');
const toAgent = { destination: 0x0001, source: 0x0101 };
const toTerminal = { destination: 0x0101, source: 0x0001 };
const terminal = { 41: 'EDC00001', 42: 'AGEN-BRI-000123' };
const stamp = { 11: '000003', 12: '143210', 13: '1122' };
const cardData = {
  2: pan,
  14: '2812',
  22: '051',
  24: '001',
  25: '00',
  35: `${pan}D2812220000000000`,
  55: encodeTlv([{ tag: '82', value: Uint8Array.of(0x39, 0x00) }, cardPinCvmResults('enciphered', 'verified')]),
};
const batch = { kind: 'batch', batchNumber: '000007' } as const;
const original = { kind: 'original', mti: '0200', stan: '000003', localDate: '1122', localTime: '143210' } as const;
const totals = { withdrawalCount: 12, withdrawalAmount: 9_000_000, reversalCount: 1, reversalAmount: 750_000 };
const balance = [{ accountType: '00', amountType: '02', currency: '360', amount: 750_000 }];

export const isoSamples: readonly IsoMessage[] = [
  { tpdu: toAgent, mti: '0800', fields: { 7: '1122073000', 11: '000001', 24: '001', ...terminal, 70: '001' } },
  {
    tpdu: toTerminal,
    mti: '0810',
    fields: { 7: '1122073000', ...stamp, 39: '00', ...terminal, 62: 'Terminal terhubung', 70: '001' },
  },
  { tpdu: toAgent, mti: '0100', fields: { ...cardData, 3: '310000', ...stamp, ...terminal, 60: batch } },
  {
    tpdu: toTerminal,
    mti: '0110',
    fields: { 2: pan, 3: '310000', ...stamp, 37: '000000000002', 39: '00', ...terminal, 54: balance, 62: 'Sisa' },
  },
  {
    tpdu: toAgent,
    mti: '0200',
    fields: { ...cardData, 3: '010000', 4: 750_000, ...stamp, ...terminal, 60: batch, 62: '000003' },
  },
  {
    tpdu: toTerminal,
    mti: '0210',
    fields: { 3: '010000', 4: 750_000, ...stamp, 24: '001', 37: '000000000003', 38: 'A00003', 39: '00', ...terminal },
  },
  {
    tpdu: toAgent,
    mti: '0400',
    fields: { ...cardData, 3: '010000', 4: 750_000, ...stamp, ...terminal, 60: original, 62: '000003' },
  },
  {
    tpdu: toTerminal,
    mti: '0410',
    fields: { 3: '010000', 4: 750_000, ...stamp, 37: '000000000004', 39: '00', ...terminal, 60: original },
  },
  { tpdu: toAgent, mti: '0500', fields: { 3: '920000', ...stamp, ...terminal, 60: batch, 63: totals } },
  { tpdu: toTerminal, mti: '0510', fields: { 3: '920000', ...stamp, 39: '00', ...terminal, 60: batch, 63: totals } },
];

export const isoSampleBytes: readonly Uint8Array[] = isoSamples.map((m) => encode(m));
