/**
 * The soak's terminals: each keeps withdrawing (small seeded amounts, seeded cards of its
 * agent's KPMs, a seeded pause between two) over TCP to its agent, and remembers what it was
 * told. A request with no answer within responseTimeoutMs (the agent was killed, or is
 * stopping) is given up on, reversed as a real EDC does (0400, one try), and the terminal dials
 * again, its STAN numbering continued. Unlike the rig, timing here is real: the soak's question
 * is whether anything is lost while processes die at arbitrary moments, not a report that is a
 * function of the seed.
 */
import type { Prng } from '../common/prng.ts';
import { connectTcpTerminal, EdcTerminal, type Exchange, type KksCard } from '../terminal/index.ts';

/** One withdrawal as its terminal saw it. */
export interface Heard {
  readonly agent: number;
  /** terminalId/stan/localDate: the agent's duplicate key (the same in its ledger entry). */
  readonly key: string;
  readonly kpmId: string;
  readonly amount: number;
  /** ISO 8583 response code, or 'timeout'. */
  readonly code: string;
  /** The terminal's 0400 for it was answered 00 (only after a timeout). */
  readonly reversed: boolean;
}

export interface SoakCard extends KksCard {
  readonly kpmId: string;
}

export interface TerminalSpec {
  readonly agent: number;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly port: number;
  readonly cards: readonly SoakCard[];
  readonly prng: Prng;
  readonly thinkMs: { readonly min: number; readonly max: number };
}

/** A terminal waits this long for an answer before it reverses (an EDC's own response timer). */
export const soakResponseTimeoutMs = 4_000;
/** Withdrawal amounts: Rp 10.000 .. Rp 50.000 in steps of 10.000, so a KPM's credit lasts a long run. */
const amountSteps = 5;

export const keyOf = (terminalId: string, stan: string, localDate: string): string =>
  `${terminalId}/${stan}/${localDate}`;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function recordOf(spec: TerminalSpec, card: SoakCard, amount: number, exchange: Exchange): Heard {
  const request = exchange.request.fields;
  const code = exchange.kind === 'response' ? (exchange.response.fields[39] ?? 'none') : 'timeout';
  const reversal = exchange.kind === 'timeout' ? exchange.reversal : undefined;
  return {
    agent: spec.agent,
    key: keyOf(spec.terminalId, request[11] ?? '', request[13] ?? ''),
    kpmId: card.kpmId,
    amount,
    code,
    reversed: reversal?.kind === 'response' && reversal.response.fields[39] === '00',
  };
}

function highestStan(exchange: Exchange, stan: number): number {
  const seen = [exchange.request.fields[11]];
  if (exchange.kind === 'timeout' && exchange.reversal !== undefined) seen.push(exchange.reversal.request.fields[11]);
  return Math.max(stan, ...seen.map((s) => Number(s ?? 0)));
}

/** Runs until stop.now; every withdrawal's outcome goes to `heard`. */
export async function runTerminal(spec: TerminalSpec, heard: Heard[], stop: { now: boolean }): Promise<void> {
  let stan = 0;
  while (!stop.now) {
    const transport = await connectTcpTerminal('127.0.0.1', spec.port).catch(() => undefined);
    if (transport === undefined) {
      await sleep(200);
      continue;
    }
    const terminal = new EdcTerminal({
      transport,
      terminalId: spec.terminalId,
      merchantId: spec.merchantId,
      responseTimeoutMs: soakResponseTimeoutMs,
      reversalTriesMax: 1,
      stanStart: stan >= 999_999 ? 1 : stan + 1,
    });
    let connected = true;
    while (connected && !stop.now) {
      const card = spec.prng.pick(spec.cards);
      const amount = 10_000 * spec.prng.int(1, amountSteps);
      const exchange = await terminal.withdraw(card, card.pin, amount);
      heard.push(recordOf(spec, card, amount, exchange));
      stan = highestStan(exchange, stan);
      // No answer: the line (or the agent) is gone; dial again, as an EDC does.
      connected = exchange.kind === 'response';
      await sleep(spec.prng.int(spec.thinkMs.min, spec.thinkMs.max));
    }
    await transport.close().catch(() => undefined);
  }
}
