/**
 * One card transaction of `edc-sim terminal`, scripted or typed: the simulated KKS card (with its
 * own PIN), the seeded faults, the exchange with the agent and the struk printed for its answer.
 */
import type { Prng } from '../common/prng.ts';
import type { RigTerminal } from '../rig/terminals.ts';
import { formatReceipt, type Exchange, type KksCard, type ReceiptLanguage } from '../terminal/index.ts';
import { strukCodeOf, writeQrPng } from '../terminal/struk-qr.ts';
import { ERR_SIM_OUTPUT } from '../errors.ts';
import type { Io } from './io.ts';

export interface CardRequest {
  readonly kind: 'withdraw' | 'balance';
  readonly pan: string;
  /** The PIN typed on the PIN pad. */
  readonly pin: string;
  /** The card's own PIN, which the chip compares with the PIN typed. */
  readonly cardPin: string;
  readonly expiry: string;
  readonly amount?: number;
}

export interface Faults {
  readonly prng: Prng;
  readonly loseAck: number;
  readonly corrupt: number;
  readonly powerLoss: number;
}

export interface Session {
  readonly t: RigTerminal;
  readonly faults: Faults;
  readonly io: Io;
  readonly language: ReceiptLanguage;
  readonly agentName?: string;
  /** --qr-out: the PNG file the QR of each approved withdrawal's struk proof is written to. */
  readonly qrOut?: string;
  /** The card's own PIN for a card number: from --cards, else --card-pin; undefined when unknown. */
  readonly cardPinOf: (pan: string) => string | undefined;
}

const powerLossNote = {
  id: 'Listrik padam setelah persetujuan: transaksi dibatalkan (reversal)\n',
  en: 'Power lost after approval: the withdrawal was reversed\n',
};
const noAnswer = {
  id: (reversal: boolean) => `Tidak ada jawaban dari agen${reversal ? ' (pembatalan otomatis dikirim)' : ''}\n`,
  en: (reversal: boolean) => `No answer from the agent${reversal ? ' (automatic reversal sent)' : ''}\n`,
};

export async function cardExchange(session: Session, step: CardRequest): Promise<{ exchange: Exchange; note: string }> {
  const { t, faults } = session;
  const card: KksCard = { pan: step.pan, pin: step.cardPin, expiry: step.expiry, serviceCode: '201' };
  if (faults.prng.chance(faults.loseAck)) t.transport.loseNextAck();
  if (faults.prng.chance(faults.corrupt)) t.transport.corruptNextFrame();
  const powerLoss = faults.prng.chance(faults.powerLoss);
  const exchange =
    step.kind === 'balance'
      ? await t.terminal.balance(card, step.pin)
      : await t.terminal.withdraw(card, step.pin, step.amount ?? 0);
  t.noteStan(exchange.request.fields[11]);
  if (!(powerLoss && step.kind === 'withdraw' && exchange.kind === 'response' && exchange.response.fields[39] === '00'))
    return { exchange, note: '' };
  await t.powerCycle();
  const reversal = await t.terminal.reverse(exchange.request, card);
  t.noteStan(reversal.request.fields[11]);
  return { exchange: reversal, note: powerLossNote[session.language] };
}

export async function printOutcome(
  session: Session,
  step: CardRequest,
  result: { exchange: Exchange; note: string },
): Promise<void> {
  const { exchange } = result;
  const { io } = session;
  io.out(result.note);
  if (exchange.kind === 'timeout') {
    io.out(noAnswer[session.language](exchange.reversal !== undefined));
    return;
  }
  const kind = exchange.response.mti === '0410' ? 'reversal' : step.kind === 'balance' ? 'balance' : 'withdrawal';
  const receipt = formatReceipt({
    kind,
    response: exchange.response,
    pan: step.pan,
    at: Date.now(),
    utcOffsetMinutes: 420,
    authorizedOffline: true,
    language: session.language,
    ...(session.agentName === undefined ? {} : { agentName: session.agentName }),
  });
  io.out(receipt + '\n');
  const proof = exchange.response.fields[61];
  if (session.qrOut !== undefined && kind === 'withdrawal' && strukCodeOf(proof) !== undefined) {
    await writeQrPng(session.qrOut, proof!).catch((cause: Error) => {
      throw new ERR_SIM_OUTPUT(
        `Cannot write the QR to ${session.qrOut}: ${cause.message}`,
        { path: session.qrOut },
        cause,
      );
    });
  }
}
