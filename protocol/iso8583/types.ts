import type { ResponseCode } from './response-codes.ts';

/**
 * The typed shape of one ISO 8583 message of this subset. Field values are in the form a caller
 * works with, not the wire form: digit strings for numeric fields (their exact width, leading
 * zeros kept), a safe-integer number of rupiah for amounts, Uint8Array for binary fields, and
 * small records for the fixed private layouts (54, 60, 63).
 */

/** The message types this subset speaks; every request has its response at MTI + 10. */
export const mtis = ['0100', '0110', '0200', '0210', '0400', '0410', '0500', '0510', '0800', '0810'] as const;
export type Mti = (typeof mtis)[number];
export type RequestMti = '0100' | '0200' | '0400' | '0500' | '0800';

/** TPDU addresses, each a 16-bit number (written as 4 hex digits, e.g. NII 0x0001). */
export interface Tpdu {
  readonly destination: number;
  readonly source: number;
}

/** Field 70 network management information codes: sign-on and echo test. */
export type NetworkCode = '001' | '301';

/** One 20-character block of field 54 (additional amounts). */
export interface AdditionalAmount {
  /** 2 digits, '00' unspecified account, '10' savings. */
  readonly accountType: string;
  /** 2 digits, '01' ledger balance, '02' available balance. */
  readonly amountType: string;
  /** 3 digits ISO 4217 numeric, '360' for IDR. */
  readonly currency: string;
  /** Signed integer rupiah; negative goes on the wire as 'D' (debit), zero and above as 'C'. */
  readonly amount: number;
}

/** Field 60: a batch number, or (in 0400/0410) the transaction being reversed. */
export type Field60 =
  | { readonly kind: 'batch'; readonly batchNumber: string }
  | {
      readonly kind: 'original';
      /** Only cash withdrawals move money, so only a 0200 can be reversed. */
      readonly mti: '0200';
      readonly stan: string;
      /** Field 13 of the original request, MMDD. */
      readonly localDate: string;
      /** Field 12 of the original request, hhmmss. */
      readonly localTime: string;
    };

/** Field 63 of 0500/0510: batch totals. Withdrawals count every approved 0200 of the batch. */
export interface SettlementTotals {
  readonly withdrawalCount: number;
  readonly withdrawalAmount: number;
  readonly reversalCount: number;
  readonly reversalAmount: number;
}

export interface IsoFields {
  /** PAN, 12..19 digits. */
  readonly 2?: string;
  /** Processing code, 6 digits: '01xxxx' withdrawal, '31xxxx' balance, '920000' settlement. */
  readonly 3?: string;
  /** Amount in integer rupiah, 0..999 999 999 999. */
  readonly 4?: number;
  /** Transmission date and time MMDDhhmmss. */
  readonly 7?: string;
  /** STAN, 6 digits. */
  readonly 11?: string;
  /** Local time hhmmss. */
  readonly 12?: string;
  /** Local date MMDD. */
  readonly 13?: string;
  /** Card expiry YYMM. */
  readonly 14?: string;
  /** POS entry mode, 3 digits. */
  readonly 22?: string;
  /** NII, 3 digits. */
  readonly 24?: string;
  /** POS condition code, 2 digits. */
  readonly 25?: string;
  /** Track 2 equivalent: digits with one 'D' separator (never '='). */
  readonly 35?: string;
  /** Retrieval reference number, 12 alphanumerics. */
  readonly 37?: string;
  /** Authorization id response, 6 alphanumerics. */
  readonly 38?: string;
  /** Response code. */
  readonly 39?: ResponseCode;
  /** Terminal id, 8 printable ASCII. */
  readonly 41?: string;
  /** Merchant (agent) id, 15 printable ASCII. */
  readonly 42?: string;
  /** PIN block, 8 bytes. */
  readonly 52?: Uint8Array;
  /** Additional amounts: 1..6 blocks. */
  readonly 54?: readonly AdditionalAmount[];
  /** ICC data, EMV TLV, 1..255 bytes. */
  readonly 55?: Uint8Array;
  readonly 60?: Field60;
  /** Invoice number (requests) or message text (responses). */
  /** Struk proof (0210 only): `EDC1.` + base64url, protocol/README.md Part 3b. */
  readonly 61?: string;
  readonly 62?: string;
  readonly 63?: SettlementTotals;
  readonly 70?: NetworkCode;
}

export type FieldNumber = Extract<keyof IsoFields, number>;

export interface IsoMessage {
  readonly tpdu: Tpdu;
  readonly mti: Mti;
  readonly fields: IsoFields;
}
