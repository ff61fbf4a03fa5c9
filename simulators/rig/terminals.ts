/**
 * A rig terminal: the terminal simulator (simulators/terminal) on a TCP or serial line, able to
 * lose power and come back on a new connection with its STAN numbering continued, and to miss
 * the agent's next response (so its response timer fires and it reverses, as terminals must).
 */
import { EdcTerminal, connectTcpTerminal, openSerialTerminal, type TerminalTransport } from '../terminal/index.ts';
import { ERR_SIM_RIG_SETUP } from '../errors.ts';

export type LinkSpec =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'serial'; readonly path: string };

export interface FaultableTransport extends TerminalTransport {
  /** The next payload from the agent is never seen by the terminal (its response timer fires). */
  dropNextResponse(): void;
}

export function faultable(inner: TerminalTransport): FaultableTransport {
  let receiver: (payload: Uint8Array) => void = () => undefined;
  let dropNext = false;
  inner.onPayload((payload) => {
    if (dropNext) {
      dropNext = false;
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
    dropNextResponse: () => void (dropNext = true),
  };
}

async function connect(link: LinkSpec): Promise<TerminalTransport> {
  try {
    return link.kind === 'tcp'
      ? await connectTcpTerminal(link.host, link.port)
      : await openSerialTerminal({ path: link.path });
  } catch (cause) {
    throw new ERR_SIM_RIG_SETUP(
      `Cannot connect a terminal over ${link.kind}: ${(cause as Error).message}`,
      { kind: link.kind },
      cause,
    );
  }
}

export class RigTerminal {
  private stanNext = 1;
  transport!: FaultableTransport;
  terminal!: EdcTerminal;

  constructor(
    readonly terminalId: string,
    readonly merchantId: string,
    readonly link: LinkSpec,
    private readonly responseTimeoutMs: number,
  ) {}

  async open(): Promise<void> {
    this.transport = faultable(await connect(this.link));
    this.boot();
  }

  private boot(): void {
    this.terminal = new EdcTerminal({
      transport: this.transport,
      terminalId: this.terminalId,
      merchantId: this.merchantId,
      responseTimeoutMs: this.responseTimeoutMs,
      stanStart: this.stanNext,
    });
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
