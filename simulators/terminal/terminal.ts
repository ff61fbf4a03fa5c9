/**
 * An EDC terminal emulator: one request at a time (as a real EDC), each answered or timed out.
 * It numbers requests with a STAN, stamps local date and time, reads the card (simulated KKS:
 * PAN, track 2, the card's own PIN check in field 55), and keeps the batch totals it sends in a
 * 0500 settlement. A 0200 whose response does not come within responseTimeoutMs is reversed
 * with a 0400 (retried with the same STAN up to reversalTriesMax), as terminals are required to,
 * so that a withdrawal the customer never got cash for is not left standing.
 */
import { decode, encode, networkCodes } from '../../protocol/iso8583/index.ts';
import type { IsoFields, IsoMessage, Mti, RequestMti, SettlementTotals } from '../../protocol/iso8583/index.ts';
import { cardPinField55, pinBlock, track2 } from './card.ts';
import type { KksCard } from './card.ts';
import type { TerminalTransport } from './transport.ts';
import { localStamp } from './stamp.ts';

export interface TerminalOptions {
  readonly transport: TerminalTransport;
  /** Field 41, 8 printable characters. */
  readonly terminalId: string;
  /** Field 42, 15 printable characters (the agent's merchant id). */
  readonly merchantId: string;
  readonly responseTimeoutMs: number;
  readonly reversalTriesMax?: number;
  readonly now?: () => number;
  readonly utcOffsetMinutes?: number;
  /** First STAN used (1..999999); the rig sets it to continue a terminal's numbering. */
  readonly stanStart?: number;
  readonly batchNumber?: string;
  /**
   * Arms the wait for a request's response: call expire() to give up on it; returns a cancel.
   * Default: a timer of responseTimeoutMs. The rig replaces it so that a response it hid times
   * out on that event rather than on the wall clock (a rig run must not depend on the machine's speed).
   */
  readonly responseDeadline?: (request: IsoMessage, expire: () => void) => () => void;
}

export type Exchange =
  | { readonly kind: 'response'; readonly request: IsoMessage; readonly response: IsoMessage }
  | { readonly kind: 'timeout'; readonly request: IsoMessage; readonly reversal?: Exchange };

export class EdcTerminal {
  private stan: number;
  private waiting: { mti: Mti; stan: string; resolve: (message: IsoMessage) => void } | undefined;
  private readonly totals = { withdrawalCount: 0, withdrawalAmount: 0, reversalCount: 0, reversalAmount: 0 };
  readonly undecodable: Uint8Array[] = [];

  constructor(private readonly options: TerminalOptions) {
    this.stan = options.stanStart ?? 1;
    options.transport.onPayload((payload) => this.receive(payload));
  }

  get transport(): TerminalTransport {
    return this.options.transport;
  }

  /** Batch totals of approved withdrawals and reversals so far (what a 0500 carries). */
  batchTotals(): SettlementTotals {
    return { ...this.totals };
  }

  signOn(): Promise<Exchange> {
    return this.exchange(this.networkRequest(networkCodes['sign-on']));
  }

  echo(): Promise<Exchange> {
    return this.exchange(this.networkRequest(networkCodes.echo));
  }

  balance(card: KksCard, enteredPin: string): Promise<Exchange> {
    return this.exchange(this.cardRequest('0100', '310000', card, enteredPin, undefined));
  }

  /** A 0200; on timeout a 0400 reversal follows, and its exchange is in `reversal`. */
  async withdraw(card: KksCard, enteredPin: string, amount: number): Promise<Exchange> {
    const request = this.cardRequest('0200', '010000', card, enteredPin, amount);
    const outcome = await this.exchange(request);
    if (outcome.kind === 'response') {
      if (outcome.response.fields[39] === '00') {
        this.totals.withdrawalCount++;
        this.totals.withdrawalAmount += amount;
      }
      return outcome;
    }
    return { kind: 'timeout', request, reversal: await this.reverse(request, card) };
  }

  /** Sends 0400 for `original` until answered or reversalTriesMax sends (same STAN each time). */
  async reverse(original: IsoMessage, card: KksCard): Promise<Exchange> {
    const request = this.reversalRequest(original, card);
    let outcome: Exchange = { kind: 'timeout', request };
    for (let tries = 0; tries < (this.options.reversalTriesMax ?? 3) && outcome.kind === 'timeout'; tries++) {
      outcome = await this.exchange(request);
    }
    if (outcome.kind === 'response' && outcome.response.fields[39] === '00') {
      this.totals.reversalCount++;
      this.totals.reversalAmount += original.fields[4] ?? 0;
    }
    return outcome;
  }

