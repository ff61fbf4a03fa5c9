/** edc-gateway migrate (--store postgres://... | --dir D): brings a PostgreSQL schema to this gateway's version. */
import pg from 'pg';
import { loadGatewayDir } from '../config.ts';
import { ERR_STORE_URL } from '../errors.ts';
import { knownSchemaVersion, migrate } from '../store/pg/migrate.ts';
import { connecting, isPostgresUrl, parsePgLocation, redactedUrl } from '../store/pg/url.ts';
import { storeLocation, storeOptionUsage } from './open.ts';
import { parse, usageError, type CliIo, type CommandSpec } from './io.ts';

export const migrateSpec: CommandSpec = {
  name: 'migrate',
  usage: `edc-gateway migrate (--store postgres://HOST:PORT/DB[?schema=NAMA] | --dir D)

Menerapkan migrasi skema PostgreSQL yang belum diterapkan, berurutan, masing-masing dalam satu
transaksi, di bawah advisory lock (aman bila beberapa replika dimulai bersamaan). Replika menolak
berjalan pada skema yang versinya bukan versi gateway ini (EDC_ERR_STORE_SCHEMA). Penyimpanan
LevelDB tidak perlu migrasi. / Applies the PostgreSQL schema migrations not yet applied, in order,
each in one transaction, under an advisory lock (safe when replicas start together). A replica
refuses a schema at any other version than its own (EDC_ERR_STORE_SCHEMA). LevelDB needs none.

  --dir D      folder gateway (penyimpanan dari config.json / $EDC_GATEWAY_STORE) / gateway directory
${storeOptionUsage}`,
  options: { dir: { type: 'string' }, store: { type: 'string' } },
};

async function locationOf(values: Record<string, string | boolean | undefined>): Promise<string> {
  const flag = typeof values.store === 'string' && values.store !== '' ? values.store : undefined;
  const dir = typeof values.dir === 'string' && values.dir !== '' ? values.dir : undefined;
  if (dir !== undefined) return storeLocation(await loadGatewayDir(dir), flag);
  if (flag !== undefined) return flag;
  throw usageError('Opsi --store atau --dir wajib diisi', 'Missing --store or --dir', migrateSpec);
}

export async function migrateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(migrateSpec, argv);
  if (args.help) return (io.out(migrateSpec.usage + '\n'), 0);
  const location = await locationOf(args.values);
  if (!isPostgresUrl(location))
    throw new ERR_STORE_URL(
      `Migrasi hanya untuk PostgreSQL / Cannot migrate ${JSON.stringify(location.slice(0, 200))}: ` +
        'expected a postgres:// URL (a LevelDB folder needs no migration)',
    );
  const { connectionString, schema } = parsePgLocation(location);
  const client = new pg.Client({ connectionString });
  await connecting(connectionString, () => client.connect());
  try {
    const applied = await migrate(client, schema);
    io.out(
      `${redactedUrl(connectionString)} skema / schema ${schema}: ` +
        (applied.length === 0 ? 'sudah terbaru / already current' : `diterapkan / applied ${applied.join(', ')}`) +
        `; versi / version ${knownSchemaVersion()}\n`,
    );
  } finally {
    await client.end();
  }
  return 0;
}
