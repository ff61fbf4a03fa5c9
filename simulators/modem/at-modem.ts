/**
 * One simulated GSM modem: the AT command interpreter of protocol/README.md "AT dialogue" (PDU
 * mode only), with SIM storage of `storageSlots` messages. Bytes in from the host, bytes out
 * through `write`. Limits: a command line of `lineCharsMax`, a PDU of `pduCharsMax` hex digits;
 * longer input is discarded and answered ERROR (or +CMS ERROR 304 for a PDU).
 */
import { decodeSubmit, encodeDeliver } from '../../protocol/sms/pdu.ts';
import type { SmsNetwork, Subscriber } from './network.ts';

export const storageSlots = 30;
export const lineCharsMax = 256;
export const pduCharsMax = 2 * 180;
const ctrlZ = 0x1a;
const escape = 0x1b;

interface Stored {
  readonly pdu: string;
  read: boolean;
}

export interface ModemOptions {
  readonly number: string;
  readonly network: SmsNetwork;
  readonly write: (text: string) => void;
  /** Called with each command line and answer, for the simulator's log. */
  readonly log?: (line: string) => void;
}

export class AtModem implements Subscriber {
  private echo = true;
  private pduMode = false;
  private indicate = false;
  private line = '';
  private overflow = false;
  /** Octets announced by AT+CMGS while waiting for the PDU, else undefined. */
  private pendingOctets: number | undefined;
  private readonly storage: Array<Stored | undefined> = new Array<Stored | undefined>(storageSlots).fill(undefined);

  constructor(private readonly options: ModemOptions) {
    options.network.attach(options.number, this);
  }

  receive(from: string, data: Uint8Array, sentAt: number): boolean {
    const index = this.storage.findIndex((slot) => slot === undefined);
    if (index === -1) return false;
    this.storage[index] = { pdu: encodeDeliver({ from, sentAt, data }), read: false };
    if (this.indicate) this.options.write(`\r\n+CMTI: "SM",${index + 1}\r\n`);
    return true;
  }

  input(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.pendingOctets !== undefined) this.pduByte(byte);
      else this.commandByte(byte);
    }
  }

  private commandByte(byte: number): void {
    if (this.echo) this.options.write(String.fromCharCode(byte));
    if (byte === 0x0d) {
      const line = this.line.trim();
      const overflow = this.overflow;
      this.line = '';
      this.overflow = false;
      if (overflow) return this.answer('ERROR');
      if (line.length > 0) this.command(line);
      return;
    }
    if (byte === 0x0a) return;
    if (this.line.length >= lineCharsMax) this.overflow = true;
    else this.line += String.fromCharCode(byte);
  }

  private pduByte(byte: number): void {
    if (byte === escape) {
      this.pendingOctets = undefined;
      this.line = '';
      return this.answer('OK');
    }
    if (byte !== ctrlZ) {
      if (this.line.length >= pduCharsMax) this.overflow = true;
      else if (byte !== 0x0d && byte !== 0x0a) this.line += String.fromCharCode(byte);
      return;
    }
    const octets = this.pendingOctets!;
    const pdu = this.line;
    const overflow = this.overflow;
    this.pendingOctets = undefined;
    this.line = '';
    this.overflow = false;
    if (overflow) return this.answer('+CMS ERROR: 304');
    this.send(pdu, octets);
  }

  private send(pdu: string, octets: number): void {
    let submit;
    try {
      submit = decodeSubmit(pdu);
    } catch {
      return this.answer('+CMS ERROR: 304');
    }
    const smscOctets = 1 + parseInt(pdu.slice(0, 2), 16);
    if (pdu.length / 2 - smscOctets !== octets) return this.answer('+CMS ERROR: 304');
    const result = this.options.network.send(this.options.number, submit.to, submit.data);
    if (!result.ok) return this.answer(`+CMS ERROR: ${result.cms}`);
    this.answer(`+CMGS: ${result.ref}`, 'OK');
  }

  private answer(...lines: string[]): void {
    for (const line of lines) {
      this.options.log?.(line);
      this.options.write(`\r\n${line}\r\n`);
    }
  }

  private slot(text: string): number | undefined {
    if (!/^[0-9]{1,3}$/.test(text)) return undefined;
    const index = Number(text);
    return index >= 1 && index <= storageSlots ? index - 1 : undefined;
  }

  private command(line: string): void {
    this.options.log?.(line);
    const upper = line.toUpperCase();
    if (upper === 'AT') return this.answer('OK');
    if (upper === 'ATE0' || upper === 'ATE1') {
      this.echo = upper === 'ATE1';
      return this.answer('OK');
    }
    if (upper === 'AT+CMGF=0') return ((this.pduMode = true), this.answer('OK'));
    if (upper === 'AT+CMGF=1') return this.answer('+CMS ERROR: 303');
    if (upper === 'AT+CMGF?') return this.answer(`+CMGF: ${this.pduMode ? 0 : 1}`, 'OK');
    const cnmi = /^AT\+CNMI=([0-3])(?:,([0-3])(?:,[0-3](?:,[0-2](?:,[01])?)?)?)?$/.exec(upper);
    if (cnmi !== null) return ((this.indicate = cnmi[1] !== '0' && cnmi[2] === '1'), this.answer('OK'));
    const cmgs = /^AT\+CMGS=([0-9]{1,3})$/.exec(upper);
    if (cmgs !== null) return this.startSend(Number(cmgs[1]));
    const cmgr = /^AT\+CMGR=(.*)$/.exec(upper);
    if (cmgr !== null) return this.read(cmgr[1]!);
    const cmgd = /^AT\+CMGD=([^,]*)(?:,0)?$/.exec(upper);
    if (cmgd !== null) return this.delete(cmgd[1]!);
    this.answer('ERROR');
  }

  private startSend(octets: number): void {
    if (!this.pduMode) return this.answer('+CMS ERROR: 302');
    if (octets < 7 || octets > 164) return this.answer('+CMS ERROR: 304');
    this.pendingOctets = octets;
    this.options.write('\r\n> ');
  }

  private read(text: string): void {
    const index = this.slot(text);
    const stored = index === undefined ? undefined : this.storage[index];
    if (stored === undefined) return this.answer('+CMS ERROR: 321');
    const stat = stored.read ? 1 : 0;
    stored.read = true;
    this.options.log?.(`+CMGR: ${stat},,${stored.pdu.length / 2 - 1}`);
    this.options.write(`\r\n+CMGR: ${stat},,${stored.pdu.length / 2 - 1}\r\n${stored.pdu}\r\n\r\nOK\r\n`);
  }

  private delete(text: string): void {
    const index = this.slot(text);
    if (index === undefined || this.storage[index] === undefined) return this.answer('+CMS ERROR: 321');
    this.storage[index] = undefined;
    this.answer('OK');
  }
}
