/** edc-gateway agents add|list|revoke */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { toBase64 } from '../../protocol/crypto/encoding.ts';
import { AgentId, Bank, Base64Key32, KpmId } from '../../protocol/messages/schemas.ts';
import { regionPrefixPattern, regionPrefixRule } from '../http/routes/staff-schemas.ts';
import type { DisbursementStore } from '../store/types.ts';
import { withStoreOrServer } from './local-server.ts';
import { withStore, withStoreOption } from './open.ts';
import { oneOf, parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const agentsAddSpec: CommandSpec = withStoreOption({
  name: 'agents add',
  usage: `edc-gateway agents add --dir D --id ID --public-key KEY --bank BNI|BRI|BTN|MANDIRI --region CODE
    (--kpm ID[,ID...] | --kpm-file F) [--move]

Mendaftarkan agen dengan kunci publik Ed25519-nya (edc-agent public-key) dan mengalokasikan KPM
kepadanya. Satu KPM hanya pada satu agen aktif; --move memindahkan KPM dari agen lain. KPM yang
belum punya penyaluran berhasil di tahap hak tarik diperingatkan (agen tetap didaftarkan). /
Enrols an agent with its Ed25519 public key (edc-agent public-key) and allocates KPMs to it. A
KPM is on one active agent at a time; --move takes KPMs from another agent. KPMs without a
credited row in the entitlement tahap get a warning (the agent is enrolled all the same).

  --dir D            folder gateway / gateway directory
  --id ID            id agen / agent id (3-32 of A-Z 0-9 -), e.g. AGT-BRI-0001
  --public-key KEY   kunci publik agen / the agent's Ed25519 public key, base64
  --bank B           BNI | BRI | BTN | MANDIRI
  --region CODE      kode wilayah agen / the agent's region code (2, 4, 6 or 10 digits)
  --kpm IDS          id KPM dipisah koma / KPM ids, comma-separated, e.g. KPM-0000000001,KPM-0000000002
  --kpm-file F       berkas berisi satu id KPM per baris / a file with one KPM id per line (at most 16 MiB)
  --move             pindahkan KPM dari agen lain / move KPMs from another agent`,
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
});
export const agentsListSpec: CommandSpec = withStoreOption({
  name: 'agents list',
  usage: `edc-gateway agents list --dir D

Satu baris JSON per agen (id, bank, wilayah, status, tanda; tanpa kunci pencariannya). / One
JSON line per agent (id, bank, region, status, flags; never its look-up key).

  --dir D   folder gateway / gateway directory`,
  options: { dir: { type: 'string' } },
});
export const agentsRevokeSpec: CommandSpec = withStoreOption({
  name: 'agents revoke',
  usage: `edc-gateway agents revoke --dir D --id ID

Mencabut agen: permintaannya ditolak 403 EDC_ERR_AUTH_AGENT; KPM-nya boleh dialokasikan ke agen
lain. / Revokes an agent: its requests get 403 EDC_ERR_AUTH_AGENT; its KPMs may be allocated to
another agent.

  --dir D   folder gateway / gateway directory
  --id ID   id agen / agent id`,
  options: { dir: { type: 'string' }, id: { type: 'string' } },
});

interface AgentsPage {
  readonly items: readonly object[];
  readonly next?: string;
}

export const kpmFileBytesMax = 16 * 1024 * 1024;

function check<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } },
  value: string,
  what: string,
  spec: CommandSpec,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw usageError(
      `${what}: nilai tidak sah ${JSON.stringify(value.slice(0, 40))}`,
      `${what}: invalid value ${JSON.stringify(value.slice(0, 40))}`,
      spec,
    );
  return parsed.data;
}

async function kpmFileText(file: string): Promise<string> {
  const size = await stat(file).then(
    (info) => (info.isFile() ? info.size : -1),
    () => -1,
  );
  if (size < 0 || size > kpmFileBytesMax)
    throw usageError(
      `--kpm-file: berkas ${file} tidak ada atau lebih dari 16 MiB`,
      `--kpm-file: expected a readable file of at most ${kpmFileBytesMax} bytes, ` +
        `found ${size < 0 ? 'none' : `${size} bytes`}`,
      agentsAddSpec,
    );
  return readFile(file, 'utf8');
}

