/** edc-gateway agents add|list|revoke */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { AgentId, Bank, Base64Key32, KpmId } from '../../protocol/messages/schemas.ts';
import { ERR_CLI_USAGE } from '../errors.ts';
import { regionPrefixPattern, regionPrefixRule } from '../http/routes/staff-schemas.ts';
import type { GatewayStore } from '../store/types.ts';
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

const kpmShownMax = 5;

/**
 * KPMs allocated to the agent that have no credited row in the tahap entitlement sets are issued
 * for (activeTahap, else the latest imported): the agent can pay them nothing until a file
 * credits them. The enrolment stands (agents are often enrolled before the bank's file arrives);
 * the warning says so, Bahasa Indonesia first.
 */
async function uncreditedWarning(
  store: GatewayStore,
  activeTahap: string | undefined,
  agentId: string,
  kpmIds: readonly string[],
): Promise<string | undefined> {
  const tahap = activeTahap ?? (await store.latestTahap());
  const credited =
    tahap === undefined
      ? new Set<string>()
      : new Set((await store.entitlementSnapshot(agentId, tahap)).entitlements.map((e) => e.kpmId));
  const missing = kpmIds.filter((id) => !credited.has(id));
  if (missing.length === 0) return undefined;
  const shown = missing.slice(0, kpmShownMax).join(', ');
  const rest = missing.length - kpmShownMax;
  const [whereId, whereEn] =
    tahap === undefined
      ? ['karena belum ada berkas penyaluran yang diimpor', 'because no disbursement file is imported yet']
      : [`di tahap ${tahap}`, `in tahap ${tahap}`];
  return (
    `Peringatan: ${missing.length} KPM belum punya penyaluran berhasil ${whereId}: ${shown}` +
    `${rest > 0 ? ` dan ${rest} lainnya` : ''}; agen ${agentId} belum dapat membayar mereka sampai berkas ` +
    `penyaluran mengkreditkan mereka. Agen tetap didaftarkan. / Warning: ${missing.length} KPM have no credited ` +
    `disbursement row ${whereEn}: ${shown}${rest > 0 ? ` and ${rest} more` : ''}; agent ${agentId} cannot pay ` +
    'them until a disbursement file credits them. The agent is enrolled.\n'
  );
}

async function agentsAdd(argv: readonly string[], io: CliIo): Promise<number> {
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
  return withStore(required(v, 'dir', agentsAddSpec), async ({ gw, store }) => {
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
    io.out(
      `Agen ${record.agentId} terdaftar (${bank}, wilayah ${region}) dengan ${kpmIds.length} KPM / ` +
        `Agent ${record.agentId} enrolled (${bank}, region ${region}) with ${kpmIds.length} KPM\n`,
    );
    const warning = await uncreditedWarning(store, gw.config.activeTahap, agentId, kpmIds);
    if (warning !== undefined) io.err(warning);
    return 0;
  });
}

export async function agentsCommand(sub: string | undefined, argv: readonly string[], io: CliIo): Promise<number> {
  if (sub === 'add') return agentsAdd(argv, io);
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
