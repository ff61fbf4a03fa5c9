/** edc-gateway receipt verify CODE|QR-TEXT --dir D: is a KPM's struk genuine? */
import { verifyStruk } from '../receipts/verify.ts';
import { withStore, withStoreOption } from './open.ts';
import { parse, usageError, type CliIo, type CommandSpec } from './io.ts';

/** "Rp 750.000". */
function formatRupiah(amount: number): string {
  return `Rp ${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

export const receiptVerifySpec: CommandSpec = withStoreOption({
  name: 'receipt verify',
  usage: `edc-gateway receipt verify CODE|QR-TEXT --dir D [--json]

Memeriksa struk KPM: kode struk yang dibacakan (AGENID:NO:XXXX-XXXX) atau teks QR struk (EDC1.…).
Keluar 0 bila ASLI (dicatat gateway, atau ditandatangani agen tetapi belum diunggah); 1 dengan kode
EDC_ERR_RECEIPT_MALFORMED, _UNKNOWN, _FORGED (palsu), _ALTERED (diubah) atau _CONFLICT (fork). /
Checks a KPM's struk: the struk code read out (AGENTID:SEQ:XXXX-XXXX) or the struk's QR text
(EDC1.…). Exit 0 when GENUINE (on record, or signed by the agent and not uploaded yet); 1 with
the code EDC_ERR_RECEIPT_MALFORMED, _UNKNOWN, _FORGED, _ALTERED or _CONFLICT.

  --dir D    folder gateway / gateway directory (the store: stop serve first)
  --json     satu objek JSON / one JSON object

Contoh / Example: edc-gateway receipt verify AGT-BRI-0001:42:PA5B-AWX2 --dir gw`,
  options: { dir: { type: 'string' }, json: { type: 'boolean' } },
  positionals: 1,
});

export async function receiptCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub !== 'verify') {
    throw usageError(
      `Subperintah receipt tidak dikenal: ${JSON.stringify(sub ?? '')}`,
      `Unknown receipt subcommand ${JSON.stringify(sub ?? '')} (expected verify)`,
      receiptVerifySpec,
    );
  }
  const args = parse(receiptVerifySpec, argv);
  if (args.help) return (io.out(receiptVerifySpec.usage + '\n'), 0);
  const result = await withStore(args.values, receiptVerifySpec, ({ store }) =>
    verifyStruk(store, args.positionals[0]!),
  );
  if (args.values.json === true) return (io.out(JSON.stringify(result) + '\n'), 0);
  const state = result.onRecord
    ? 'ASLI, tercatat di gateway / GENUINE, on record'
    : 'ASLI (tanda tangan agen), belum diterima gateway / GENUINE (agent-signed), not received yet';
  const amount = result.amount === undefined ? '-' : formatRupiah(result.amount);
  io.out(
    `${state}\n` +
      `Agen / Agent: ${result.agentId}  No. / Seq: ${result.seq}\n` +
      `KPM: ${result.kpmId ?? '-'}  Jumlah / Amount: ${amount}\n` +
      `Terminal: ${result.terminalId ?? '-'}  STAN: ${result.stan ?? '-'}  ` +
      `Waktu / Time: ${result.at === undefined ? '-' : new Date(result.at).toISOString()}\n`,
  );
  return 0;
}
