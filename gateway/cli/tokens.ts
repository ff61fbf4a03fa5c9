/** edc-gateway tokens create --dir D --role viewer|reconciler|admin [--name N] */
import { newToken, roles } from '../http/staff-auth.ts';
import { withStore, withStoreOption } from './open.ts';
import { oneOf, parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const tokenNameCharsMax = 100;

export const tokensCreateSpec: CommandSpec = withStoreOption({
  name: 'tokens create',
  usage: `edc-gateway tokens create --dir D --role viewer|reconciler|admin [--name N]

Membuat token staf (Bearer) dan mencetaknya sekali saja; yang disimpan hanya SHA-256-nya.
viewer membaca ringkasan dan laporan, reconciler juga menangani pengecualian dan rekonsiliasi,
admin juga membaca log audit, membuat token, mencabut agen. / Creates a staff bearer token and
prints it once; only its SHA-256 is stored. viewer reads summaries and reports, reconciler also
works exceptions and reconciles, admin also reads the audit log, makes tokens, revokes agents.

  --dir D     folder gateway / gateway directory
  --role R    viewer | reconciler | admin
  --name N    nama pemegang / holder's name, shown in the audit log (default: the role; at most 100 characters)`,
  options: { dir: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
});

export async function tokensCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub !== 'create')
    throw usageError(
      `Subperintah tokens tidak dikenal: ${sub ?? '(kosong)'}`,
      `Expected tokens create, found ${sub ?? 'nothing'}`,
      tokensCreateSpec,
    );
  const args = parse(tokensCreateSpec, argv);
  if (args.help) return (io.out(tokensCreateSpec.usage + '\n'), 0);
  const role = oneOf(required(args.values, 'role', tokensCreateSpec), roles, 'role', tokensCreateSpec);
  const name = typeof args.values.name === 'string' ? args.values.name : role;
  if (name.length > tokenNameCharsMax)
    throw usageError(
      `--name paling banyak ${tokenNameCharsMax} karakter`,
      `--name: expected at most ${tokenNameCharsMax} characters, found ${name.length}`,
      tokensCreateSpec,
    );
  return withStore(args.values, tokensCreateSpec, async ({ store }) => {
    const { token, record } = newToken(role, name, io.now());
    await store.putToken(record);
    await store.appendAudit({ at: io.now(), actor: 'cli', action: 'tokens.create', details: { role, name } });
    io.out(`${token}\n`);
    io.err(
      `Token untuk ${name} (${role}) dibuat. Hanya ditampilkan sekarang: simpan dengan aman. / ` +
        `Token for ${name} (${role}) created. It is shown only now: store it safely.\n`,
    );
    return 0;
  });
}
