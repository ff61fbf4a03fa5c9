/** edc-sim bank population | bank disbursements: seeded files from simulators/bank. */
import { createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Bank } from '../../gateway/import/index.ts';
import { iteratePopulation, populationSizeMax, writeDisbursementFile, type Kpm } from '../bank/index.ts';
import { writeCardsFile } from '../bank/cards-file.ts';
import { ERR_SIM_OUTPUT, ERR_SIM_USAGE } from '../errors.ts';
import { oneOf, parse, rate, required, requiredInt, str, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const populationSpec: CommandSpec = {
  usage:
    'edc-sim bank population --seed S --size N --out FILE\n' +
    '  Writes N seeded KPMs as JSON lines: kpmId, nik, name, sex, bank, regionCode, pan, pin, components,' +
    ' rupiahPerTahap.',
  options: { seed: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' } },
};
export const disbursementsSpec: CommandSpec = {
  usage:
    'edc-sim bank disbursements --seed S --size N --bank BRI|BNI|BTN|MANDIRI --tahap T [--layout L]' +
    ' [--failed-rate R] [--returned-rate R] --out FILE\n' +
    "  Writes the bank's disbursement CSV for the population of seed S and size N (its KPMs only), in its layout or L.",
  options: {
    seed: { type: 'string' },
    size: { type: 'string' },
    bank: { type: 'string' },
    tahap: { type: 'string' },
    layout: { type: 'string' },
    'failed-rate': { type: 'string' },
    'returned-rate': { type: 'string' },
    out: { type: 'string' },
  },
};

export const cardsSpec: CommandSpec = {
  usage:
    'edc-sim bank cards --seed S --size N [--bank BRI|BNI|BTN|MANDIRI] --out FILE [--kpm-ids FILE]\n' +
    '  Writes the cards file (CSV: kpm_id,bank,region_code,pan,pin,rupiah_per_tahap) of the population of seed S\n' +
    "  and size N, only bank B's KPMs with --bank: what `edc-sim terminal --cards FILE` reads. --kpm-ids also\n" +
    '  writes their KPM ids, one per line, for `edc-gateway agents add --kpm-file`. Neither file may exist.\n' +
    '  Example: edc-sim bank cards --seed 1 --size 500 --bank BRI --out bri-cards.csv --kpm-ids bri-kpm.txt',
  options: {
    seed: { type: 'string' },
    size: { type: 'string' },
    bank: { type: 'string' },
    out: { type: 'string' },
    'kpm-ids': { type: 'string' },
  },
};
/** `edc-sim bank` and `edc-sim bank --help` list the subcommands' usages. */
export const bankUsage = [populationSpec, disbursementsSpec, cardsSpec].map((spec) => spec.usage).join('\n\n') + '\n';

const banks: readonly Bank[] = ['BRI', 'BNI', 'BTN', 'MANDIRI'];

async function writeTo(path: string, write: (out: Writable) => Promise<number>): Promise<number> {
  const out = createWriteStream(path, { flags: 'wx' });
  try {
    await once(out, 'open');
    const rows = await write(out);
    out.end();
    await finished(out);
    return rows;
  } catch (cause) {
    out.destroy();
    throw new ERR_SIM_OUTPUT(
      `Cannot write ${path}: ${(cause as Error).message} (the file must not exist)`,
      { path },
      cause,
    );
  }
}

async function populationCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(populationSpec, argv);
  if (v === 'help') return (io.out(populationSpec.usage + '\n'), 0);
  const seed = requiredInt(v, 'seed', 0, 0xffffffff);
  const size = requiredInt(v, 'size', 1, populationSizeMax);
  const rows = await writeTo(required(v, 'out'), async (out) => {
    let n = 0;
    for (const kpm of iteratePopulation({ seed, size })) {
      const line =
        JSON.stringify({
          kpmId: kpm.kpmId,
          nik: kpm.nik,
          name: kpm.name,
          sex: kpm.sex,
          bank: kpm.bank,
          regionCode: kpm.regionCode,
          pan: kpm.card.pan,
          pin: kpm.card.pin,
          components: kpm.components,
          rupiahPerTahap: kpm.rupiahPerTahap,
        }) + '\n';
      if (!out.write(line)) await once(out, 'drain');
      n++;
    }
    return n;
  });
  io.err(`${rows} KPM written\n`);
  return 0;
}

function checkTahap(tahap: string): string {
  if (!/^[0-9]{4}-(I|II|III|IV)$/.test(tahap))
    throw new ERR_SIM_USAGE(`--tahap: expected a tahap such as 2026-IV, found ${tahap}`);
  return tahap;
}

async function disbursementsCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(disbursementsSpec, argv);
  if (v === 'help') return (io.out(disbursementsSpec.usage + '\n'), 0);
  const seed = requiredInt(v, 'seed', 0, 0xffffffff);
  const size = requiredInt(v, 'size', 1, populationSizeMax);
  const bank = oneOf(required(v, 'bank'), banks, 'bank');
  const tahap = checkTahap(required(v, 'tahap'));
  const layout = str(v, 'layout');
  const options = {
    bank,
    tahap,
    seed,
    failedRate: rate(v, 'failed-rate') ?? 0,
    returnedRate: rate(v, 'returned-rate') ?? 0,
    ...(layout === undefined ? {} : { layout }),
  };
  if (options.failedRate + options.returnedRate > 1)
    throw new ERR_SIM_USAGE('--failed-rate plus --returned-rate: expected at most 1');
  const rows = await writeTo(required(v, 'out'), (out) =>
    writeDisbursementFile(iteratePopulation({ seed, size }), options, out).catch((cause: unknown) => {
      throw cause instanceof RangeError ? new ERR_SIM_USAGE(cause.message) : cause;
    }),
  );
  io.err(`${rows} rows written for ${bank} ${tahap}\n`);
  return 0;
}

