/** edc-gateway agents add|list|revoke */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { AgentId, Bank, Base64Key32, KpmId } from '../../protocol/messages/schemas.ts';
import { ERR_CLI_USAGE } from '../errors.ts';
import { regionPrefixPattern, regionPrefixRule } from '../http/routes/staff-schemas.ts';
import { withStore } from './open.ts';
import { oneOf, parse, required, type CliIo, type CommandSpec } from './io.ts';

export const agentsAddSpec: CommandSpec = {
  usage:
    'edc-gateway agents add --dir D --id ID --public-key KEY --bank BNI|BRI|BTN|MANDIRI --region CODE' +
    ' (--kpm ID[,ID...] | --kpm-file F) [--move]\n' +
    '  Enrols an agent with its Ed25519 public key and allocates KPMs to it (one KPM per active agent; --move takes\n' +
    '  KPMs from another agent). --kpm-file holds one KPM id per line.',
  options: {
    dir: { type: 'string' },
    id: { type: 'string' },
    'public-key': { type: 'string' },
    bank: { type: 'string' },
    region: { type: 'string' },
    kpm: { type: 'string' },
    'kpm-file': { type: 'string' },
    move: { type: 'boolean' },
  },
};
export const agentsListSpec: CommandSpec = {
  usage:
    'edc-gateway agents list --dir D\n' +
    '  One JSON line per agent (id, bank, region, status, flags; never its look-up key).',
  options: { dir: { type: 'string' } },
};
export const agentsRevokeSpec: CommandSpec = {
  usage:
    'edc-gateway agents revoke --dir D --id ID\n' +
    '  Revokes an agent: its requests get 403 EDC_ERR_AUTH_AGENT; its KPMs may be allocated to another agent.',
  options: { dir: { type: 'string' }, id: { type: 'string' } },
};

function check<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } },
  value: string,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ERR_CLI_USAGE(`${what}: invalid value ${JSON.stringify(value.slice(0, 40))}`);
  return parsed.data;
}

async function kpmList(values: Record<string, string | boolean | undefined>): Promise<string[]> {
  const inline = typeof values.kpm === 'string' ? values.kpm : undefined;
  const file = typeof values['kpm-file'] === 'string' ? values['kpm-file'] : undefined;
  if ((inline === undefined) === (file === undefined))
    throw new ERR_CLI_USAGE(`Expected exactly one of --kpm and --kpm-file\n\nUsage: ${agentsAddSpec.usage}`);
  const text = inline ?? (await readFile(file!, 'utf8'));
  const ids = text
    .split(inline === undefined ? /\r?\n/ : ',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return ids.map((id) => check(KpmId, id, '--kpm'));
}

export async function agentsCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub === 'add') {
    const args = parse(agentsAddSpec, argv);
    if (args.help) return (io.out(agentsAddSpec.usage + '\n'), 0);
    const v = args.values;
    const agentId = check(AgentId, required(v, 'id', agentsAddSpec), '--id');
    const publicKey = check(Base64Key32, required(v, 'public-key', agentsAddSpec), '--public-key');
    const bank = oneOf(required(v, 'bank', agentsAddSpec), Bank.options, 'bank');
    const region = required(v, 'region', agentsAddSpec);
    if (!regionPrefixPattern.test(region))
      throw new ERR_CLI_USAGE(`--region: ${regionPrefixRule}, found ${JSON.stringify(region.slice(0, 20))}`);
    const kpmIds = await kpmList(v);
    return withStore(required(v, 'dir', agentsAddSpec), async ({ store }) => {
      const record = await store.addAgent(
        { agentId, publicKey, bank, regionCode: region, kpmIds },
        { move: v.move === true, now: io.now(), lookupKey: toBase64(randomBytes(32)) },
      );
      await store.appendAudit({
        at: io.now(),
        actor: 'cli',
        action: 'agents.add',
        details: { agentId, bank, region, kpms: kpmIds.length, move: v.move === true },
      });
      io.out(`Agent ${record.agentId} enrolled (${bank}, region ${region}) with ${kpmIds.length} KPM(s)\n`);
      return 0;
    });
  }
  if (sub === 'list') {
    const args = parse(agentsListSpec, argv);
    if (args.help) return (io.out(agentsListSpec.usage + '\n'), 0);
    return withStore(required(args.values, 'dir', agentsListSpec), async ({ store }) => {
      let after: string | undefined;
      do {
        const page = await store.listAgents({ after, limit: 1000 });
        for (const { lookupKey: _secret, ...agent } of page.items) io.out(JSON.stringify(agent) + '\n');
        after = page.next;
      } while (after !== undefined);
      return 0;
    });
  }
  if (sub === 'revoke') {
    const args = parse(agentsRevokeSpec, argv);
    if (args.help) return (io.out(agentsRevokeSpec.usage + '\n'), 0);
    const agentId = check(AgentId, required(args.values, 'id', agentsRevokeSpec), '--id');
    return withStore(required(args.values, 'dir', agentsRevokeSpec), async ({ store }) => {
      await store.revokeAgent(agentId, io.now());
      await store.appendAudit({ at: io.now(), actor: 'cli', action: 'agents.revoke', details: { agentId } });
      io.out(`Agent ${agentId} revoked\n`);
      return 0;
    });
  }
  throw new ERR_CLI_USAGE(`Expected agents add|list|revoke, found ${sub ?? 'nothing'}`);
}
