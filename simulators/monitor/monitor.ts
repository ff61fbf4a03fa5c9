/**
 * The line monitor: a source of bytes (serial taps, a TCP proxy, or a capture file), the link
 * decoders, the printer (text or JSON lines) and, live, the capture writer. Live, it runs until
 * it is asked to stop or its source fails; a capture is read to its end. Either way the frames
 * still incomplete at the end are reported, and a summary goes to stderr.
 *
 * A failed capture write stops the recording (the file is never written again) but not the
 * monitor: in the field the TCP proxy may stand between a terminal and its agent, and dropping
 * that line to save a capture would stop payments. The run then exits 1.
 */
import type { EdcError } from '../../protocol/errors.ts';
import { linkDefaults } from '../../protocol/link/constants.ts';
import { ERR_SIM_OUTPUT } from '../errors.ts';
import { CaptureWriter, readCapture, type CaptureRecord } from './capture.ts';
import { LineDecoders, type LinkKind, type MonitorEvent } from './decoders.ts';
import { formatJson, formatText, Tally } from './output.ts';
import { openSerialTaps, type TapDevice } from './serial-tap.ts';
import type { LineSink } from './sink.ts';
import { startTcpProxy } from './tcp-proxy.ts';

export type MonitorSource =
  | {
      readonly kind: 'tcp';
      readonly listen: { host: string; port: number };
      readonly target: { host: string; port: number };
    }
  | { readonly kind: 'serial'; readonly taps: readonly TapDevice[]; readonly baudRate: number }
  | { readonly kind: 'capture'; readonly path: string };

export interface MonitorOptions {
  readonly source: MonitorSource;
  readonly json: boolean;
  readonly record?: string;
  readonly payloadBytesMax?: number;
  readonly connectionsMax?: number;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Resolves when the user asks a live monitor to stop. */
  readonly stopped: () => Promise<void>;
  readonly now?: () => number;
}

/** What went wrong, if anything: the source failed, or the recording did. */
export interface MonitorResult {
  readonly sourceError?: EdcError;
  readonly recordError?: EdcError;
}

function printer(options: MonitorOptions, tally: Tally): (event: MonitorEvent) => void {
  return (event) => {
    tally.add(event);
    options.out((options.json ? formatJson(event) : formatText(event)) + '\n');
  };
}

/** One capture record given to the decoders; true when it was the end record. */
function applyRecord(decoders: LineDecoders, record: CaptureRecord): boolean {
  if ('hex' in record) decoders.feed(record.dir, record.conn, record.t, Buffer.from(record.hex, 'hex'));
  else if (record.event === 'end') decoders.close(undefined, record.t, 'end');
  else if (record.event === 'open') decoders.open(record.conn, record.t, record.detail);
  else decoders.close(record.conn, record.t, record.detail);
  return !('hex' in record) && record.event === 'end';
}

async function replay(options: MonitorOptions & { source: { kind: 'capture' } }): Promise<MonitorResult> {
  const tally = new Tally();
  let decoders: LineDecoders | undefined;
  let last = 0;
  let ended = false;
  for await (const record of readCapture(options.source.path)) {
    if ('kind' in record) {
      decoders = new LineDecoders(record.link, { payloadBytesMax: record.payloadBytesMax }, printer(options, tally));
      last = record.startedAt;
    } else if (decoders !== undefined && !ended) {
      last = record.t;
      ended = applyRecord(decoders, record);
    }
  }
  // A capture without its end record was cut off (the monitor was killed): end at the last record.
  if (!ended) decoders?.close(undefined, last, 'end');
  options.err(tally.summary() + '\n');
  return {};
}

interface Live {
  readonly decoders: LineDecoders;
  readonly writer: CaptureWriter | undefined;
  readonly now: () => number;
  timer: NodeJS.Timeout | undefined;
}

