/** edc-gateway public-key --dir D: the signing public key agents are configured with (no store needed). */
import { loadGatewayDir } from '../config.ts';
import { parse, required, type CliIo, type CommandSpec } from './io.ts';

export const publicKeySpec: CommandSpec = {
  name: 'public-key',
  usage: `edc-gateway public-key --dir D

Mencetak kunci publik tanda tangan gateway (Ed25519, base64), untuk edc-agent init
--gateway-public-key. Tidak membuka penyimpanan, jadi bisa dipakai saat serve berjalan. /
Prints the gateway's Ed25519 signing public key (base64), for edc-agent init
--gateway-public-key. It does not open the store, so it works while serve runs.

  --dir D   folder gateway / gateway directory`,
  options: { dir: { type: 'string' } },
};

export async function publicKeyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(publicKeySpec, argv);
  if (args.help) return (io.out(publicKeySpec.usage + '\n'), 0);
  const { keys } = await loadGatewayDir(required(args.values, 'dir', publicKeySpec));
  io.out(keys.signingPublicKey + '\n');
  return 0;
}
