/** edc-sim modem: simulated GSM modems on pseudo-terminals and the SMS network between them. */
import { startModems, type ModemSpec } from '../modem/index.ts';
import { ERR_SIM_USAGE } from '../errors.ts';
import { int, parse, range, rate, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const modemSpec: CommandSpec = {
  usage:
    'edc-sim modem --modem NUMBER=PATH [--modem NUMBER=PATH]... [--seed S] [--delay MIN-MAX] [--loss R]\n' +
    '              [--duplicate R] [--reorder R] [--send-error R] [--outage FROM_MS-TO_MS]... [--verbose]\n' +
    '  Simulated GSM modems (AT commands, PDU mode: protocol/README.md "AT dialogue"), each on a socat\n' +
    '  pseudo-terminal at PATH that an agent or a gateway opens as its modem, joined by a simulated SMS network:\n' +
    '  delivery delay in ms (default 200-2000), seeded loss, duplicates, reordering, send errors (+CMS ERROR\n' +
    '  331/332) and no-service windows (ms after start). Prints one line per modem; on SIGINT/SIGTERM prints the\n' +
    '  network counters as JSON and exits 0. --verbose: each AT line on stderr.\n' +
    '  Modem simulasi (perintah AT) di pseudo-terminal, dengan jaringan SMS simulasi di antaranya.\n' +
    '  Example: edc-sim modem --modem +6281100000001=/tmp/agent-modem --modem +6281100000002=/tmp/gw-modem --loss 0.1',
  options: {
    modem: { type: 'string', multiple: true },
    seed: { type: 'string' },
    delay: { type: 'string' },
    loss: { type: 'string' },
    duplicate: { type: 'string' },
    reorder: { type: 'string' },
    'send-error': { type: 'string' },
    outage: { type: 'string', multiple: true },
    verbose: { type: 'boolean' },
  },
};

/** Most modems one simulator runs. */
export const modemsMax = 64;

function modemSpecs(texts: readonly string[]): ModemSpec[] {
  if (texts.length === 0) throw new ERR_SIM_USAGE('Missing --modem NUMBER=PATH (see --help)');
  if (texts.length > modemsMax)
    throw new ERR_SIM_USAGE(`--modem: expected at most ${modemsMax}, found ${texts.length}`);
  const specs = texts.map((text) => {
    const match = /^(\+?[0-9]{3,20})=(\S+)$/.exec(text);
    if (match === null)
      throw new ERR_SIM_USAGE(`--modem: expected NUMBER=PATH (e.g. +6281100000001=/tmp/m1), found ${text}`);
    return { number: match[1]!, path: match[2]! };
  });
  const numbers = new Set(specs.map((s) => s.number));
  if (numbers.size !== specs.length) throw new ERR_SIM_USAGE('--modem: each NUMBER once');
  return specs;
}

export async function modemCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(modemSpec, argv);
  if (v === 'help') return (io.out(modemSpec.usage + '\n'), 0);
  const specs = modemSpecs((v.modem ?? []) as string[]);
  const delay = typeof v.delay === 'string' ? range(v.delay, 'delay') : { min: 200, max: 2000 };
  if (delay.max > 600_000) throw new ERR_SIM_USAGE(`--delay: expected at most 600000 ms, found ${delay.max}`);
  const outages = ((v.outage ?? []) as string[])
    .map((t) => range(t, 'outage'))
    .map((r) => ({ fromMs: r.min, toMs: r.max }));
  const running = await startModems(
    specs,
    {
      seed: int(v, 'seed', 0, 0xffffffff) ?? 1,
      delayMs: delay,
      rates: {
        loss: rate(v, 'loss') ?? 0,
        duplicate: rate(v, 'duplicate') ?? 0,
        reorder: rate(v, 'reorder') ?? 0,
        sendError: rate(v, 'send-error') ?? 0,
      },
      outages,
    },
    v.verbose === true ? (number, line) => io.err(`${number} ${JSON.stringify(line)}\n`) : undefined,
  );
  for (const spec of specs) io.out(`modem ${spec.number} ${spec.path}\n`);
  await io.stopped();
  await running.close();
  io.out(JSON.stringify(running.stats) + '\n');
  return 0;
}
