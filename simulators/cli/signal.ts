/** edc-sim signal: the village signal proxy in front of a gateway, until SIGINT/SIGTERM. */
import { startSignalProxy } from '../signal/proxy.ts';
import { int, parse, range, rate, required, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const signalSpec: CommandSpec = {
  usage:
    'edc-sim signal --target URL [--port N] [--outage FROM_MS-TO_MS]... [--drop R] [--lost-response R]' +
    ' [--duplicate R]\n' +
    '               [--truncate R] [--error5xx R] [--latency MIN-MAX] [--seed S]\n' +
    '  HTTP proxy on 127.0.0.1 to the gateway at URL with blankspot windows (ms after start) and seeded faults.\n' +
    '  Prints its URL; on SIGINT/SIGTERM prints its counters as JSON and exits 0.',
  options: {
    target: { type: 'string' },
    port: { type: 'string' },
    outage: { type: 'string', multiple: true },
    drop: { type: 'string' },
    'lost-response': { type: 'string' },
    duplicate: { type: 'string' },
    truncate: { type: 'string' },
    error5xx: { type: 'string' },
    latency: { type: 'string' },
    seed: { type: 'string' },
  },
};

export async function signalCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(signalSpec, argv);
  if (v === 'help') return (io.out(signalSpec.usage + '\n'), 0);
  const outages = ((v.outage ?? []) as string[])
    .map((text) => range(text, 'outage'))
    .map((r) => ({ fromMs: r.min, toMs: r.max }));
  const latency = typeof v.latency === 'string' ? range(v.latency, 'latency') : { min: 0, max: 0 };
  const proxy = await startSignalProxy({
    target: required(v, 'target'),
    port: int(v, 'port', 0, 65535) ?? 0,
    seed: int(v, 'seed', 0, 0xffffffff) ?? 1,
    outages,
    latencyMs: latency,
    rates: {
      drop: rate(v, 'drop') ?? 0,
      lostResponse: rate(v, 'lost-response') ?? 0,
      duplicate: rate(v, 'duplicate') ?? 0,
      truncate: rate(v, 'truncate') ?? 0,
      error5xx: rate(v, 'error5xx') ?? 0,
    },
  });
  io.out(`${proxy.url}\n`);
  await io.stopped();
  await proxy.close();
  io.out(JSON.stringify(proxy.stats) + '\n');
  return 0;
}