async function kpmList(values: Record<string, string | boolean | undefined>): Promise<string[]> {
  const inline = typeof values.kpm === 'string' ? values.kpm : undefined;
  const file = typeof values['kpm-file'] === 'string' ? values['kpm-file'] : undefined;
  if ((inline === undefined) === (file === undefined))
    throw usageError(
      'Isi tepat satu dari --kpm dan --kpm-file',
      'Expected exactly one of --kpm and --kpm-file',
      agentsAddSpec,
    );
  const text = inline ?? (await kpmFileText(file!));
  const ids = text
    .split(inline === undefined ? /\r?\n/ : ',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return ids.map((id) => check(KpmId, id, '--kpm', agentsAddSpec));
}

const kpmShownMax = 5;

/**
 * KPMs allocated to the agent that have no credited row in the tahap entitlement sets are issued
 * for (activeTahap, else the latest imported): the agent can pay them nothing until a file
 * credits them. The enrolment stands (agents are often enrolled before the bank's file arrives);
 * the warning says so, Bahasa Indonesia first.
 */
async function uncreditedWarning(
  store: Pick<DisbursementStore, 'latestTahap' | 'entitlementSnapshot'>,
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
  const agentId = check(AgentId, required(v, 'id', agentsAddSpec), '--id', agentsAddSpec);
  const publicKey = check(Base64Key32, required(v, 'public-key', agentsAddSpec), '--public-key', agentsAddSpec);
  const bank = oneOf(required(v, 'bank', agentsAddSpec), Bank.options, 'bank', agentsAddSpec);
  const region = required(v, 'region', agentsAddSpec);
  if (!regionPrefixPattern.test(region))
    throw usageError(
      '--region harus kode wilayah 2, 4, 6 atau 10 angka',
      `--region: ${regionPrefixRule}, found ${JSON.stringify(region.slice(0, 20))}`,
      agentsAddSpec,
    );
  const kpmIds = await kpmList(v);
  return withStore(v, agentsAddSpec, async ({ gw, store }) => {
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
    const print = (items: readonly object[]) => {
      for (const agent of items) io.out(JSON.stringify(agent) + '\n');
    };
    return withStoreOrServer(
      args.values,
      agentsListSpec,
      async ({ store }) => {
        let after: string | undefined;
        do {
          const page = await store.listAgents({ after, limit: 1000 });
          print(page.items.map(({ lookupKey: _secret, ...agent }) => agent));
          after = page.next;
        } while (after !== undefined);
        return 0;
      },
      // The staff route pages the same way and never sends the look-up key.
      async (server) => {
        let after: string | undefined;
        do {
          const query = `limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
          const page = (await server.request('GET', `/v1/staff/agents?${query}`)) as AgentsPage;
          print(page.items);
          after = page.next;
        } while (after !== undefined);
        return 0;
      },
    );
  }
  if (sub === 'revoke') {
    const args = parse(agentsRevokeSpec, argv);
    if (args.help) return (io.out(agentsRevokeSpec.usage + '\n'), 0);
    const agentId = check(AgentId, required(args.values, 'id', agentsRevokeSpec), '--id', agentsRevokeSpec);
    return withStore(args.values, agentsRevokeSpec, async ({ store }) => {
      await store.revokeAgent(agentId, io.now());
      await store.appendAudit({ at: io.now(), actor: 'cli', action: 'agents.revoke', details: { agentId } });
      io.out(`Agen ${agentId} dicabut / Agent ${agentId} revoked\n`);
      return 0;
    });
  }
  throw usageError(
    `Subperintah agents tidak dikenal: ${sub ?? '(kosong)'}; pilih add, list atau revoke`,
    `Expected agents add|list|revoke, found ${sub ?? 'nothing'}`,
  );
}
