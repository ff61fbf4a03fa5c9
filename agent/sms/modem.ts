/**
 * One checkpoint SMS through a GSM modem on a serial port (protocol/README.md "AT dialogue"):
 * open the port, AT, ATE0, AT+CMGF=0, AT+CMGS with the PDU, close. Every step is bounded by the
 * AT client's command timeout; the port is opened per attempt, so a modem unplugged and plugged
 * back is found again, and nothing is held open while there is nothing to send.
 */
import { SerialPort } from 'serialport';
import { AtClient, type AtResult } from '../../protocol/sms/at-client.ts';
import { encodeSubmit } from '../../protocol/sms/pdu.ts';

export type SendOutcome =
  | { readonly ok: true; readonly ref: number | null }
  | { readonly ok: false; readonly retry: boolean; readonly problem: string; readonly cms?: number };

export interface ModemTarget {
  readonly path: string;
  readonly baudRate: number;
  readonly commandTimeoutMs: number;
}

/** +CMS ERRORs worth another attempt later: SMSC unknown, no service, network timeout, memory full. */
export const retryableCms: ReadonlySet<number> = new Set([322, 330, 331, 332]);

function openPort(target: ModemTarget): Promise<SerialPort | string> {
  const port = new SerialPort({ path: target.path, baudRate: target.baudRate, autoOpen: false });
  return new Promise((resolve) => port.open((error) => resolve(error === null ? port : error.message)));
}

function failed(step: string, result: AtResult & { ok: false }): SendOutcome {
  if (result.error === 'cms') {
    return {
      ok: false,
      retry: retryableCms.has(result.cms),
      problem: `${step}: +CMS ERROR ${result.cms}`,
      cms: result.cms,
    };
  }
  return { ok: false, retry: true, problem: `${step}: ${result.error}` };
}

export async function sendThroughModem(target: ModemTarget, to: string, data: Uint8Array): Promise<SendOutcome> {
  const submit = encodeSubmit({ to, data });
  const port = await openPort(target);
  if (typeof port === 'string') return { ok: false, retry: true, problem: `open ${target.path}: ${port}` };
  const client = new AtClient((text) => void port.write(text), undefined, target.commandTimeoutMs);
  port.on('data', (chunk: Buffer) => client.input(chunk));
  port.on('error', () => client.close());
  try {
    for (const command of ['AT', 'ATE0', 'AT+CMGF=0']) {
      const result = await client.command(command);
      if (!result.ok) return failed(command, result);
    }
    const sent = await client.sendPdu(submit.pdu, submit.octets);
    if (!sent.ok) return failed('AT+CMGS', sent);
    const ref = sent.lines.map((line) => /^\+CMGS: ?([0-9]+)$/.exec(line)).find((m) => m !== null);
    return { ok: true, ref: ref === undefined || ref === null ? null : Number(ref[1]) };
  } finally {
    client.close();
    await new Promise((done) => (port.isOpen ? port.close(() => done(null)) : done(null)));
  }
}
