/** edc-gateway init --dir D: key material and a default config; prints what agents need. */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFileName, GatewayConfig, keysFileName } from '../config.ts';
import { ERR_CONFIG_EXISTS } from '../errors.ts';
import { generateGatewayKeys } from '../keys.ts';
import { parse, required, type CliIo, type CommandSpec } from './io.ts';

export const initSpec: CommandSpec = {
  name: 'init',
  usage: `edc-gateway init --dir D

Membuat folder D berisi keys.json (kunci tanda tangan Ed25519, kunci segel X25519, kunci
pencarian; izin 0600) dan config.json, lalu mencetak kunci publik tanda tangan yang harus
dipasang di setiap agen. Kunci yang sudah ada tidak pernah ditimpa. / Makes D with keys.json
(Ed25519 signing key, X25519 seal key, look-up key; mode 0600) and config.json, and prints the
signing public key every agent must be configured with. Existing keys are never overwritten.

  --dir D   folder gateway / gateway directory (created; must not hold a gateway yet)`,
  options: { dir: { type: 'string' } },
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function initCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(initSpec, argv);
  if (args.help) return (io.out(initSpec.usage + '\n'), 0);
  const dir = required(args.values, 'dir', initSpec);
  if ((await exists(join(dir, keysFileName))) || (await exists(join(dir, configFileName)))) {
    throw new ERR_CONFIG_EXISTS(
      `Gateway sudah ada di ${dir}; kunci tidak ditimpa / Cannot init ${dir}: expected no gateway there, ` +
        `found ${keysFileName} or ${configFileName} (keys are never overwritten)`,
      { dir },
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = generateGatewayKeys();
  await writeFile(join(dir, keysFileName), JSON.stringify(keys, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  const config = GatewayConfig.parse({ v: 1 });
  await writeFile(join(dir, configFileName), JSON.stringify(config, null, 2) + '\n', { mode: 0o644, flag: 'wx' });
  io.out(`Gateway dibuat di / initialised in ${dir}\n`);
  io.out(
    `Kunci publik tanda tangan (dipasang di agen: edc-agent init --gateway-public-key) / ` +
      `Signing public key (agents verify receipts and entitlement sets with it): ${keys.signingPublicKey}\n`,
  );
  io.out(
    `Kunci publik segel (dikirim ke agen dalam hak tarik) / ` +
      `Seal public key (X25519; sent to agents inside entitlement sets): ${keys.sealPublicKey}\n`,
  );
  return 0;
}
