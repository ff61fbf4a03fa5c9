/** edc-gateway keys rotate-data-key --dir D: a new data key for sealing at rest (crypto/envelope.ts). */
import { withStore, withStoreOption } from './open.ts';
import { parse, usageError, type CliIo, type CommandSpec } from './io.ts';

export const keysRotateSpec: CommandSpec = withStoreOption({
  name: 'keys rotate-data-key',
  usage: `edc-gateway keys rotate-data-key --dir D

Membuat kunci data baru (AES-256-GCM, dibungkus kunci keys.json) untuk menyegel PAN/NIK/nama di
penyimpanan. Segel baru memakai kunci terbaru; nilai lama tetap terbuka dengan kuncinya sendiri.
Mencetak satu baris JSON per kunci data. Dengan LevelDB, hentikan serve dahulu; replika PostgreSQL
memuat kunci baru saat pertama bertemu nilai yang disegel dengannya, dan menyegel dengannya setelah
dijalankan ulang. / Makes a new data key (AES-256-GCM, wrapped by the keys.json key) for sealing
PAN/NIK/name at rest. New seals use the newest key; older values keep opening under their own.
Prints one JSON line per data key. With LevelDB, stop serve first; PostgreSQL replicas load the
new key when they first meet a value sealed under it, and seal under it after a restart.

  --dir D     folder gateway / gateway directory`,
  options: { dir: { type: 'string' } },
});

export async function keysCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub !== 'rotate-data-key')
    throw usageError(
      `Subperintah keys tidak dikenal: ${sub ?? '(kosong)'}`,
      `Expected keys rotate-data-key, found ${sub ?? 'nothing'}`,
      keysRotateSpec,
    );
  const args = parse(keysRotateSpec, argv);
  if (args.help) return (io.out(keysRotateSpec.usage + '\n'), 0);
  return withStore(args.values, keysRotateSpec, async ({ store }) => {
    const added = await store.rotateDataKey(io.now());
    await store.appendAudit({
      at: io.now(),
      actor: 'cli',
      action: 'keys.rotate-data-key',
      details: { keyId: added.keyId },
    });
    for (const info of await store.listDataKeys()) io.out(`${JSON.stringify(info)}\n`);
    return 0;
  });
}
