/**
 * SMS PDUs (3GPP TS 23.040 §9.2.2.1 SMS-DELIVER, §9.2.2.2 SMS-SUBMIT) with 8-bit data coding,
 * as hex text the way a GSM modem takes them in AT+CMGS and gives them in AT+CMGR / +CMT
 * (3GPP TS 27.005 §3.5, PDU mode: the PDU is preceded by the SMSC address, "00" = the one stored
 * in the modem). Only what a checkpoint needs: one part, no user data header, at most 140
 * octets of user data. Anything else decodes to a coded error, never a guess.
 */
import { ERR_PDU_FORMAT, ERR_PDU_UNSUPPORTED } from './errors.ts';

export const smsUserDataOctetsMax = 140;
/** Most digits of a phone number (TS 23.040 §9.1.2.5: 20 semi-octets). */
export const phoneDigitsMax = 20;
const phonePattern = /^\+?[0-9]{3,20}$/;

export interface SmsSubmit {
  /** Destination, "+62..." (international) or digits (unknown type). */
  readonly to: string;
  readonly data: Uint8Array;
}

export interface SmsDeliver {
  /** Originating address as "+62..." or digits. */
  readonly from: string;
  /** Service centre time stamp as EpochMs. */
  readonly sentAt: number;
  readonly data: Uint8Array;
}

function pduError(problem: string, details: Record<string, unknown> = {}): never {
  throw new ERR_PDU_FORMAT(`Cannot decode SMS PDU: ${problem}`, details);
}

function checkPhone(what: string, phone: string): void {
  if (typeof phone !== 'string' || !phonePattern.test(phone)) {
    throw new ERR_PDU_FORMAT(
      `Cannot encode SMS PDU ${what}: expected +digits or digits (3-20), found ${String(phone)}`,
      {
        field: what,
      },
    );
  }
}

