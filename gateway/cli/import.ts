/**
 * edc-gateway import disbursements FILE ... | import bundle FILE. The disbursement file is hashed
 * first (its fingerprint is stored with every row), then streamed through gateway/import in
 * chunks of importChunkRowsMax rows, each chunk one atomic store write.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Bank, Tahap } from '../../protocol/messages/schemas.ts';
import type { Bank as BankName } from '../import/types.ts';
import { ERR_CLI_USAGE, ERR_IMPORT_FAILED } from '../errors.ts';
import {
  parseDisbursements,
  loadLayoutFile,
  rejectsReportHeader,
  rejectsReportLine,
  type DisbursementRow,
  type LayoutSpec,
} from '../import/index.ts';
import { importBundle, parseBundle } from '../ingest/bundle.ts';
import type { DisbursementStore, ExceptionAuditStore } from '../store/types.ts';
import { withStore } from './open.ts';
import { oneOf, parse, required, type CliIo, type CommandSpec } from './io.ts';

export const importChunkRowsMax = 1000;

export const importDisbursementsSpec: CommandSpec = {
  usage:
    'edc-gateway import disbursements FILE --dir D --bank B --tahap T [--layout ID|FILE.json] [--rejects OUT.csv]\n' +
    '  Imports a bank disbursement CSV. Prints accepted / duplicate / conflict / rejected counts;' +
    ' rejects (line,code,reason)\n' +
    '  go to --rejects. Re-importing the same file changes nothing.',
  options: {
    dir: { type: 'string' },
    bank: { type: 'string' },
    tahap: { type: 'string' },
    layout: { type: 'string' },
    rejects: { type: 'string' },
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

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new ERR_IMPORT_FAILED(`Cannot read ${path}: ${(cause as Error).message}`, { path }, cause);
  }
  return hash.digest('hex');
}

interface Totals {
  accepted: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
  rejectsByCode: Record<string, number>;
}

async function runImport(
  store: DisbursementStore & Pick<ExceptionAuditStore, 'appendAudit'>,
  file: string,
  options: { bank: BankName; tahap: string; layout: string | LayoutSpec | undefined; rejects: string | undefined },
  io: CliIo,
): Promise<Totals> {
  const sha = await fileSha256(file);
  const totals: Totals = { accepted: 0, duplicates: 0, conflicts: 0, rejected: 0, rejectsByCode: {} };
  const rejectsOut = options.rejects === undefined ? undefined : createWriteStream(options.rejects);
  rejectsOut?.write(rejectsReportHeader + '\r\n');
  let chunk: DisbursementRow[] = [];
  const storeChunk = async (rows: readonly DisbursementRow[]) => {
    const out = await store.applyDisbursements(rows, { fileSha256: sha, now: io.now() });
    totals.accepted += out.accepted;
    totals.duplicates += out.duplicates;
    totals.conflicts += out.conflicts;
    for (const c of out.conflictList)
      io.err(`conflict at line ${c.line}: KPM ${c.kpmId} reference ${c.reference}: ${c.reason}\n`);
    if (io.errIsTty)
      io.err(`\r${totals.accepted + totals.duplicates + totals.conflicts} rows stored, ${totals.rejected} rejected`);
  };
  // The file is parsed while the previous chunk is being written (at most one chunk in flight,
  // stored in file order): parsing and the synced write overlap instead of taking turns.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    await inFlight;
    inFlight = storeChunk(rows);
    inFlight.catch(() => undefined); // awaited, and so thrown, by the next flush or the end
  };
  for await (const item of parseDisbursements(createReadStream(file), {
    bank: options.bank,
    tahap: options.tahap,
    ...(options.layout === undefined ? {} : { layout: options.layout }),
  })) {
    if (item.ok) {
      chunk.push(item.row);
      if (chunk.length >= importChunkRowsMax) await flush();
    } else {
      totals.rejected += 1;
      totals.rejectsByCode[item.reject.code] = (totals.rejectsByCode[item.reject.code] ?? 0) + 1;
      rejectsOut?.write(rejectsReportLine(item.reject) + '\r\n');
    }
  }
  if (chunk.length > 0) await flush();
  await inFlight;
  if (rejectsOut !== undefined) {
    rejectsOut.end();
    await finished(rejectsOut);
  }
  if (io.errIsTty) io.err('\n');
  await store.appendAudit({
    at: io.now(),
    actor: 'cli',
    action: 'import.disbursements',
    details: { fileSha256: sha, bank: options.bank, tahap: options.tahap, ...totals },
  });
  return totals;
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
    return withStore(required(v, 'dir', importDisbursementsSpec), async ({ store }) => {
      const totals = await runImport(store, args.positionals[0]!, { bank, tahap, layout, rejects }, io);
      io.out(JSON.stringify({ file: args.positionals[0], bank, tahap, ...totals }) + '\n');
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
