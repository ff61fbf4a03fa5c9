/** What a monitor source (serial taps, TCP proxy) reports to the monitor as bytes and connections come and go. */
import type { EdcError } from '../../protocol/errors.ts';
import type { StreamSide } from './decoders.ts';

export interface LineSink {
  /** Bytes that arrived now on one stream. */
  bytes(side: StreamSide, conn: number | undefined, chunk: Uint8Array): void;
  open(conn: number, detail: string): void;
  close(conn: number, detail: string): void;
  /** Something worth a line on stderr that is not part of the line's traffic. */
  warn(text: string): void;
  /** The source cannot go on (a tap device closed or failed): the monitor stops. */
  fail(error: EdcError): void;
}