  settle(totals: SettlementTotals = this.batchTotals()): Promise<Exchange> {
    const { fields, stan } = this.stamped();
    return this.exchange(
      this.message('0500', {
        ...fields,
        3: '920000',
        11: stan,
        60: { kind: 'batch', batchNumber: this.batch() },
        63: totals,
      }),
    );
  }

  /** Sends a request and waits for the response with its MTI + 10 and STAN. */
  async exchange(request: IsoMessage): Promise<Exchange> {
    const expected = String(Number(request.mti) + 10).padStart(4, '0') as Mti;
    const stan = request.fields[11] ?? '';
    let cancel: () => void = () => undefined;
    const answered = new Promise<IsoMessage | undefined>((resolve) => {
      const waiting = { mti: expected, stan, resolve: (message: IsoMessage) => (cancel(), resolve(message)) };
      this.waiting = waiting;
      cancel = this.armDeadline(request, () => {
        if (this.waiting === waiting) this.waiting = undefined;
        resolve(undefined);
      });
    });
    try {
      await this.options.transport.send(encode(request));
    } catch {
      // A send the agent never ACKed still counts as sent: the agent may have acted on it.
    }
    const response = await answered;
    return response === undefined ? { kind: 'timeout', request } : { kind: 'response', request, response };
  }

  private armDeadline(request: IsoMessage, expire: () => void): () => void {
    if (this.options.responseDeadline !== undefined) return this.options.responseDeadline(request, expire);
    const timer = setTimeout(expire, this.options.responseTimeoutMs);
    return () => clearTimeout(timer);
  }

  private receive(payload: Uint8Array): void {
    let message: IsoMessage;
    try {
      message = decode(payload);
    } catch {
      this.undecodable.push(payload);
      return;
    }
    const waiting = this.waiting;
    // A late response to a request already given up on is dropped, as a terminal does.
    if (waiting === undefined || message.mti !== waiting.mti || message.fields[11] !== waiting.stan) return;
    this.waiting = undefined;
    waiting.resolve(message);
  }

  private nextStan(): string {
    const stan = String(this.stan).padStart(6, '0');
    this.stan = this.stan >= 999_999 ? 1 : this.stan + 1;
    return stan;
  }

  private stamped(): { fields: IsoFields; stan: string } {
    const stamp = localStamp((this.options.now ?? Date.now)(), this.options.utcOffsetMinutes ?? 420);
    const stan = this.nextStan();
    return {
      stan,
      fields: {
        7: stamp.transmission,
        11: stan,
        12: stamp.localTime,
        13: stamp.localDate,
        41: this.options.terminalId,
        42: this.options.merchantId,
      },
    };
  }

  private message(mti: Mti, fields: IsoFields): IsoMessage {
    return { tpdu: { destination: 0x0001, source: 0x0000 }, mti, fields };
  }

  private networkRequest(code: '001' | '301'): IsoMessage {
    const { fields } = this.stamped();
    return this.message('0800', { 7: fields[7], 11: fields[11], 41: fields[41], 42: fields[42], 70: code });
  }

  private cardRequest(
    mti: RequestMti,
    processingCode: string,
    card: KksCard,
    enteredPin: string,
    amount: number | undefined,
  ): IsoMessage {
    const { fields } = this.stamped();
    return this.message(mti, {
      ...fields,
      2: card.pan,
      3: processingCode,
      ...(amount === undefined ? {} : { 4: amount }),
      14: card.expiry,
      22: '051',
      25: '00',
      35: track2(card),
      52: pinBlock(card, enteredPin),
      55: cardPinField55(card, enteredPin),
    });
  }

  private reversalRequest(original: IsoMessage, card: KksCard): IsoMessage {
    const { fields } = this.stamped();
    const o = original.fields;
    return this.message('0400', {
      ...fields,
      2: card.pan,
      3: o[3],
      4: o[4],
      14: card.expiry,
      22: '051',
      25: '00',
      35: track2(card),
      60: { kind: 'original', mti: '0200', stan: o[11] ?? '', localDate: o[13] ?? '', localTime: o[12] ?? '' },
    });
  }

  private batch(): string {
    return this.options.batchNumber ?? '000001';
  }
}
