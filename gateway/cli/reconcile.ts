/** edc-gateway reconcile --tahap T and report --tahap T --format csv|json [--bank B] [--region R] */
import { Bank, Tahap } from '../../protocol/messages/schemas.ts';
import { csvRecords, type CsvValue } from '../http/csv.ts';
import { assertTahapKnown } from '../http/known-tahap.ts';
import { regionPrefixPattern, regionPrefixRule } from '../http/routes/staff-schemas.ts';
import { isBalanced, settlementEntries, tahapEntries } from '../recon/counters.ts';
import type { SettlementCounters, TahapCounters } from '../recon/counters.ts';
import type { ReconResult } from '../store/types.ts';
import { withStoreOrServer } from './local-server.ts';
import { withStoreOption } from './open.ts';
import { oneOf, parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const reconcileSpec: CommandSpec = withStoreOption({
  name: 'reconcile',
  usage: `edc-gateway reconcile --dir D --tahap T

Menghitung ulang tahap dari catatan mentah (memori terbatas), membandingkannya dengan angka
berjalan, dan menyimpan hasilnya bersama sidik jari masukannya. Keluar 0 bila cocok, 1 bila
berbeda (perbedaan dicetak). Tahap yang belum dikenal: EDC_ERR_TAHAP_UNKNOWN. / Recomputes the
tahap from raw records (bounded memory), compares it with the continuous figures and stores the
result with its input fingerprints. Exit status 0 when they agree, 1 when they differ
(differences printed). A tahap the gateway does not know: EDC_ERR_TAHAP_UNKNOWN.

  --dir D     folder gateway / gateway directory
  --tahap T   tahap, e.g. 2026-IV`,
  options: { dir: { type: 'string' }, tahap: { type: 'string' } },
});
export const reportSpec: CommandSpec = withStoreOption({
  name: 'report',
  usage: `edc-gateway report --dir D --tahap T --format csv|json [--bank B] [--region PREFIX]

Mencetak ringkasan tahap (angka per kategori, seimbang atau tidak) dan settlement per agen.
Tahap yang belum dikenal: EDC_ERR_TAHAP_UNKNOWN. / Prints the tahap summary (counters, balanced
or not) and per-agent settlement. A tahap the gateway does not know: EDC_ERR_TAHAP_UNKNOWN.

  --dir D            folder gateway / gateway directory
  --tahap T          tahap, e.g. 2026-IV
  --format F         csv (RFC 4180: section,key,value) | json
  --bank B           hanya bank ini / only this bank: BNI | BRI | BTN | MANDIRI
  --region PREFIX    awalan kode wilayah / region code prefix: 2, 4, 6 or 10 digits`,
  options: {
    dir: { type: 'string' },
    tahap: { type: 'string' },
    format: { type: 'string' },
    bank: { type: 'string' },
    region: { type: 'string' },
  },
});

function tahapOf(values: Record<string, string | boolean | undefined>, spec: CommandSpec): string {
  const tahap = required(values, 'tahap', spec);
  if (!Tahap.safeParse(tahap).success)
    throw usageError(
      '--tahap harus seperti 2026-IV',
      `--tahap: expected a tahap such as 2026-IV, found ${JSON.stringify(tahap.slice(0, 20))}`,
      spec,
    );
  return tahap;
}

export async function reconcileCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(reconcileSpec, argv);
  if (args.help) return (io.out(reconcileSpec.usage + '\n'), 0);
  const tahap = tahapOf(args.values, reconcileSpec);
  const path = `/v1/staff/tahap/${encodeURIComponent(tahap)}/reconcile`;
  const result = await withStoreOrServer(
    args.values,
    reconcileSpec,
    async ({ store }) => {
      await assertTahapKnown(store, tahap);
      const done = await store.reconcile(tahap, io.now());
      await store.appendAudit({
        at: io.now(),
        actor: 'cli',
        action: 'reconcile',
        details: { tahap, agree: done.agree, resultId: done.id },
      });
      return done;
    },
    // The server recomputes, stores the result and audits it (actor: its local CLI token).
    async (server) => (await server.request('POST', path)) as ReconResult,
  );
  const t = result.totals;
  io.out(
    JSON.stringify({
      tahap,
      agree: result.agree,
      kpm: result.kpmCount,
      disbursed: t.disbursed,
      withdrawn: t.withdrawn,
      unclaimed: t.unclaimed,
      failed: t.failed,
      returned: t.returned,
      overdrawnExcess: t.overdrawnExcess,
      resultId: result.id,
      differences: result.differences,
    }) + '\n',
  );
  io.err(
    result.agree
      ? `Rekonsiliasi cocok / reconciliation agrees (${result.kpmCount} KPM)\n`
      : `Rekonsiliasi TIDAK cocok / reconciliation DIFFERS: ${result.differences.length} difference(s)\n`,
  );
  return result.agree ? 0 : 1;
}

export async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(reportSpec, argv);
  if (args.help) return (io.out(reportSpec.usage + '\n'), 0);
  const v = args.values;
  const tahap = tahapOf(v, reportSpec);
  const format = oneOf(required(v, 'format', reportSpec), ['csv', 'json'] as const, 'format', reportSpec);
  const bank = typeof v.bank === 'string' ? oneOf(v.bank, Bank.options, 'bank', reportSpec) : undefined;
  const region = typeof v.region === 'string' ? v.region : undefined;
  if (region !== undefined && !regionPrefixPattern.test(region))
    throw usageError(
      '--region harus awalan kode wilayah 2, 4, 6 atau 10 angka',
      `--region: ${regionPrefixRule}, found ${JSON.stringify(region.slice(0, 20))}`,
      reportSpec,
    );
  const query = new URLSearchParams({ ...(bank ? { bank } : {}), ...(region ? { region } : {}) }).toString();
  const base = `/v1/staff/tahap/${encodeURIComponent(tahap)}`;
  const { counters, settlements } = await withStoreOrServer(
    v,
    reportSpec,
    async ({ store }) => {
      await assertTahapKnown(store, tahap);
      return { counters: await store.summary(tahap, { bank, region }), settlements: await store.settlements(tahap) };
    },
    async (server) => ({
      counters: ((await server.request('GET', `${base}/summary${query ? `?${query}` : ''}`)) as Summary).counters,
      settlements: (await server.request('GET', `${base}/settlements`)) as Record<string, SettlementCounters>,
    }),
  );
  const balanced = isBalanced(counters);
  if (format === 'json') {
    io.out(JSON.stringify({ tahap, filter: { bank, region }, balanced, counters, settlements }, null, 2) + '\n');
    return 0;
  }
  const records: CsvValue[][] = [['section', 'key', 'value']];
  for (const [key, value] of tahapEntries(counters)) records.push(['summary', key, value]);
  records.push(['summary', 'balanced', String(balanced)]);
  for (const [agentId, s] of Object.entries(settlements))
    for (const [key, value] of settlementEntries(s)) records.push([`settlement:${agentId}`, key, value]);
  io.out(csvRecords(records));
  return 0;
}

interface Summary {
  readonly counters: TahapCounters;
}
