/**
 * Offline authorization of a card request (0200 withdrawal, 0100 balance) against the installed
 * entitlement set. Checks run in a fixed order so a terminal always sees the most actionable
 * reason first: must the agent sync or fix its clock (91), is the card known (14), expired (54),
 * was the PIN checked by the card (55 failed, 12 not checked), then the amount (13, 61, 51, and
 * 05 when the offline exposure would pass its limit).
 */
import { keyedHash } from '../../protocol/crypto/index.ts';
import type { IsoFields, IsoMessage, ResponseCode } from '../../protocol/iso8583/index.ts';
import { LedgerEntry, signEntry, type WithdrawalBody } from '../../protocol/messages/index.ts';
import { encodeStrukProof } from '../../protocol/struk/index.ts';
import type { EngineContext } from './context.ts';
import { decisionKey } from './decision-key.ts';
import { dedupeWindowMs } from './limits.ts';
import type { CardData, CoreRequest } from './requests.ts';
import { buildResponse, clockBehindText, offlineLimitText } from './responses.ts';
import {
  appendEntry,
  readDedupe,
  recordDecision,
  remainingOf,
  storedResponse,
  terminalOf,
  type Round,
} from './round.ts';
import { replay } from './replay.ts';

type Withdrawal = Extract<CoreRequest, { kind: 'withdrawal' }>;
type Balance = Extract<CoreRequest, { kind: 'balance' }>;

interface Gate {
  readonly code: ResponseCode;
  readonly kpmId?: string;
  /** The card's keyed hash under the set, once the card is known. */
  readonly panHash?: string;
  readonly text?: string;
  readonly fields?: IsoFields;
}

/** The checks shared by 0100 and 0200: set usable, queue not full, card known, PIN verified. */
function checkCard(round: Round, card: CardData, withQueue: boolean): Gate {
  const set = round.base.set;
  // A clock set back could otherwise stretch the set's offline age (trusted-clock.ts).
  if (withQueue && round.clockBehind) return { code: '91', text: clockBehindText };
  if (set === null || round.now >= set.expiresAt) return { code: '91' };
  if (withQueue && round.head.seq - round.base.ack.seq >= set.limits.queueEntriesMax) return { code: '91' };
  const panHash = keyedHash(card.pan, set.lookupKey);
  const kpmId = round.base.panIndex.get(panHash);
  if (kpmId === undefined) return { code: '14' };
  if (card.expiry !== undefined && isExpired(card.expiry, round.now)) return { code: '54' };
  if (card.pinResult === 'failed') return { code: '55' };
  if (card.pinResult !== 'verified') return { code: '12' };
  return { code: '00', kpmId, panHash };
}

/** A card is valid through the last day of its expiry month (YYMM, 20YY). */
function isExpired(yymm: string, now: number): boolean {
  const year = 2000 + Number(yymm.slice(0, 2));
  const month = Number(yymm.slice(2, 4));
  return now >= Date.UTC(year, month, 1);
}

function checkAmount(round: Round, kpmId: string, amount: number): Gate {
  const limits = round.base.set!.limits;
  if (!Number.isSafeInteger(amount) || amount <= 0) return { code: '13' };
  if (amount > limits.withdrawalAmountMax) return { code: '61' };
  // A 51 tells the KPM what is left (the PIN was verified above), so the struk can show Sisa Bantuan.
  const left = remainingOf(round, kpmId);
  if (amount > left) return { code: '51', fields: { 54: balanceField(left) } };
  if (round.exposure + amount > limits.cashFloat) return { code: '05', text: offlineLimitText };
  return { code: '00' };
}

function balanceField(amount: number): IsoMessage['fields'][54] {
  return [{ accountType: '00', amountType: '02', currency: '360', amount }];
}

