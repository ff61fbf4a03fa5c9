/**
 * Where a gateway's store lives: a postgres:// (or postgresql://) URL selects the PostgreSQL
 * store, with an optional `schema` query parameter (default public); anything else is the
 * LevelDB directory. `postgres://127.0.0.1:5432/edc?schema=gateway`
 */
import { ERR_STORE_URL } from '../../errors.ts';

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
  return { connectionString: url.toString(), schema };
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
