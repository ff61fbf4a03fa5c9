/**
 * edc-sim terminal: one EDC terminal on a TCP or serial line to an agent, driven by a JSON
 * scenario (--script) or interactively (card or KPM id, PIN shown as ****, amount), printing the
 * struk of each answer in Bahasa Indonesia (English with --lang en). Every simulated card has its
 * own PIN (from --cards, --card-pin or the scenario's cardPin), checked by the card against the
 * PIN typed. Seeded faults per request: lost ACK, corrupted frame, power loss.
 */
import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createPrng } from '../common/prng.ts';
import { readCardsFile, type CardBook } from '../bank/cards-file.ts';
import { ERR_SIM_OUTPUT, ERR_SIM_USAGE } from '../errors.ts';
import { RigTerminal, type LinkSpec } from '../rig/terminals.ts';
import { serialBaudRates } from '../rig/options.ts';
import { hostPort, int, oneOf, parse, rate, str, type CommandSpec, type Values } from './args.ts';
import type { Io } from './io.ts';
import { interactive } from './terminal-interactive.ts';
import { loadScript, Pin, type ScriptStep } from './terminal-script.ts';
import { cardExchange, printOutcome, type Session } from './terminal-session.ts';

export const terminalSpec: CommandSpec = {
  usage:
    'edc-sim terminal (--tcp HOST:PORT | --serial PATH [--baud B]) (--cards FILE | --card-pin PIN)\n' +
    '                 [--script FILE] [--terminal-id ID] [--merchant-id AGENT-ID] [--agent-name NAME]\n' +
    '                 [--lang id|en] [--timeout-ms N] [--lose-ack-rate R] [--corrupt-rate R] [--power-loss-rate R]\n' +
    '                 [--seed S] [--stan N] [--qr-out FILE.png]\n' +
    '  Without --script: asks for a card number or KPM id, the PIN (shown as ****) and the amount (Rp 700.000,\n' +
    '  700.000 or 700000; empty = balance inquiry; empty card = quit), and prints the struk. A simulated card\n' +
    "  checks the PIN typed against its own: the card's row in --cards (edc-sim bank cards), else --card-pin.\n" +
    '  --stan: the first STAN (default: 10 per second since local midnight, so a later run starts above an\n' +
    "  earlier one's). An approved withdrawal's struk shows its struk code and the agent-signed QR (text art);\n" +
    '  --qr-out FILE.png also writes that QR as a PNG (each approval overwrites it).\n' +
    '  Example: edc-sim terminal --tcp 127.0.0.1:9000 --cards bri-cards.csv --merchant-id AGT-BRI-0001',
  options: {
    tcp: { type: 'string' },
    serial: { type: 'string' },
    baud: { type: 'string' },
    script: { type: 'string' },
    cards: { type: 'string' },
    'card-pin': { type: 'string' },
    'terminal-id': { type: 'string' },
    'merchant-id': { type: 'string' },
    'agent-name': { type: 'string' },
    lang: { type: 'string' },
    'timeout-ms': { type: 'string' },
    'lose-ack-rate': { type: 'string' },
    'corrupt-rate': { type: 'string' },
    'power-loss-rate': { type: 'string' },
    seed: { type: 'string' },
    stan: { type: 'string' },
    'qr-out': { type: 'string' },
  },
};

/**
 * The first STAN of a run when --stan is not given. A real terminal keeps its STAN across power
 * cycles; the simulator starts from the clock instead: 10 per second since local midnight (at
 * most 864 001), so a run started later the same day starts above the STANs of an earlier run
 * that sent fewer than 10 requests per second. The agent keys requests by terminal id, STAN and
 * local date: a reused STAN would get the earlier answer again (or 94), not a new transaction.
 */
export function clockStan(now: number, utcOffsetMinutes: number): number {
  const localMs = now + utcOffsetMinutes * 60_000;
  return 1 + Math.floor((localMs % 86_400_000) / 100);
}

function linkOf(v: Values): LinkSpec {
  const tcp = str(v, 'tcp');
  const serial = str(v, 'serial');
  if ((tcp === undefined) === (serial === undefined))
    throw new ERR_SIM_USAGE('Expected exactly one of --tcp HOST:PORT and --serial PATH (see --help)');
  if (tcp !== undefined) return { kind: 'tcp', ...hostPort(tcp, 'tcp') };
  const baud = str(v, 'baud');
  if (baud === undefined) return { kind: 'serial', path: serial! };
  return { kind: 'serial', path: serial!, baudRate: Number(oneOf(baud, serialBaudRates.map(String), 'baud')) };
}