export function decideBalance(round: Round, message: IsoMessage, request: Balance): IsoMessage {
  const gate = checkCard(round, request.card, false);
  if (gate.kpmId === undefined || gate.code !== '00')
    return buildResponse(message, gate.code, gate.text === undefined ? {} : { text: gate.text });
  const rrn = `BI${request.key.localDate}${request.key.stan}`;
  return buildResponse(message, '00', { fields: { 37: rrn, 54: balanceField(remainingOf(round, gate.kpmId)) } });
}

export async function decideWithdrawal(
  context: EngineContext,
  round: Round,
  message: IsoMessage,
  request: Withdrawal,
): Promise<IsoMessage> {
  const { key, print } = decisionKey(context, message, request);
  const previous = await readDedupe(round, context.db, key);
  if (previous !== undefined && round.now - previous.at < dedupeWindowMs) return replay(message, previous, print);
  const gate = checkCard(round, request.card, true);
  const verdict =
    gate.code === '00' && gate.kpmId !== undefined ? checkAmount(round, gate.kpmId, request.amount) : gate;
  if (verdict.code !== '00' || gate.kpmId === undefined || gate.panHash === undefined) {
    const response = buildResponse(message, verdict.code, { text: verdict.text, fields: verdict.fields });
    round.today.declinedByCode[verdict.code] = (round.today.declinedByCode[verdict.code] ?? 0) + 1;
    recordDecision(round, key, { at: round.now, fingerprint: print, response: storedResponse(response) });
    return response;
  }
  return approve(context, round, message, request, { kpmId: gate.kpmId, panHash: gate.panHash }, { key, print });
}

function approve(
  context: EngineContext,
  round: Round,
  message: IsoMessage,
  request: Withdrawal,
  { kpmId, panHash }: { kpmId: string; panHash: string },
  dedupe: { key: string; print: string },
): IsoMessage {
  const set = round.base.set!;
  const seq = round.head.seq + 1;
  const id = context.newId();
  const body: WithdrawalBody = {
    v: 1,
    id,
    agentId: context.agentId,
    seq,
    prevHash: round.head.hash,
    at: round.now,
    tahap: set.tahap,
    kpmId,
    amount: request.amount,
    ...request.key,
    kind: 'withdrawal',
    panHash,
    sealedPan: context.sealedPans.sealed(set.setId, set.sealKey, panHash, request.card.pan),
    // RRN: the entry's seq, unique within this agent's chain and findable in it.
    rrn: String(seq).padStart(12, '0'),
    // Auth code: the last 6 characters of the entry's ULID (its random part).
    authCode: id.slice(-6),
    entitlementSetId: set.setId,
  };
  // Assertion before the write: the entry is exactly what the gateway will accept.
  const entry = LedgerEntry.parse(signEntry(body, context.seed)) as LedgerEntry & { kind: 'withdrawal' };
  appendEntry(round, entry);
  const left = remainingOf(round, kpmId) - request.amount;
  round.remaining.set(kpmId, left);
  round.exposure += request.amount;
  round.today.approvedCount += 1;
  round.today.approvedAmount += request.amount;
  const totals = terminalOf(round, request.key.terminalId);
  totals.withdrawalCount += 1;
  totals.withdrawalAmount += request.amount;
  const response = buildResponse(message, '00', {
    fields: { 37: body.rrn, 38: body.authCode, 54: balanceField(left), 61: strukProofOf(entry, context.seed) },
  });
  recordDecision(round, dedupe.key, {
    at: round.now,
    fingerprint: dedupe.print,
    response: storedResponse(response),
    seq,
    entryId: id,
  });
  return response;
}

/** Field 61 of an approved 0210: the agent-signed struk proof the terminal prints as a QR. */
function strukProofOf(entry: LedgerEntry & { kind: 'withdrawal' }, seed: string): string {
  return encodeStrukProof(
    {
      agentId: entry.agentId,
      seq: entry.seq,
      at: entry.at,
      amount: entry.amount,
      terminalId: entry.terminalId,
      stan: entry.stan,
      kpmId: entry.kpmId,
      entryHash: entry.hash,
    },
    seed,
  );
}
