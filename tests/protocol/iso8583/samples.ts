/** One valid message per MTI, a plausible exchange between terminal EDC00001 and agent NII 001. */
import { cardPinCvmResults, encodeTlv, luhnCheckDigit } from '../../../protocol/iso8583/index.ts';
import type { IsoMessage, Mti } from '../../../protocol/iso8583/index.ts';

export const pan = '601301123456789' + luhnCheckDigit('601301123456789');
const toAgent = { destination: 0x0001, source: 0x0101 };
const toTerminal = { destination: 0x0101, source: 0x0001 };
const terminal = { 41: 'EDC00001', 42: 'AGEN-BRI-000123' };
const cardData = {
  2: pan,
  14: '2812',
  22: '051',
  24: '001',
  25: '00',
  35: `${pan}D2812220000000000`,
  55: encodeTlv([{ tag: '82', value: Uint8Array.of(0x39, 0x00) }, cardPinCvmResults('enciphered', 'verified')]),
};

export const samples: Readonly<Record<Mti, IsoMessage>> = {
  '0800': { tpdu: toAgent, mti: '0800', fields: { 7: '1122073000', 11: '000001', 24: '001', ...terminal, 70: '001' } },
  '0810': {
    tpdu: toTerminal,
    mti: '0810',
    fields: {
      7: '1122073000',
      11: '000001',
      12: '143001',
      13: '1122',
      39: '00',
      ...terminal,
      62: 'Terminal terhubung',
      70: '001',
    },
  },
  '0100': {
    tpdu: toAgent,
    mti: '0100',
    fields: {
      ...cardData,
      3: '310000',
      11: '000002',
      12: '143105',
      13: '1122',
      ...terminal,
      60: { kind: 'batch', batchNumber: '000007' },
    },
  },
  '0110': {
    tpdu: toTerminal,
    mti: '0110',
    fields: {
      2: pan,
      3: '310000',
      11: '000002',
      12: '143105',
      13: '1122',
      37: '000000000002',
      39: '00',
      ...terminal,
      54: [{ accountType: '00', amountType: '02', currency: '360', amount: 750_000 }],
      62: 'Sisa Bantuan Rp 750.000',
    },
  },
  '0200': {
    tpdu: toAgent,
    mti: '0200',
    fields: {
      ...cardData,
      3: '010000',
      4: 750_000,
      11: '000003',
      12: '143210',
      13: '1122',
      ...terminal,
      60: { kind: 'batch', batchNumber: '000007' },
      62: '000003',
    },
  },
  '0210': {
    tpdu: toTerminal,
    mti: '0210',
    fields: {
      3: '010000',
      4: 750_000,
      11: '000003',
      12: '143210',
      13: '1122',
      24: '001',
      37: '000000000003',
      38: 'A00003',
      39: '00',
      ...terminal,
      54: [{ accountType: '00', amountType: '02', currency: '360', amount: 0 }],
      62: 'Disetujui',
    },
  },
  '0400': {
    tpdu: toAgent,
    mti: '0400',
    fields: {
      ...cardData,
      3: '010000',
      4: 750_000,
      11: '000004',
      12: '143300',
      13: '1122',
      ...terminal,
      60: { kind: 'original', mti: '0200', stan: '000003', localDate: '1122', localTime: '143210' },
      62: '000003',
    },
  },
  '0410': {
    tpdu: toTerminal,
    mti: '0410',
    fields: {
      3: '010000',
      4: 750_000,
      11: '000004',
      12: '143300',
      13: '1122',
      37: '000000000004',
      39: '00',
      ...terminal,
      60: { kind: 'original', mti: '0200', stan: '000003', localDate: '1122', localTime: '143210' },
    },
  },
  '0500': {
    tpdu: toAgent,
    mti: '0500',
    fields: {
      3: '920000',
      11: '000005',
      12: '200000',
      13: '1122',
      ...terminal,
      60: { kind: 'batch', batchNumber: '000007' },
      63: { withdrawalCount: 12, withdrawalAmount: 9_000_000, reversalCount: 1, reversalAmount: 750_000 },
    },
  },
  '0510': {
    tpdu: toTerminal,
    mti: '0510',
    fields: {
      3: '920000',
      11: '000005',
      12: '200000',
      13: '1122',
      39: '00',
      ...terminal,
      60: { kind: 'batch', batchNumber: '000007' },
      63: { withdrawalCount: 12, withdrawalAmount: 9_000_000, reversalCount: 1, reversalAmount: 750_000 },
    },
  },
};

/** `message` with `changes` applied to its fields (undefined removes a field). */
export function withFields(message: IsoMessage, changes: Record<number, unknown>): IsoMessage {
  return { ...message, fields: { ...message.fields, ...changes } };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