/** An id padded with spaces to its field's width (protocol Part 2 §1.4): 41 is 8, 42 is 15. */
function paddedId(v: Values, name: string, fallback: string, width: number): string {
  const value = str(v, name) ?? fallback;
  if (!new RegExp(`^[ -~]{1,${width}}$`).test(value) || value.trim() === '')
    throw new ERR_SIM_USAGE(`--${name}: expected 1-${width} printable characters, found ${JSON.stringify(value)}`);
  return value.padEnd(width, ' ');
}

async function cardSources(v: Values): Promise<{ book?: CardBook; cardPinOf: (pan: string) => string | undefined }> {
  const flagPin = str(v, 'card-pin');
  if (flagPin !== undefined && !Pin.safeParse(flagPin).success)
    throw new ERR_SIM_USAGE(`--card-pin: expected a PIN of 4-12 digits, found ${flagPin.length} characters`);
  const cardsPath = str(v, 'cards');
  const book = cardsPath === undefined ? undefined : await readCardsFile(cardsPath);
  if (book === undefined && flagPin === undefined && str(v, 'script') === undefined)
    throw new ERR_SIM_USAGE(
      'Expected --cards FILE or --card-pin PIN: a simulated card always has its own PIN, checked against the PIN typed',
    );
  return { ...(book === undefined ? {} : { book }), cardPinOf: (pan) => book?.find(pan)?.pin ?? flagPin };
}

async function scriptStep(session: Session, step: ScriptStep): Promise<void> {
  const { t, io } = session;
  if (step.kind === 'echo' || step.kind === 'settle') {
    const exchange = step.kind === 'echo' ? await t.terminal.echo() : await t.terminal.settle();
    t.noteStan(exchange.request.fields[11]);
    io.out(`${step.kind}: ${exchange.kind === 'response' ? (exchange.response.fields[39] ?? '-') : 'timeout'}\n`);
    return;
  }
  const request = { ...step, cardPin: step.cardPin ?? session.cardPinOf(step.pan)! };
  await printOutcome(session, request, await cardExchange(session, request));
}

const signOnText = {
  id: { ok: 'Terhubung ke agen', none: 'Agen tidak menjawab sign-on' },
  en: { ok: 'Signed on to the agent', none: 'No answer to sign-on from the agent' },
};

async function signOn(session: Session): Promise<void> {
  const { t, io } = session;
  const exchange = await t.terminal.signOn();
  t.noteStan(exchange.request.fields[11]);
  const text = signOnText[session.language];
  io.err(exchange.kind === 'response' ? `${text.ok} (${exchange.response.fields[39] ?? '-'})\n` : `${text.none}\n`);
}

export async function terminalCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(terminalSpec, argv);
  if (v === 'help') return (io.out(terminalSpec.usage + '\n'), 0);
  const link = linkOf(v);
  const faults = {
    prng: createPrng(int(v, 'seed', 0, 0xffffffff) ?? 1),
    loseAck: rate(v, 'lose-ack-rate') ?? 0,
    corrupt: rate(v, 'corrupt-rate') ?? 0,
    powerLoss: rate(v, 'power-loss-rate') ?? 0,
  };
  const terminalId = paddedId(v, 'terminal-id', 'EDCSIM01', 8);
  const merchantId = paddedId(v, 'merchant-id', 'AGENSIM00000001', 15);
  const agentName = str(v, 'agent-name');
  if (agentName !== undefined && !/^[ -~]{1,40}$/.test(agentName))
    throw new ERR_SIM_USAGE('--agent-name: expected 1-40 printable characters');
  const language = oneOf(str(v, 'lang') ?? 'id', ['id', 'en'] as const, 'lang');
  const { book, cardPinOf } = await cardSources(v);
  const scriptPath = str(v, 'script');
  const script = scriptPath === undefined ? undefined : await loadScript(scriptPath, cardPinOf);
  const t = new RigTerminal(terminalId, merchantId, link, int(v, 'timeout-ms', 200, 120_000) ?? 10_000);
  t.noteStan(String((int(v, 'stan', 1, 999_999) ?? clockStan(Date.now(), 420)) - 1));
  await t.open();
  const qrOut = str(v, 'qr-out');
  if (qrOut !== undefined) await checkWritable(qrOut);
  const session: Session = {
    t,
    faults,
    io,
    language,
    cardPinOf,
    ...(agentName === undefined ? {} : { agentName }),
    ...(qrOut === undefined ? {} : { qrOut }),
  };
  try {
    await signOn(session);
    if (script === undefined) await interactive(session, book, io.stdin ?? process.stdin);
    else for (const step of script.steps) await scriptStep(session, step);
  } finally {
    await t.close();
  }
  return 0;
}

/** --qr-out is checked before any transaction: its folder must exist and be writable. */
async function checkWritable(path: string): Promise<void> {
  try {
    await access(dirname(resolve(path)), constants.W_OK);
  } catch (cause) {
    throw new ERR_SIM_OUTPUT(`--qr-out: cannot write in the folder of ${path}`, { path }, cause);
  }
}
