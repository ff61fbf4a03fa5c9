/**
 * A rig terminal: the terminal simulator (simulators/terminal) on a TCP or serial line, able to
 * lose power and come back on a new connection with its STAN numbering continued, and to miss
 * the agent's response to a request (so that it gives up on it and reverses, as terminals must).
 *
 * Time. A real terminal gives up on a response after a timer; a rig terminal must not, or a busy
 * machine would turn a slow answer into a reversal and the run would stop being a function of its
 * seed. So with `answerWaitMs` set (the rig), a terminal waits for every answer, and gives up only
 * on the response the rig hid from it, at the moment that response arrived and was hidden (the
 * agent has decided by then). `answerWaitMs` is a watchdog, not a timeout: when it fires, the
 * exchange is marked stalled and the rig stops with EDC_ERR_SIM_RIG_STALLED instead of reporting
 * an outcome that depends on the machine's speed. Without it (`edc-sim terminal`) the terminal's
 * own response timer applies.
 */
import { decode, type IsoMessage } from '../../protocol/iso8583/index.ts';
import { EdcTerminal, connectTcpTerminal, openSerialTerminal, type TerminalTransport } from '../terminal/index.ts';
import { ERR_SIM_RIG_SETUP, ERR_SIM_RIG_STALLED } from '../errors.ts';

export type LinkSpec =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'serial'; readonly path: string; readonly baudRate?: number };

/** The response a terminal must not see: matched by MTI and STAN, so a resent copy is hidden too. */
interface Hidden {
  key: string | undefined;
  expire: (() => void) | undefined;
}

export interface FaultableTransport extends TerminalTransport {
  /** The agent's response to the next card request is never seen by the terminal (nor any resent copy). */
  hideNextResponse(): void;
  /** Called by the terminal's deadline for each request: binds a pending hide to it. */
  bindHidden(request: IsoMessage, expire: () => void): boolean;
}

function responseKey(mti: string, stan: string | undefined): string {
  return `${mti}|${stan ?? ''}`;
}

function keyOfPayload(payload: Uint8Array): string | undefined {
  try {
    const message = decode(payload);
    return responseKey(message.mti, message.fields[11]);
  } catch {
    return undefined;
  }
}

export function faultable(inner: TerminalTransport): FaultableTransport {
  let receiver: (payload: Uint8Array) => void = () => undefined;
  let armed = false;
  const hidden: Hidden = { key: undefined, expire: undefined };
  inner.onPayload((payload) => {
    if (hidden.key !== undefined && keyOfPayload(payload) === hidden.key) {
      const expire = hidden.expire;
      hidden.expire = undefined;
      expire?.();
      return;
    }
    receiver(payload);
  });
  return {
    kind: inner.kind,
    send: (payload) => inner.send(payload),
    onPayload: (next) => void (receiver = next),
    corruptNextFrame: () => inner.corruptNextFrame(),
    loseNextAck: () => inner.loseNextAck(),
    powerLoss: () => inner.powerLoss(),
    close: () => inner.close(),
    hideNextResponse: () => void (armed = true),
    bindHidden(request, expire) {
      if (!armed || (request.mti !== '0200' && request.mti !== '0100')) return false;
      armed = false;
      hidden.key = responseKey(String(Number(request.mti) + 10).padStart(4, '0'), request.fields[11]);
      hidden.expire = expire;
      return true;
    },
  };
}

async function connect(link: LinkSpec): Promise<TerminalTransport> {
  try {
    return link.kind === 'tcp'
      ? await connectTcpTerminal(link.host, link.port)
      : await openSerialTerminal({
          path: link.path,
          ...(link.baudRate === undefined ? {} : { baudRate: link.baudRate }),
        });
  } catch (cause) {
    throw new ERR_SIM_RIG_SETUP(
      `Cannot connect a terminal over ${link.kind}: ${(cause as Error).message}`,
      { kind: link.kind },
      cause,
    );
  }
}

export interface RigTerminalTiming {
  /** Real time: the terminal's response timer (edc-sim terminal). */
  readonly responseTimeoutMs: number;
  /** Logical time (the rig): wait for every answer; this long without one is a stall, not a timeout. */
  readonly answerWaitMs?: number;
}

export class RigTerminal {
  private stanNext = 1;
  private stalled: string | undefined;
  private readonly timing: RigTerminalTiming;
  transport!: FaultableTransport;
  terminal!: EdcTerminal;

  constructor(
    readonly terminalId: string,
    readonly merchantId: string,
    readonly link: LinkSpec,
    timing: number | RigTerminalTiming,
  ) {
    this.timing = typeof timing === 'number' ? { responseTimeoutMs: timing } : timing;
  }

  async open(): Promise<void> {
    this.transport = faultable(await connect(this.link));
    this.boot();
  }

  private boot(): void {
    const { answerWaitMs, responseTimeoutMs } = this.timing;
    this.terminal = new EdcTerminal({
      transport: this.transport,
      terminalId: this.terminalId,
      merchantId: this.merchantId,
      responseTimeoutMs,
      stanStart: this.stanNext,
      ...(answerWaitMs === undefined
        ? {}
        : { responseDeadline: (request, expire) => this.logicalDeadline(request, expire, answerWaitMs) }),
    });
  }

  /** Gives up only on a hidden response (when it arrives), or marks a stall when the watchdog fires. */
  private logicalDeadline(request: IsoMessage, expire: () => void, answerWaitMs: number): () => void {
    const watchdog = setTimeout(() => {
      this.stalled = `${request.mti} STAN ${request.fields[11] ?? '-'}`;
      expire();
    }, answerWaitMs);
    this.transport.bindHidden(request, () => {
      clearTimeout(watchdog);
      expire();
    });
    return () => clearTimeout(watchdog);
  }

  /** Throws EDC_ERR_SIM_RIG_STALLED when an exchange ended on the watchdog rather than on an answer. */
  assertAnswered(): void {
    const stalled = this.stalled;
    if (stalled === undefined) return;
    this.stalled = undefined;
    throw new ERR_SIM_RIG_STALLED(
      `Terminal ${this.terminalId}: no answer to ${stalled} within ${this.timing.answerWaitMs} ms` +
        ' (the agent hung or the machine is far too loaded; the outcome would no longer follow the seed)',
      { terminalId: this.terminalId },
    );
  }

  /** Records the STANs a request used, so a terminal re-created after power loss continues them. */
  noteStan(stan: string | undefined): void {
    if (stan !== undefined) this.stanNext = Math.max(this.stanNext, Number(stan) + 1);
  }

  /**
   * Power loss: the terminal forgets everything in memory and boots again. Over TCP the
   * connection drops at once and a new one is made; a serial cable stays plugged in (and socat
   * would end the pseudo-terminal pair if its slave side closed), so only the terminal reboots.
   */
  async powerCycle(): Promise<void> {
    if (this.link.kind === 'serial') return this.boot();
    this.transport.powerLoss();
    await this.open();
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
