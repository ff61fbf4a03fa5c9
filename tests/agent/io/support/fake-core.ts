/**
 * A minimal in-memory stand-in for the agent core, for unit tests of the links and the forwarder
 * only (the integration tests use the real core). It signs real ledger entries, verifies real
 * receipts and entitlement sets with the gateway key, and answers ISO requests simply.
 */
import { generateSigningKeyPair } from '../../../../protocol/crypto/index.ts';
import { swapTpdu } from '../../../../protocol/iso8583/index.ts';
import type { IsoMessage, Mti } from '../../../../protocol/iso8583/index.ts';
import { defineError } from '../../../../protocol/errors.ts';
import { genesisHash, signEntry, verifyEntitlementSet, verifyReceipt } from '../../../../protocol/messages/index.ts';
import type { LedgerEntry, SignedEntitlementSet, SignedReceipt } from '../../../../protocol/messages/index.ts';
import { ulidFactory } from '../../../../protocol/ids.ts';

const ReceiptFork = defineError('EDC_ERR_RECEIPT_FORK', 'fake');
const ReceiptSignature = defineError('EDC_ERR_RECEIPT_SIGNATURE', 'fake');

export class FakeCore {
  readonly agentId: string;
  readonly keys = generateSigningKeyPair();
  readonly entries: LedgerEntry[] = [];
  readonly handled: IsoMessage[] = [];
  readonly installed: SignedEntitlementSet[] = [];
  private ack = { seq: 0, hash: genesisHash };
  halt: string | null = null;
  private readonly ulid = ulidFactory();
  /** When set, handle() rejects (a failing ledger). */
  failHandle = false;

  constructor(
    agentId: string,
    private readonly gatewayPublicKey: string,
  ) {
    this.agentId = agentId;
  }

  async handle(request: IsoMessage): Promise<IsoMessage> {
    await Promise.resolve();
    if (this.failHandle) throw new Error('ledger write failed');
    this.handled.push(request);
    const f = request.fields;
    const mti = String(Number(request.mti) + 10).padStart(4, '0') as Mti;
    if (request.mti === '0800')
      return { tpdu: swapTpdu(request.tpdu), mti, fields: { 7: f[7], 11: f[11], 39: '00', 41: f[41], 70: f[70] } };
    const approved = request.mti === '0200' ? { 37: 'RRN000000001', 38: 'AUTH01' } : {};
    return {
      tpdu: swapTpdu(request.tpdu),
      mti,
      fields: { 3: f[3], 4: f[4], 11: f[11], 12: f[12], 13: f[13], 39: '00', 41: f[41], 42: f[42], ...approved },
    };
  }

  /** Appends a signed withdrawal entry, as an approval would. */
  append(amount = 750_000): LedgerEntry {
    const prev = this.entries[this.entries.length - 1];
    const entry = signEntry(
      {
        v: 1,
        kind: 'withdrawal',
        id: this.ulid(),
        agentId: this.agentId,
        seq: this.entries.length + 1,
        prevHash: prev?.hash ?? genesisHash,
        at: Date.now(),
        tahap: '2026-IV',
        kpmId: 'KPM-0001',
        amount,
        terminalId: 'TERM0001',
        stan: String(this.entries.length + 1).padStart(6, '0'),
        localDate: '1122',
        panHash: 'a'.repeat(64),
        sealedPan: 'A'.repeat(120),
        rrn: 'RRN000000001',
        authCode: 'AUTH01',
        entitlementSetId: this.ulid(),
      },
      this.keys.seed,
    );
    this.entries.push(entry);
    return entry;
  }

  head(): { seq: number; hash: string } {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? { seq: 0, hash: genesisHash } : { seq: last.seq, hash: last.hash };
  }

  ackHead(): { seq: number; hash: string } {
    return { ...this.ack };
  }

  async unacknowledged(limit: number): Promise<LedgerEntry[]> {
    await Promise.resolve();
    return this.entries.slice(this.ack.seq, this.ack.seq + limit);
  }

  async applyReceipt(receipt: SignedReceipt): Promise<'advanced' | 'unchanged'> {
    await Promise.resolve();
    if (!verifyReceipt(receipt, this.gatewayPublicKey)) throw new ReceiptSignature('bad receipt signature');
    if (receipt.ackSeq > this.head().seq) throw new ReceiptFork(`ackSeq ${receipt.ackSeq} beyond head`);
    const own = receipt.ackSeq === 0 ? genesisHash : this.entries[receipt.ackSeq - 1]!.hash;
    if (own !== receipt.ackHash) throw new ReceiptFork(`ackHash differs at ${receipt.ackSeq}`);
    if (receipt.ackSeq <= this.ack.seq) return 'unchanged';
    this.ack = { seq: receipt.ackSeq, hash: receipt.ackHash };
    return 'advanced';
  }

  async installEntitlementSet(set: SignedEntitlementSet): Promise<void> {
    await Promise.resolve();
    if (!verifyEntitlementSet(set, this.gatewayPublicKey)) throw new ReceiptSignature('bad entitlement set signature');
    this.installed.push(set);
  }

  async setForwardingHalt(reason: string | null): Promise<void> {
    await Promise.resolve();
    this.halt = reason;
  }

  async status(): Promise<{ haltReason: string | null }> {
    await Promise.resolve();
    return { haltReason: this.halt };
  }
}
