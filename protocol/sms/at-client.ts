/**
 * The host side of the AT dialogue (protocol/README.md "AT dialogue"), over any byte stream:
 * feed the modem's bytes to `input`, give it a `write`. One command at a time; each ends with
 * OK, ERROR, +CMS ERROR: n or +CME ERROR: n, or times out. `+CMTI` lines are unsolicited and go to
 * `onIndication` whenever they arrive. Lines over `atLineCharsMax` are cut (and never matched).
 */
export const atLineCharsMax = 1024;
export const atCommandTimeoutMs = 5_000;

export type AtResult =
  | { readonly ok: true; readonly lines: readonly string[] }
  | { readonly ok: false; readonly error: 'ERROR' | 'timeout' | 'busy' | 'closed'; readonly lines: readonly string[] }
  | { readonly ok: false; readonly error: 'cms'; readonly cms: number; readonly lines: readonly string[] };

interface Pending {
  /** The command line sent: its echo (ATE1) is not an answer line. */
  readonly echo: string;
  readonly lines: string[];
  readonly resolve: (result: AtResult) => void;
  readonly timer: NodeJS.Timeout;
  /** While true, the prompt "> " answers the command (AT+CMGS). */
  prompt?: () => void;
}

export class AtClient {
  private buffer = '';
  private pending: Pending | undefined;
  private closed = false;

  constructor(
    private readonly write: (data: string) => void,
    private readonly onIndication: (index: number, storage: string) => void = () => undefined,
    private readonly timeoutMs = atCommandTimeoutMs,
  ) {}

  input(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    if (this.pending?.prompt !== undefined && /(^|\n)> $/.test(this.buffer)) {
      this.buffer = '';
      const prompt = this.pending.prompt;
      this.pending.prompt = undefined;
      prompt();
      return;
    }
    let end: number;
    while ((end = this.buffer.search(/\r?\n|\r/)) !== -1) {
      const line = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1));
      if (line.length > 0) this.line(line);
    }
    if (this.buffer.length > atLineCharsMax) this.buffer = '';
  }

  private line(line: string): void {
    const cmti = /^\+CMTI: ?"([A-Z]{2})",([0-9]{1,5})$/.exec(line);
    if (cmti !== null) return this.onIndication(Number(cmti[2]), cmti[1]!);
    const pending = this.pending;
    if (pending === undefined) return;
    if (line === 'OK') return this.finish({ ok: true, lines: pending.lines });
    if (line === 'ERROR') return this.finish({ ok: false, error: 'ERROR', lines: pending.lines });
    const cms = /^\+CM[SE] ERROR: ?([0-9]{1,4})$/.exec(line);
    if (cms !== null) return this.finish({ ok: false, error: 'cms', cms: Number(cms[1]), lines: pending.lines });
    if (line === pending.echo) return;
    if (pending.lines.length < 64) pending.lines.push(line);
  }

  private finish(result: AtResult): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  private start(text: string, prompt?: () => void): Promise<AtResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'closed', lines: [] });
    if (this.pending !== undefined) return Promise.resolve({ ok: false, error: 'busy', lines: [] });
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish({ ok: false, error: 'timeout', lines: [] }), this.timeoutMs);
      this.pending = { echo: text, lines: [], resolve, timer };
      if (prompt !== undefined) this.pending.prompt = prompt;
      this.buffer = '';
      this.write(`${text}\r`);
    });
  }

  /** Sends one command line (without CR) and waits for its final result. */
  command(text: string): Promise<AtResult> {
    return this.start(text);
  }

  /** AT+CMGS=<octets>, then the PDU and Ctrl-Z at the prompt; the result carries "+CMGS: ref". */
  sendPdu(pdu: string, octets: number): Promise<AtResult> {
    return this.start(`AT+CMGS=${octets}`, () => this.write(`${pdu}\x1a`));
  }

  /** Ends every pending command with 'closed'. */
  close(): void {
    this.closed = true;
    this.finish({ ok: false, error: 'closed', lines: [] });
  }
}
