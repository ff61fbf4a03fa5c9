/** edc-gateway tokens create --dir D --role viewer|reconciler|admin [--name N] */
import { ERR_CLI_USAGE } from '../errors.ts';
import { newToken, roles } from '../http/staff-auth.ts';
import { withStore } from './open.ts';
import { oneOf, parse, required, type CliIo, type CommandSpec } from './io.ts';

export const tokensCreateSpec: CommandSpec = {
  usage:
    'edc-gateway tokens create --dir D --role viewer|reconciler|admin [--name N]\n' +
    '  Creates a staff bearer token and prints it once; only its SHA-256 is stored.',
  options: { dir: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
};

export async function tokensCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub !== 'create') throw new ERR_CLI_USAGE(`Expected tokens create, found ${sub ?? 'nothing'}`);
  const args = parse(tokensCreateSpec, argv);
  if (args.help) return (io.out(tokensCreateSpec.usage + '\n'), 0);
  const role = oneOf(required(args.values, 'role', tokensCreateSpec), roles, 'role');
  const name = typeof args.values.name === 'string' ? args.values.name : role;
  if (name.length > 100) throw new ERR_CLI_USAGE('--name: expected at most 100 characters');
  return withStore(required(args.values, 'dir', tokensCreateSpec), async ({ store }) => {
    const { token, record } = newToken(role, name, io.now());
    await store.putToken(record);
    await store.appendAudit({ at: io.now(), actor: 'cli', action: 'tokens.create', details: { role, name } });
    io.out(`${token}\n`);
    io.err(`Token for ${name} (${role}) created. It is shown only now: store it safely.\n`);
    return 0;
  });
}