/** Reports inter-byte timeouts when they fall due, not only when the next byte comes. */
function schedule(live: Live): void {
  clearTimeout(live.timer);
  const next = live.decoders.nextDeadline();
  if (next === undefined) return;
  live.timer = setTimeout(
    () => {
      live.decoders.tick(Math.max(next, live.now()));
      schedule(live);
    },
    Math.max(0, next - live.now()),
  );
}

function sinkFor(live: Live, options: MonitorOptions, fail: (error: EdcError) => void): LineSink {
  let told = false;
  const record = (write: (writer: CaptureWriter) => void): void => {
    if (live.writer === undefined) return;
    write(live.writer);
    if (live.writer.failed === undefined || told) return;
    told = true;
    options.err(`monitor: RECORDING STOPPED (${live.writer.path}): ${live.writer.failed.message}; still monitoring\n`);
  };
  return {
    bytes(side, conn, chunk) {
      const t = live.now();
      record((writer) => writer.bytes(t, side, conn, chunk));
      live.decoders.feed(side, conn, t, chunk);
      schedule(live);
    },
    open(conn, detail) {
      const t = live.now();
      record((writer) => writer.event(t, conn, 'open', detail));
      live.decoders.open(conn, t, detail);
    },
    close(conn, detail) {
      const t = live.now();
      record((writer) => writer.event(t, conn, 'close', detail));
      live.decoders.close(conn, t, detail);
    },
    warn: (text) => options.err(text + '\n'),
    fail,
  };
}

async function openSource(options: MonitorOptions, sink: LineSink): Promise<{ close(): Promise<void> }> {
  const { source } = options;
  if (source.kind === 'serial') {
    const taps = await openSerialTaps(source.taps, source.baudRate, sink);
    options.err(`monitor: reading ${source.taps.map((t) => `${t.path} (${t.side})`).join(', ')}\n`);
    return taps;
  }
  if (source.kind !== 'tcp') throw new Error('a capture is not a live source');
  const proxy = await startTcpProxy({ ...source, connectionsMax: options.connectionsMax ?? 64 }, sink);
  const { host, port } = proxy.address;
  options.err(`monitor: listening on ${host}:${port}, relaying to ${source.target.host}:${source.target.port}\n`);
  return proxy;
}

async function live(options: MonitorOptions, link: LinkKind): Promise<MonitorResult> {
  const now = options.now ?? Date.now;
  const payloadBytesMax = options.payloadBytesMax ?? linkDefaults.payloadBytesMax;
  const writer =
    options.record === undefined
      ? undefined
      : await CaptureWriter.open(options.record, {
          v: 1,
          kind: 'edc-monitor-capture',
          link,
          startedAt: now(),
          payloadBytesMax,
        });
  const tally = new Tally();
  const state: Live = {
    decoders: new LineDecoders(link, { payloadBytesMax }, printer(options, tally)),
    writer,
    now,
    timer: undefined,
  };
  let sourceError: EdcError | undefined;
  let failed: () => void = () => undefined;
  const sourceFailed = new Promise<void>((resolve) => (failed = resolve));
  let source: { close(): Promise<void> };
  try {
    source = await openSource(
      options,
      sinkFor(state, options, (error) => ((sourceError ??= error), failed())),
    );
  } catch (error) {
    await writer?.close(now());
    throw error;
  }
  await Promise.race([options.stopped(), sourceFailed]);
  await source.close();
  clearTimeout(state.timer);
  const end = now();
  state.decoders.close(undefined, end, 'end');
  await writer?.close(end);
  options.err(tally.summary() + '\n');
  const recordError =
    writer?.failed === undefined
      ? undefined
      : new ERR_SIM_OUTPUT(`Recording to ${writer.path} stopped: ${writer.failed.message}`, { path: writer.path });
  return {
    ...(sourceError === undefined ? {} : { sourceError }),
    ...(recordError === undefined ? {} : { recordError }),
  };
}

export async function runMonitor(options: MonitorOptions): Promise<MonitorResult> {
  const { source } = options;
  if (source.kind === 'capture') return replay({ ...options, source });
  return live(options, source.kind === 'tcp' ? 'tcp' : 'serial');
}
