/**
 * edc-gateway import disbursements FILE ... | import bundle FILE. A disbursement file is checked
 * whole, then stored (import-disbursements.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { Bank, Tahap } from '../../protocol/messages/schemas.ts';
import { ERR_IMPORT_FAILED } from '../errors.ts';
import { bundleBodyBytesMax } from '../http/routes/staff-actions.ts';
import { dateGraceDaysMax, loadLayoutFile } from '../import/index.ts';
import { importBundle, parseBundle } from '../ingest/bundle.ts';
import { importDisbursementsFile } from './import-disbursements.ts';
import { withStore, withStoreOption } from './open.ts';
import { oneOf, parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const importDisbursementsSpec: CommandSpec = withStoreOption({
  name: 'import disbursements',
  usage: `edc-gateway import disbursements FILE --dir D --bank B --tahap T [--layout ID|FILE.json]
    [--rejects OUT.csv] [--date-grace-days N]

Mengimpor berkas penyaluran (CSV) sebuah bank. Berkas diperiksa utuh dahulu: bila judul kolom
tidak sesuai tata letak bank, CSV rusak, atau bank/tahap pada berkas berbeda dengan --bank/--tahap
(kolom bank atau tahap, atau tanggal di luar tahap), seluruh berkas ditolak dan tidak ada baris
yang disimpan (keluar 1). Baris lain yang salah dilewati, sisanya disimpan, dan alasannya ditulis
ke --rejects. Mengimpor ulang berkas yang sama tidak mengubah apa pun. / Imports a bank's
disbursement CSV. The file is checked whole first: a header of another layout, broken CSV, or a
bank or tahap other than --bank/--tahap (a bank or tahap column, or dates outside the tahap)
refuses the whole file and stores no row (exit 1). Other bad rows are skipped, the rest stored,
the reasons written to --rejects. Re-importing the same file changes nothing.

  --dir D                folder gateway / gateway directory
  --bank B               BNI | BRI | BTN | MANDIRI
  --tahap T              tahap, e.g. 2026-IV
  --layout L             tata letak / layout: bri-v1 | bni-v1 | generic-v1 | FILE.json (default: the bank's)
  --rejects OUT.csv      laporan penolakan / rejects report: line,code,reason (RFC 4180)
  --date-grace-days N    hari setelah akhir tahap yang masih diterima / days after the tahap's quarter
                         a credited or failed row may be dated (0-366, default 0)

Keluaran / output: JSON {file, bank, tahap, fileSha256, accepted, duplicates, conflicts, rejected,
rejectedLines, rejectsByCode}.`,
  options: {
    dir: { type: 'string' },
    bank: { type: 'string' },
    tahap: { type: 'string' },
    layout: { type: 'string' },
    rejects: { type: 'string' },
    'date-grace-days': { type: 'string' },
  },
  positionals: 1,
});
export const importBundleSpec: CommandSpec = withStoreOption({
  name: 'import bundle',
  usage: `edc-gateway import bundle FILE --dir D

Memasukkan bundel agen (JSON dari edc-agent ledger export) yang dibawa tangan: tanda tangan
manifest dan rantainya diperiksa, lalu disimpan seperti unggahan. / Ingests an agent's exported
bundle (JSON from edc-agent ledger export): verifies the manifest signature and the chain, then
stores it like uploads.

  --dir D   folder gateway / gateway directory`,
  options: { dir: { type: 'string' } },
  positionals: 1,
});

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
    throw usageError(
      `--date-grace-days harus 0 sampai ${dateGraceDaysMax} hari`,
      `--date-grace-days: expected 0 to ${dateGraceDaysMax} days, found ${JSON.stringify(text.slice(0, 20))}`,
      importDisbursementsSpec,
    );
  return Number(text);
}

async function importDisbursementsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = importDisbursementsSpec;
  const args = parse(spec, argv);
  if (args.help) return (io.out(spec.usage + '\n'), 0);
  const v = args.values;
  const bank = oneOf(required(v, 'bank', spec), Bank.options, 'bank', spec);
  const tahap = required(v, 'tahap', spec);
  if (!Tahap.safeParse(tahap).success)
    throw usageError(
      '--tahap harus seperti 2026-IV',
      `--tahap: expected a tahap such as 2026-IV, found ${JSON.stringify(tahap.slice(0, 20))}`,
      spec,
    );
  const layoutArg = typeof v.layout === 'string' ? v.layout : undefined;
  const layout = layoutArg?.endsWith('.json') === true ? await loadLayoutFile(layoutArg) : layoutArg;
  const rejects = typeof v.rejects === 'string' ? v.rejects : undefined;
  const dateGraceDays = graceDays(typeof v['date-grace-days'] === 'string' ? v['date-grace-days'] : undefined);
  const file = args.positionals[0]!;
  return withStore(v, spec, async ({ store }) => {
    const options = { bank, tahap, layout, rejects, ...(dateGraceDays === undefined ? {} : { dateGraceDays }) };
    const totals = await importDisbursementsFile(store, file, options, io);
    io.out(JSON.stringify({ file, bank, tahap, ...totals }) + '\n');
    if (totals.rejectedLines > 0) io.err(partialWarning(totals.rejectedLines, rejects));
    return 0;
  });
}

async function readBundle(file: string): Promise<unknown> {
  const size = await stat(file).then(
    (info) => (info.isFile() ? info.size : -1),
    () => -1,
  );
  if (size < 0 || size > bundleBodyBytesMax)
    throw new ERR_IMPORT_FAILED(
      `Bundel ${file} tidak ada atau terlalu besar / Cannot read bundle ${file}: expected a file of at most ` +
        `${bundleBodyBytesMax} bytes, found ${size < 0 ? 'none' : `${size} bytes`}`,
      { file },
    );
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new ERR_IMPORT_FAILED(
      `Bundel ${file} bukan JSON / Cannot read bundle ${file}: expected a JSON file`,
      { file },
      cause,
    );
  }
}

async function importBundleCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(importBundleSpec, argv);
  if (args.help) return (io.out(importBundleSpec.usage + '\n'), 0);
  const bundle = parseBundle(await readBundle(args.positionals[0]!));
  return withStore(args.values, importBundleSpec, async ({ store }) => {
    const result = await importBundle(store, bundle, io.now());
    const { agentId, bundleId } = bundle.manifest;
    await store.appendAudit({
      at: io.now(),
      actor: 'cli',
      action: 'import.bundle',
      details: { agentId, bundleId, accepted: result.accepted, duplicates: result.duplicates },
    });
    const summary = { agentId, accepted: result.accepted, duplicates: result.duplicates, headSeq: result.head.seq };
    io.out(JSON.stringify(summary) + '\n');
    return 0;
  });
}

export async function importCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub === 'disbursements') return importDisbursementsCommand(argv, io);
  if (sub === 'bundle') return importBundleCommand(argv, io);
  throw usageError(
    `Subperintah import tidak dikenal: ${sub ?? '(kosong)'}; pilih disbursements atau bundle`,
    `Expected import disbursements|bundle, found ${sub ?? 'nothing'}`,
  );
}
