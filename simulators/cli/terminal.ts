/**
 * edc-sim terminal: one EDC terminal on a TCP or serial line to an agent, driven by a JSON
 * scenario (--script) or interactively (asks card number, PIN, amount), printing each struk in
 * Bahasa Indonesia. Seeded faults per request: lost ACK, corrupted frame, power loss.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import { describeIssues } from '../../protocol/messages/parse.ts';
import { createPrng, type Prng } from '../common/prng.ts';
import { ERR_SIM_CONFIG, ERR_SIM_USAGE } from '../errors.ts';
import { formatReceipt, type Exchange, type KksCard } from '../terminal/index.ts';
import { RigTerminal, type LinkSpec } from '../rig/terminals.ts';
import { serialBaudRates } from '../rig/options.ts';
import { hostPort, int, oneOf, parse, rate, str, type CommandSpec, type Values } from './args.ts';
import type { Io } from './io.ts';

export const terminalSpec: CommandSpec = {
  usage:
    'edc-sim terminal (--tcp HOST:PORT | --serial PATH [--baud N]) [--script FILE] [--terminal-id ID]' +
    ' [--merchant-id ID]\n' +
    '                 [--timeout-ms N] [--lose-ack-rate R] [--corrupt-rate R] [--power-loss-rate R] [--seed S]\n' +
    '  Without --script: asks for card number, PIN and amount (empty amount = balance inquiry; empty card = quit)\n' +
    '  and prints the struk (receipt) in Bahasa Indonesia. The simulated card holds the PIN typed unless --card-pin.',
  options: {
    tcp: { type: 'string' },
    serial: { type: 'string' },
    baud: { type: 'string' },
    script: { type: 'string' },
    'terminal-id': { type: 'string' },
    'merchant-id': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'lose-ack-rate': { type: 'string' },
    'corrupt-rate': { type: 'string' },
    'power-loss-rate': { type: 'string' },
    seed: { type: 'string' },
    'card-pin': { type: 'string' },
  },
};

const Pan = z.string().regex(/^[0-9]{12,19}$/);
const Pin = z.string().regex(/^[0-9]{4,12}$/);
const CardStep = {
  pan: Pan,
  pin: Pin,
  cardPin: Pin.optional(),
  expiry: z
    .string()
    .regex(/^[0-9]{4}$/)
    .default('2912'),
};
export const TerminalScript = z.strictObject({
  v: z.literal(1),
  steps: z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('withdraw'),
          ...CardStep,
          amount: z.number().int().min(1).max(1_000_000_000),
        }),
        z.strictObject({ kind: z.literal('balance'), ...CardStep }),
        z.strictObject({ kind: z.literal('echo') }),
        z.strictObject({ kind: z.literal('settle') }),
      ]),
    )
    .min(1)
    .max(10_000),
});
export type TerminalScript = z.infer<typeof TerminalScript>;
type CardRequest = {
  kind: 'withdraw' | 'balance';
  pan: string;
  pin: string;
  cardPin?: string | undefined;
  expiry: string;
  amount?: number;
};

interface Faults {
  readonly prng: Prng;
  readonly loseAck: number;
  readonly corrupt: number;
  readonly powerLoss: number;
}

export async function loadScript(path: string): Promise<TerminalScript> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new ERR_SIM_CONFIG(
      `Cannot read the scenario ${path}: expected a JSON file (${(cause as Error).message})`,
      { issues: [] },
      cause,
    );
  }
  const parsed = TerminalScript.safeParse(value);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new ERR_SIM_CONFIG(`Cannot run the scenario ${path}: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
  return parsed.data;
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

async function cardExchange(
  t: RigTerminal,
  step: CardRequest,
  faults: Faults,
): Promise<{ exchange: Exchange; note: string }> {
  const card: KksCard = { pan: step.pan, pin: step.cardPin ?? step.pin, expiry: step.expiry, serviceCode: '201' };
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
  return {
    exchange: reversal,
    note: 'Listrik padam setelah persetujuan: transaksi dibatalkan (reversal) / Power lost after approval: reversed\n',
  };
}

function printOutcome(io: Io, step: CardRequest, result: { exchange: Exchange; note: string }): void {
  const { exchange } = result;
  io.out(result.note);
  if (exchange.kind === 'timeout') {
    const reversalSent = exchange.reversal === undefined ? '' : ' (pembatalan otomatis dikirim)';
    io.out(`Tidak ada jawaban dari agen${reversalSent} / No answer from the agent\n`);
    return;
  }
  const kind = exchange.response.mti === '0410' ? 'reversal' : step.kind === 'balance' ? 'balance' : 'withdrawal';
  io.out(
    formatReceipt({ kind, response: exchange.response, pan: step.pan, at: Date.now(), utcOffsetMinutes: 420 }) + '\n',
  );
}

/**
 * Prompts and reads one line at a time. rl.question() drops lines that arrive before it is
 * called (piped or pasted input), so lines are taken from the interface's own queue instead;
 * end of input answers '' (which ends the session at the card prompt).
 */
