/**
 * Where a gateway's store lives: a postgres:// (or postgresql://) URL selects the PostgreSQL
 * store, with an optional `schema` query parameter (default public); anything else is the
 * LevelDB directory. `postgres://127.0.0.1:5432/edc?schema=gateway`
 */
import { userInfo } from 'node:os';
import { ERR_STORE_UNREACHABLE, ERR_STORE_URL } from '../../errors.ts';
import { isConnectionFault } from './faults.ts';

export interface PgLocation {
  /** The connection URL without the schema parameter. */
  readonly connectionString: string;
  readonly schema: string;
}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function parsePgLocation(text: string): PgLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ERR_STORE_URL(
      'URL penyimpanan tidak sah / Cannot use the store URL: expected postgres://host:port/database[?schema=name]',
      {},
      cause,
    );
  }
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!schemaPattern.test(schema))
    throw new ERR_STORE_URL(
      `Nama skema tidak sah / Cannot use schema ${JSON.stringify(schema.slice(0, 70))}: ` +
        'expected lower-case letters, digits and _ (at most 63, not starting with a digit)',
      { schema: schema.slice(0, 70) },
    );
  url.searchParams.delete('schema');
  // Like psql: no user in the URL nor in PGUSER means the operating system's user (node-postgres
  // would read $USER, which a service manager or a child process may not set).
  if (url.username === '' && (process.env.PGUSER ?? '') === '') url.username = encodeURIComponent(userInfo().username);
  return { connectionString: url.toString(), schema };
}

/**
 * A failed first connection as a coded error naming the server (never the password): the server
 * is down, the address is wrong, it refused the user or database, or it closed the connection or
 * did not answer within the pool's connect wait (faults.ts). Other errors pass through.
 */
export async function connecting<T>(connectionString: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const pgAuth = typeof code === 'string' && /^(28|3D)/.test(code);
    const network = typeof code === 'string' && /^E[A-Z]+$/.test(code);
    if (!pgAuth && !network && !isConnectionFault(cause)) throw cause;
    throw new ERR_STORE_UNREACHABLE(
      `PostgreSQL tidak dapat dihubungi / Cannot connect to ${redactedUrl(connectionString)}: ` +
        (cause as Error).message,
      { url: redactedUrl(connectionString), cause: code },
      cause,
    );
  }
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}