async function mustNotExist(path: string): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new ERR_SIM_OUTPUT(`Cannot write ${path}: expected no file there, found one`, { path });
}

async function cardsCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = parse(cardsSpec, argv);
  if (v === 'help') return (io.out(cardsSpec.usage + '\n'), 0);
  const seed = requiredInt(v, 'seed', 0, 0xffffffff);
  const size = requiredInt(v, 'size', 1, populationSizeMax);
  const bank = str(v, 'bank') === undefined ? undefined : oneOf(str(v, 'bank')!, banks, 'bank');
  const out = required(v, 'out');
  const idsPath = str(v, 'kpm-ids');
  // Both files are checked before either is written, so a refusal leaves nothing behind.
  await mustNotExist(out);
  if (idsPath !== undefined) await mustNotExist(idsPath);
  const chosen = function* (): Generator<Kpm> {
    for (const kpm of iteratePopulation({ seed, size })) if (bank === undefined || kpm.bank === bank) yield kpm;
  };
  const rows = await writeTo(out, (stream) => writeCardsFile(chosen(), stream));
  if (idsPath !== undefined)
    await writeTo(idsPath, async (stream) => {
      for (const kpm of chosen()) if (!stream.write(kpm.kpmId + '\n')) await once(stream, 'drain');
      return rows;
    });
  io.err(`${rows} KPM cards written${bank === undefined ? '' : ` for ${bank}`}\n`);
  return 0;
}

export async function bankCommand(sub: string | undefined, argv: readonly string[], io: Io): Promise<number> {
  switch (sub) {
    case 'population':
      return populationCommand(argv, io);
    case 'disbursements':
      return disbursementsCommand(argv, io);
    case 'cards':
      return cardsCommand(argv, io);
    case '--help':
    case '-h':
    case 'help':
      io.out(bankUsage);
      return 0;
    case undefined:
      io.err(bankUsage);
      return 2;
    default:
      throw new ERR_SIM_USAGE(`Expected bank population|disbursements|cards, found ${sub} (see edc-sim bank --help)`);
  }
}