function lineAsker(rl: ReturnType<typeof createInterface>, io: Io): (prompt: string) => Promise<string> {
  const lines = rl[Symbol.asyncIterator]();
  return async (prompt) => {
    io.err(prompt);
    const next = await lines.next();
    return next.done === true ? '' : String(next.value).trim();
  };
}

async function interactive(t: RigTerminal, faults: Faults, cardPin: string | undefined, io: Io): Promise<void> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const ask = lineAsker(rl, io);
  try {
    for (;;) {
      const pan = await ask('Nomor kartu (kosong = selesai): ');
      if (pan === '') return;
      const pin = await ask('PIN: ');
      const amountText = (await ask('Jumlah Rp (kosong = cek saldo): ')).replaceAll('.', '');
      const parsed = z.strictObject(CardStep).safeParse({ pan, pin, ...(cardPin === undefined ? {} : { cardPin }) });
      if (!parsed.success || (amountText !== '' && !/^[1-9][0-9]{0,9}$/.test(amountText))) {
        io.err('Masukan tidak valid: nomor kartu 12-19 digit, PIN 4-12 digit, jumlah bilangan bulat / Invalid input\n');
        continue;
      }
      const step: CardRequest =
        amountText === ''
          ? { kind: 'balance', ...parsed.data }
          : { kind: 'withdraw', ...parsed.data, amount: Number(amountText) };
      printOutcome(io, step, await cardExchange(t, step, faults));
    }
  } finally {
    rl.close();
  }
}

export async function terminalCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(terminalSpec, argv);
  if (v === 'help') return (io.out(terminalSpec.usage + '\n'), 0);
  const link = linkOf(v);
  const faults: Faults = {
    prng: createPrng(int(v, 'seed', 0, 0xffffffff) ?? 1),
    loseAck: rate(v, 'lose-ack-rate') ?? 0,
    corrupt: rate(v, 'corrupt-rate') ?? 0,
    powerLoss: rate(v, 'power-loss-rate') ?? 0,
  };
  const script = str(v, 'script') === undefined ? undefined : await loadScript(str(v, 'script')!);
  const terminalId = str(v, 'terminal-id') ?? 'EDCSIM01';
  const merchantId = str(v, 'merchant-id') ?? 'AGENSIM00000001';
  if (!/^[ -~]{8}$/.test(terminalId) || !/^[ -~]{15}$/.test(merchantId))
    throw new ERR_SIM_USAGE('--terminal-id must be 8 and --merchant-id 15 printable characters');
  const t = new RigTerminal(terminalId, merchantId, link, int(v, 'timeout-ms', 200, 120_000) ?? 10_000);
  await t.open();
  try {
    const signOn = await t.terminal.signOn();
    t.noteStan(signOn.request.fields[11]);
    io.err(
      signOn.kind === 'response'
        ? `Terhubung ke agen / Signed on (${signOn.response.fields[39] ?? '-'})\n`
        : 'Agen tidak menjawab sign-on / No answer to sign-on\n',
    );
    if (script === undefined) await interactive(t, faults, str(v, 'card-pin'), io);
    else for (const step of script.steps) await scriptStep(t, step, faults, io);
  } finally {
    await t.close();
  }
  return 0;
}

async function scriptStep(
  t: RigTerminal,
  step: TerminalScript['steps'][number],
  faults: Faults,
  io: Io,
): Promise<void> {
  if (step.kind === 'echo' || step.kind === 'settle') {
    const exchange = step.kind === 'echo' ? await t.terminal.echo() : await t.terminal.settle();
    t.noteStan(exchange.request.fields[11]);
    io.out(`${step.kind}: ${exchange.kind === 'response' ? (exchange.response.fields[39] ?? '-') : 'timeout'}\n`);
    return;
  }
  printOutcome(io, step, await cardExchange(t, step, faults));
}
