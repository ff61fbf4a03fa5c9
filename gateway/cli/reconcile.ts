/** edc-gateway reconcile --tahap T and report --tahap T --format csv|json [--bank B] [--region R] */
import { Bank, Tahap } from '../../protocol/messages/schemas.ts';
import { ERR_CLI_USAGE } from '../errors.ts';
import { csvLine } from '../http/csv.ts';
import { isBalanced, settlementEntries, tahapEntries } from '../recon/counters.ts';
import { withStore } from './open.ts';
import { oneOf, parse, required, type CliIo, type CommandSpec } from './io.ts';

export const reconcileSpec: CommandSpec = {
  usage:
    'edc-gateway reconcile --dir D --tahap T\n' +
    '  Recomputes the tahap from raw records (bounded memory), compares with the continuous state,' +
    ' stores the result\n' +
    '  with its input fingerprints. Exit status 0 when they agree, 1 when they differ (differences printed).',
  options: { dir: { type: 'string' }, tahap: { type: 'string' } },
};
export const reportSpec: CommandSpec = {
  usage:
    'edc-gateway report --dir D --tahap T --format csv|json [--bank B] [--region PREFIX]\n' +
    '  Prints the tahap summary (counters) and per-agent settlement.',
  options: {
    dir: { type: 'string' },
    tahap: { type: 'string' },
    format: { type: 'string' },
    bank: { type: 'string' },
    region: { type: 'string' },
  },
};

function tahapOf(values: Record<string, string | boolean | undefined>, spec: CommandSpec): string {
  const tahap = required(values, 'tahap', spec);
  if (!Tahap.safeParse(tahap).success)
    throw new ERR_CLI_USAGE(`--tahap: expected a tahap such as 2026-IV, found ${tahap}`);
  return tahap;
}

export async function reconcileCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(reconcileSpec, argv);
  if (args.help) return (io.out(reconcileSpec.usage + '\n'), 0);
  const tahap = tahapOf(args.values, reconcileSpec);
  return withStore(required(args.values, 'dir', reconcileSpec), async ({ store }) => {
    const result = await store.reconcile(tahap, io.now());
    await store.appendAudit({
      at: io.now(),
      actor: 'cli',
      action: 'reconcile',
      details: { tahap, agree: result.agree, resultId: result.id },
    });
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
  });
}

export async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(reportSpec, argv);
  if (args.help) return (io.out(reportSpec.usage + '\n'), 0);
  const v = args.values;
  const tahap = tahapOf(v, reportSpec);
  const format = oneOf(required(v, 'format', reportSpec), ['csv', 'json'] as const, 'format');
  const bank = typeof v.bank === 'string' ? oneOf(v.bank, Bank.options, 'bank') : undefined;
  const region = typeof v.region === 'string' ? v.region : undefined;
  if (region !== undefined && !/^[0-9]{2,10}$/.test(region))
    throw new ERR_CLI_USAGE(`--region: expected 2-10 digits, found ${region}`);
  return withStore(required(v, 'dir', reportSpec), async ({ store }) => {
    const counters = await store.summary(tahap, { bank, region });
    const settlements = await store.settlements(tahap);
    const balanced = isBalanced(counters);
    if (format === 'json') {
      io.out(JSON.stringify({ tahap, filter: { bank, region }, balanced, counters, settlements }, null, 2) + '\n');
      return 0;
    }
    io.out(csvLine(['section', 'key', 'value']));
    for (const [key, value] of tahapEntries(counters)) io.out(csvLine(['summary', key, value]));
    io.out(csvLine(['summary', 'balanced', String(balanced)]));
    for (const [agentId, s] of Object.entries(settlements))
      for (const [key, value] of settlementEntries(s)) io.out(csvLine([`settlement:${agentId}`, key, value]));
    return 0;
  });
}
