/**
 * Runs one planned step on a rig terminal and records what the terminal was told. A step's fault
 * is armed just before its request: a corrupted frame, a lost ACK (serial), a response the
 * terminal never sees (it gives up on it when it arrives and reverses the 0200), or power lost
 * after the approval reached the terminal but before the cash was paid (on boot it reverses).
 * Every exchange waits for its answer (see terminals.ts): none ends on the wall clock.
 */
import type { Exchange, KksCard } from '../terminal/index.ts';
import type { Step, StepLabel, TerminalFault } from './plan.ts';
import type { RigTerminal } from './terminals.ts';

export interface StepOutcome {
  readonly agent: number;
  readonly terminalId: string;
  readonly label: StepLabel | 'doubleSpend' | 'clone';
  readonly kind: 'withdraw' | 'balance';
  readonly kpmId: string | null;
  readonly amount: number;
  readonly fault: TerminalFault;
  /** Response code the terminal received, or 'timeout'. */
  readonly code: string;
  readonly stan: string;
  readonly localDate: string;
  /** The terminal was told 00 for a 0200. */
  readonly toldApproved: boolean;
  /** The 0400 the terminal sent for this 0200 (response timeout or power loss), with its answer. */
  readonly reversal: { readonly code: string } | undefined;
}

function kksCard(step: Pick<Step, 'card'>): KksCard {
  return { pan: step.card.pan, pin: step.card.pin, expiry: '2912', serviceCode: '201' };
}

function codeOf(exchange: Exchange): string {
  return exchange.kind === 'response' ? (exchange.response.fields[39] ?? 'none') : 'timeout';
}

function arm(terminal: RigTerminal, fault: TerminalFault): void {
  if (fault === 'lostAck') terminal.transport.loseNextAck();
  if (fault === 'corrupt') terminal.transport.corruptNextFrame();
  if (fault === 'responseTimeout') terminal.transport.hideNextResponse();
}

export async function runStep(
  terminal: RigTerminal,
  agent: number,
  step: Step,
  label: StepOutcome['label'] = step.label,
): Promise<StepOutcome> {
  const card = kksCard(step);
  arm(terminal, step.fault);
  const exchange =
    step.kind === 'balance'
      ? await terminal.terminal.balance(card, step.enteredPin)
      : await terminal.terminal.withdraw(card, step.enteredPin, step.amount);
  terminal.noteStan(exchange.request.fields[11]);
  terminal.assertAnswered();
  const code = codeOf(exchange);
  let reversal: StepOutcome['reversal'];
  if (exchange.kind === 'timeout' && exchange.reversal !== undefined) {
    terminal.noteStan(exchange.reversal.request.fields[11]);
    reversal = { code: codeOf(exchange.reversal) };
    terminal.assertAnswered();
  }
  if (step.fault === 'powerLoss' && step.kind === 'withdraw' && exchange.kind === 'response' && code === '00') {
    // The approval arrived but the terminal died before paying: after boot it reverses.
    await terminal.powerCycle();
    const reversed = await terminal.terminal.reverse(exchange.request, card);
    terminal.noteStan(reversed.request.fields[11]);
    terminal.assertAnswered();
    reversal = { code: codeOf(reversed) };
  }
  return {
    agent,
    terminalId: terminal.terminalId,
    label,
    kind: step.kind,
    kpmId: step.card.kpmId,
    amount: step.amount,
    fault: step.fault,
    code,
    stan: exchange.request.fields[11] ?? '',
    localDate: exchange.request.fields[13] ?? '',
    toldApproved: step.kind === 'withdraw' && code === '00',
    reversal,
  };
}
