/**
 * edc-gateway import disbursements FILE ... | import bundle FILE. A disbursement file is checked
 * whole, then stored (import-disbursements.ts).
 */
import { readFile } from 'node:fs/promises';
import { Bank, Tahap } from '../../protocol/messages/schemas.ts';
import { ERR_CLI_USAGE, ERR_IMPORT_FAILED } from '../errors.ts';
import { dateGraceDaysMax, loadLayoutFile } from '../import/index.ts';
import { importBundle, parseBundle } from '../ingest/bundle.ts';
import { importDisbursementsFile } from './import-disbursements.ts';
import { withStore } from './open.ts';
import { oneOf, parse, required, type CliIo, type CommandSpec } from './io.ts';

export const importDisbursementsSpec: CommandSpec = {
  usage:
    'edc-gateway import disbursements FILE --dir D --bank B --tahap T [--layout ID|FILE.json] [--rejects OUT.csv]\n' +
    '    [--date-grace-days N]\n' +
    '  Imports a bank disbursement CSV. Prints accepted / duplicate / conflict / rejected counts;' +
    ' rejects (line,code,reason)\n' +
    '  go to --rejects. Re-importing the same file changes nothing.',
  options: {
    dir: { type: 'string' },
    bank: { type: 'string' },
    tahap: { type: 'string' },
    layout: { type: 'string' },
    rejects: { type: 'string' },
    'date-grace-days': { type: 'string' },
  },
  positionals: 1,
};
export const importBundleSpec: CommandSpec = {
  usage:
    'edc-gateway import bundle FILE --dir D\n' +
    "  Ingests an agent's exported bundle (JSON): verifies the manifest signature and the chain," +
    ' then stores it like uploads.',
  options: { dir: { type: 'string' } },
  positionals: 1,
};

function partialWarning(lines: number, rejects: string | undefined): string {
  const where = rejects === undefined ? 'tambahkan --rejects OUT.csv / add --rejects OUT.csv' : rejects;
  return (
    `Peringatan: ${lines} baris ditolak, baris lainnya disimpan (${where}); impor ulang berkas yang sudah ` +
    `diperbaiki hanya menambah baris itu / Warning: ${lines} rows rejected, the other rows stored (${where}); ` +
    're-importing the fixed file adds only those rows\n'
  );
}

function graceDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > dateGraceDaysMax)
    throw new ERR_CLI_USAGE(`--date-grace-days: expected 0 to ${dateGraceDaysMax} days, found ${JSON.stringify(text)}`);
  return Number(text);
}

export async function importCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub === 'disbursements') {
    const args = parse(importDisbursementsSpec, argv);
    if (args.help) return (io.out(importDisbursementsSpec.usage + '\n'), 0);
    const v = args.values;
    const bank = oneOf(required(v, 'bank', importDisbursementsSpec), Bank.options, 'bank');
    const tahap = required(v, 'tahap', importDisbursementsSpec);
    if (!Tahap.safeParse(tahap).success)
      throw new ERR_CLI_USAGE(`--tahap: expected a tahap such as 2026-IV, found ${tahap}`);
    const layoutArg = typeof v.layout === 'string' ? v.layout : undefined;
    const layout = layoutArg?.endsWith('.json') === true ? await loadLayoutFile(layoutArg) : layoutArg;
    const rejects = typeof v.rejects === 'string' ? v.rejects : undefined;
    const dateGraceDays = graceDays(typeof v['date-grace-days'] === 'string' ? v['date-grace-days'] : undefined);
    const file = args.positionals[0]!;
    return withStore(required(v, 'dir', importDisbursementsSpec), async ({ store }) => {
      const totals = await importDisbursementsFile(
        store,
        file,
        { bank, tahap, layout, rejects, ...(dateGraceDays === undefined ? {} : { dateGraceDays }) },
        io,
      );
      io.out(JSON.stringify({ file, bank, tahap, ...totals }) + '\n');
      if (totals.rejectedLines > 0) io.err(partialWarning(totals.rejectedLines, rejects));
      return 0;
    });
  }
  if (sub === 'bundle') {
    const args = parse(importBundleSpec, argv);
    if (args.help) return (io.out(importBundleSpec.usage + '\n'), 0);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(args.positionals[0]!, 'utf8')) as unknown;
    } catch (cause) {
      throw new ERR_IMPORT_FAILED(`Cannot read bundle ${args.positionals[0]}: expected a JSON file`, {}, cause);
    }
    const bundle = parseBundle(value);
    return withStore(required(args.values, 'dir', importBundleSpec), async ({ store }) => {
      const result = await importBundle(store, bundle, io.now());
      await store.appendAudit({
        at: io.now(),
        actor: 'cli',
        action: 'import.bundle',
        details: {
          agentId: bundle.manifest.agentId,
          bundleId: bundle.manifest.bundleId,
          accepted: result.accepted,
          duplicates: result.duplicates,
        },
      });
      io.out(
        JSON.stringify({
          agentId: bundle.manifest.agentId,
          accepted: result.accepted,
          duplicates: result.duplicates,
          headSeq: result.head.seq,
        }) + '\n',
      );
      return 0;
    });
  }
  throw new ERR_CLI_USAGE(`Expected import disbursements|bundle, found ${sub ?? 'nothing'}`);
}
