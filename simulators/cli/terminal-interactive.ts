/**
 * The interactive terminal: asks for a card (number or KPM id), the PIN (shown as ****) and the
 * amount, and prints the struk of the agent's answer. A value that cannot be used is refused with
 * its reason and asked for again, on its own: a refused amount asks for the amount, not for the
 * card again. An empty card number (or the end of input) ends the session.
 */
import type { Readable } from 'node:stream';
import { isLuhnValid } from '../../protocol/iso8583/index.ts';
import type { CardBook } from '../bank/cards-file.ts';
import { parseRupiah } from '../terminal/index.ts';
import { createAsker, type Asker } from './prompt.ts';
import { cardExchange, printOutcome, type CardRequest, type Session } from './terminal-session.ts';

type Bilingual = { readonly id: string; readonly en: string };

const prompts = {
  id: {
    card: 'Nomor kartu atau ID KPM (kosong = selesai): ',
    pin: 'PIN: ',
    amount: 'Jumlah, mis. Rp 700.000 (kosong = cek saldo): ',
    badCard: 'Kartu tidak bisa dipakai',
    badPin: 'PIN tidak valid',
    badAmount: 'Jumlah tidak valid',
  },
  en: {
    card: 'Card number or KPM id (empty = quit): ',
    pin: 'PIN: ',
    amount: 'Amount, e.g. Rp 700.000 (empty = balance inquiry): ',
    badCard: 'Card refused',
    badPin: 'Invalid PIN',
    badAmount: 'Invalid amount',
  },
} as const;

const reasons = {
  format: {
    id: 'ketik 12-19 digit nomor kartu atau ID KPM (mis. KPM-0000000009)',
    en: 'type the 12-19 digit card number or a KPM id (e.g. KPM-0000000009)',
  },
  luhn: {
    id: 'digit terakhir (Luhn) tidak cocok, periksa nomor kartu',
    en: 'the check digit (Luhn) does not match, check the number',
  },
  unknownKpm: { id: 'ID KPM ini tidak ada di file --cards', en: 'this KPM id is not in the --cards file' },
  noPin: {
    id: 'kartu tidak ada di --cards dan tanpa --card-pin: PIN kartu tidak diketahui',
    en: "card not in --cards and no --card-pin: the card's own PIN is unknown",
  },
  pin: { id: 'PIN terdiri dari 4-12 digit', en: 'a PIN has 4-12 digits' },
} satisfies Record<string, Bilingual>;

type Card = { readonly pan: string; readonly cardPin: string };
/** The value an answer stands for, or the reason (Bilingual) to ask again. */
type Check<T> = (text: string) => T | Bilingual;

function isReason(value: unknown): value is Bilingual {
  return typeof value === 'object' && value !== null && 'id' in value && 'en' in value;
}

/** Asks until `check` accepts the answer; undefined when the input ends. */
async function askUntil<T>(
  session: Session,
  ask: (prompt: string) => Promise<string | undefined>,
  prompt: string,
  refused: string,
  check: Check<T>,
): Promise<T | undefined> {
  for (;;) {
    const text = await ask(prompt);
    if (text === undefined) return undefined;
    const result = check(text);
    if (!isReason(result)) return result;
    session.io.err(`${refused}: ${result[session.language]}\n`);
  }
}

function cardCheck(session: Session, book: CardBook | undefined): Check<Card | 'quit'> {
  return (text) => {
    if (text === '') return 'quit';
    const known = book?.find(text);
    if (known !== undefined) return { pan: known.pan, cardPin: known.pin };
    if (/^KPM-/i.test(text)) return reasons.unknownKpm;
    if (!/^[0-9]{12,19}$/.test(text)) return reasons.format;
    if (!isLuhnValid(text)) return reasons.luhn;
    const cardPin = session.cardPinOf(text);
    return cardPin === undefined ? reasons.noPin : { pan: text, cardPin };
  };
}

function amountCheck(text: string): number | 'balance' | Bilingual {
  if (text === '') return 'balance';
  const parsed = parseRupiah(text);
  return parsed.ok ? parsed.amount : parsed.reason;
}

async function oneTransaction(session: Session, asker: Asker, book: CardBook | undefined): Promise<boolean> {
  const p = prompts[session.language];
  const card = await askUntil(session, asker.ask, p.card, p.badCard, cardCheck(session, book));
  if (card === undefined || card === 'quit') return false;
  const pinCheck: Check<string> = (text) => (/^[0-9]{4,12}$/.test(text) ? text : reasons.pin);
  const pin = await askUntil(session, asker.askSecret, p.pin, p.badPin, pinCheck);
  if (pin === undefined) return false;
  const amount = await askUntil(session, asker.ask, p.amount, p.badAmount, amountCheck);
  if (amount === undefined) return false;
  const step: CardRequest =
    amount === 'balance'
      ? { kind: 'balance', pan: card.pan, pin, cardPin: card.cardPin, expiry: '2912' }
      : { kind: 'withdraw', pan: card.pan, pin, cardPin: card.cardPin, expiry: '2912', amount };
  await printOutcome(session, step, await cardExchange(session, step));
  return true;
}

export async function interactive(session: Session, book: CardBook | undefined, input: Readable): Promise<void> {
  const asker = createAsker(session.io, input);
  try {
    while (await oneTransaction(session, asker, book));
  } finally {
    asker.close();
  }
}
