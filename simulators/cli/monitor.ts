/** edc-sim monitor: the line monitor's command line (simulators/monitor). */
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_SIM_USAGE } from '../errors.ts';
import { runMonitor, type MonitorSource, type TapDevice } from '../monitor/index.ts';
import { hostPort, int, oneOf, parse, str, type CommandSpec, type Values } from './args.ts';
import type { Io } from './io.ts';

export const monitorSpec: CommandSpec = {
  usage:
    'edc-sim monitor (--listen HOST:PORT --target HOST:PORT | [--tap-terminal DEV] [--tap-agent DEV]\n' +
    '                 | --serial DEV | --read FILE) [--json] [--record FILE] [--baud N] [--payload-bytes-max N]\n' +
    '                 [--connections-max N]\n' +
    '  Prints every frame of a terminal line with its time, direction, ACK/NAK, LRC verdict and ISO 8583 fields by\n' +
    '  name (PAN masked; PIN block and track 2 never shown); --json: one JSON object per line. Sources: a TCP proxy\n' +
    '  between terminal and agent (point the terminal at --listen), serial taps (one device per direction, or one\n' +
    '  --serial device carrying both, directions then guessed), or a capture. --record FILE captures the raw bytes\n' +
    '  (card data: mode 0600) for --read. Runs until SIGINT/SIGTERM (a capture: to its end); summary on stderr.\n' +
    '  Example: edc-sim monitor --listen 127.0.0.1:9100 --target 127.0.0.1:9000 --record day.cap',
  options: {
    listen: { type: 'string' },
    target: { type: 'string' },
    'tap-terminal': { type: 'string' },
    'tap-agent': { type: 'string' },
    serial: { type: 'string' },
    read: { type: 'string' },
    json: { type: 'boolean' },
    record: { type: 'string' },
    baud: { type: 'string' },
    'payload-bytes-max': { type: 'string' },
    'connections-max': { type: 'string' },
  },
};

/** Standard serial rates (protocol Part 1 §1: 9600 8N1 unless both ends say otherwise). */
const baudRates = ['1200', '2400', '4800', '9600', '19200', '38400', '57600', '115200'] as const;

function taps(v: Values): TapDevice[] {
  const list: TapDevice[] = [];
  if (str(v, 'tap-terminal') !== undefined) list.push({ path: str(v, 'tap-terminal')!, side: 'terminal>agent' });
  if (str(v, 'tap-agent') !== undefined) list.push({ path: str(v, 'tap-agent')!, side: 'agent>terminal' });
  if (str(v, 'serial') !== undefined) list.push({ path: str(v, 'serial')!, side: 'merged' });
  return list;
}

function sourceOf(v: Values): MonitorSource {
  const tcp = str(v, 'listen') !== undefined || str(v, 'target') !== undefined;
  const serial = taps(v);
  const read = str(v, 'read');
  const kinds = [tcp, serial.length > 0, read !== undefined].filter(Boolean).length;
  if (kinds !== 1 || (str(v, 'serial') !== undefined && serial.length > 1))
    throw new ERR_SIM_USAGE(
      'Expected one source: --listen with --target, --tap-terminal and/or --tap-agent, --serial, or --read' +
        ' (see --help)',
    );
  if (read !== undefined) {
    if (str(v, 'record') !== undefined) throw new ERR_SIM_USAGE('--record: a capture being read is not recorded again');
    return { kind: 'capture', path: read };
  }
  if (tcp) {
    if (str(v, 'listen') === undefined || str(v, 'target') === undefined)
      throw new ERR_SIM_USAGE('Expected both --listen HOST:PORT and --target HOST:PORT (see --help)');
    const listen = /^(.+):([0-9]{1,5})$/.exec(str(v, 'listen')!);
    if (listen === null || Number(listen[2]) > 65535)
      throw new ERR_SIM_USAGE(`--listen: expected HOST:PORT (port 0: any free port), found ${str(v, 'listen')}`);
    return {
      kind: 'tcp',
      listen: { host: listen[1]!, port: Number(listen[2]) },
      target: hostPort(str(v, 'target')!, 'target'),
    };
  }
  return { kind: 'serial', taps: serial, baudRate: Number(oneOf(str(v, 'baud') ?? '9600', baudRates, 'baud')) };
}

export async function monitorCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(monitorSpec, argv);
  if (v === 'help') return (io.out(monitorSpec.usage + '\n'), 0);
  const source = sourceOf(v);
  const payloadMax = source.kind === 'tcp' ? 65_535 : 9_999;
  const record = str(v, 'record');
  const result = await runMonitor({
    source,
    json: v.json === true,
    ...(record === undefined ? {} : { record }),
    payloadBytesMax: int(v, 'payload-bytes-max', 1, payloadMax) ?? 2048,
    connectionsMax: int(v, 'connections-max', 1, 1024) ?? 64,
    out: io.out,
    err: io.err,
    stopped: io.stopped,
  });
  const failure = result.sourceError ?? result.recordError;
  if (failure !== undefined && isEdcError(failure)) throw failure;
  return 0;
}