function checkData(data: Uint8Array): void {
  if (!(data instanceof Uint8Array) || data.length > smsUserDataOctetsMax) {
    throw new ERR_PDU_UNSUPPORTED(
      `Cannot encode SMS PDU: expected at most ${smsUserDataOctetsMax} octets of user data, ` +
        `found ${data instanceof Uint8Array ? data.length : typeof data}`,
    );
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0').toUpperCase();
}

function semiOctets(digits: string): string {
  const padded = digits.length % 2 === 1 ? `${digits}F` : digits;
  let out = '';
  for (let i = 0; i < padded.length; i += 2) out += padded[i + 1]! + padded[i]!;
  return out;
}

function encodeAddress(phone: string): string {
  const international = phone.startsWith('+');
  const digits = international ? phone.slice(1) : phone;
  return hex(digits.length) + (international ? '91' : '81') + semiOctets(digits);
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** Service centre time stamp (§9.2.3.11) of an EpochMs in UTC (time zone 00). */
function encodeTimestamp(at: number): string {
  const d = new Date(at);
  const fields = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours()];
  fields.push(d.getUTCMinutes(), d.getUTCSeconds(), 0);
  return fields.map((n) => semiOctets(twoDigits(n))).join('');
}

/** SMS-SUBMIT with 8-bit data; `octets` is the length AT+CMGS=<length> takes (without the SMSC part). */
export function encodeSubmit(message: SmsSubmit): { readonly pdu: string; readonly octets: number } {
  checkPhone('destination', message.to);
  checkData(message.data);
  const tpdu = '0100' + encodeAddress(message.to) + '0004' + hex(message.data.length) + bytesHex(message.data);
  return { pdu: `00${tpdu}`, octets: tpdu.length / 2 };
}

/** SMS-DELIVER with 8-bit data, as a modem shows it in AT+CMGR (SMSC part "00"). */
export function encodeDeliver(message: SmsDeliver): string {
  checkPhone('originator', message.from);
  checkData(message.data);
  if (
    !Number.isSafeInteger(message.sentAt) ||
    message.sentAt < 946_684_800_000 ||
    message.sentAt >= 4_102_444_800_000
  ) {
    throw new ERR_PDU_FORMAT(
      `Cannot encode SMS PDU time stamp: expected EpochMs in 2000-2099, found ${message.sentAt}`,
    );
  }
  return (
    '0004' +
    encodeAddress(message.from) +
    '0004' +
    encodeTimestamp(message.sentAt) +
    hex(message.data.length) +
    bytesHex(message.data)
  );
}

function bytesHex(data: Uint8Array): string {
  return Buffer.from(data).toString('hex').toUpperCase();
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  octet(what: string): number {
    if (this.offset >= this.bytes.length) pduError(`expected ${what} at octet ${this.offset}, found the end`);
    return this.bytes[this.offset++]!;
  }
  take(n: number, what: string): Uint8Array {
    if (this.offset + n > this.bytes.length) {
      pduError(`expected ${n} octets of ${what} at octet ${this.offset}, found ${this.bytes.length - this.offset}`);
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function parseHex(pdu: string): Uint8Array {
  if (typeof pdu !== 'string' || pdu.length === 0 || pdu.length > 2 * 200 || !/^(?:[0-9A-Fa-f]{2})+$/.test(pdu)) {
    pduError('expected an even number of hex digits (at most 400)');
  }
  return new Uint8Array(Buffer.from(pdu, 'hex'));
}

function decodeDigits(raw: Uint8Array, count: number, what: string): string {
  let digits = '';
  for (const octet of raw) digits += String.fromCharCode(48 + (octet & 0x0f), 48 + (octet >> 4));
  digits = digits.slice(0, count);
  if (!/^[0-9]*$/.test(digits)) pduError(`expected decimal digits in the ${what}, found semi-octets beyond 9`);
  return digits;
}

function readAddress(reader: Reader, what: string): string {
  const count = reader.octet(`${what} length`);
  if (count < 1 || count > phoneDigitsMax) pduError(`expected a ${what} of 1-${phoneDigitsMax} digits, found ${count}`);
  const type = reader.octet(`${what} type`);
  if ((type & 0x70) === 0x50) throw new ERR_PDU_UNSUPPORTED(`Cannot decode SMS PDU: alphanumeric ${what}`);
  const digits = decodeDigits(reader.take(Math.ceil(count / 2), what), count, what);
  return (type & 0x70) === 0x10 ? `+${digits}` : digits;
}

function skipSmsc(reader: Reader): void {
  const length = reader.octet('SMSC length');
  if (length > 11) pduError(`expected an SMSC address of at most 11 octets, found ${length}`);
  reader.take(length, 'SMSC address');
}

function readEightBitUserData(reader: Reader, dcs: number, firstOctet: number): Uint8Array {
  const eightBit = (dcs & 0xcc) === 0x04 || (dcs & 0xf4) === 0xf4;
  if (!eightBit)
    throw new ERR_PDU_UNSUPPORTED(`Cannot decode SMS PDU: expected 8-bit data coding, found DCS ${hex(dcs)}`);
  if ((firstOctet & 0x40) !== 0) throw new ERR_PDU_UNSUPPORTED('Cannot decode SMS PDU: a user data header (UDHI)');
  const length = reader.octet('user data length');
  if (length > smsUserDataOctetsMax) pduError(`expected user data of at most 140 octets, found ${length}`);
  const data = reader.take(length, 'user data');
  if (reader.offset !== reader.bytes.length) pduError(`expected the end after the user data, found more octets`);
  return new Uint8Array(data);
}

function readTimestamp(raw: Uint8Array): number {
  const fields = [...raw].map((octet) => (octet & 0x0f) * 10 + (octet >> 4));
  const [yy, mo, dd, hh, mi, ss] = fields as [number, number, number, number, number, number];
  const tzOctet = raw[6]!;
  const quarters = (tzOctet & 0x07) * 10 + (tzOctet >> 4);
  const offsetMin = ((tzOctet & 0x08) !== 0 ? -1 : 1) * quarters * 15;
  const at = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss) - offsetMin * 60_000;
  const check = new Date(Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss));
  if (
    Number.isNaN(at) ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== dd ||
    hh > 23 ||
    mi > 59 ||
    ss > 59
  ) {
    pduError('expected a valid service centre time stamp');
  }
  return at;
}

/** Decodes an SMS-SUBMIT (with its SMSC part) as a modem receives it after AT+CMGS. */
export function decodeSubmit(pdu: string): SmsSubmit {
  const reader = new Reader(parseHex(pdu));
  skipSmsc(reader);
  const first = reader.octet('first octet');
  if ((first & 0x03) !== 0x01) pduError(`expected an SMS-SUBMIT (TP-MTI 01), found first octet ${hex(first)}`);
  reader.octet('message reference');
  const to = readAddress(reader, 'destination address');
  reader.octet('protocol identifier');
  const dcs = reader.octet('data coding scheme');
  const vpf = (first >> 3) & 0x03;
  reader.take(vpf === 0 ? 0 : vpf === 2 ? 1 : 7, 'validity period');
  return { to, data: readEightBitUserData(reader, dcs, first) };
}

/** Decodes an SMS-DELIVER (with its SMSC part) as a modem shows it in AT+CMGR. */
export function decodeDeliver(pdu: string): SmsDeliver {
  const reader = new Reader(parseHex(pdu));
  skipSmsc(reader);
  const first = reader.octet('first octet');
  if ((first & 0x03) !== 0x00) pduError(`expected an SMS-DELIVER (TP-MTI 00), found first octet ${hex(first)}`);
  const from = readAddress(reader, 'originating address');
  reader.octet('protocol identifier');
  const dcs = reader.octet('data coding scheme');
  const sentAt = readTimestamp(reader.take(7, 'service centre time stamp'));
  return { from, sentAt, data: readEightBitUserData(reader, dcs, first) };
}
