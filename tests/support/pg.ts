/**
 * PostgreSQL for tests: one server URL from EDC_TEST_PG_URL (default the local `test` database),
 * a fresh schema per test file, and a clear rule when no server answers: the file's PostgreSQL
 * tests skip with a printed notice on a developer's machine, and fail under `.ci/run`
 * (EDC_REQUIRE_PG=1), where the server is part of the machine and a skip would hide a red suite.
 *
 *   const pg = await pgForTests('store-conformance');   // top-level await in the test file
 *   describe.skipIf(!pg.available)('...', () => { ... pg.url, pg.schema ... });
 *   afterAll(() => pg.drop());
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

export const pgTestUrl = process.env.EDC_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test';
export const pgRequired = process.env.EDC_REQUIRE_PG === '1';
const connectTimeoutMs = 3000;

export interface PgForTests {
  readonly available: boolean;
  readonly url: string;
  /** A schema of this file's own, created empty; dropped (with everything in it) by drop(). */
  readonly schema: string;
  drop(): Promise<void>;
}

/**
 * The URL with a user name filled in when it names none: like psql, the operating system's user
 * (node-postgres would read $USER, which a CI shell or a child process may not have).
 */
export function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '') parsed.username = encodeURIComponent(userInfo().username);
  return parsed.toString();
}

/** One client connected to `url` for the length of `fn`, ended however `fn` ends. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A schema name that two test files (or two engineers' runs) never share. */
export function uniqueSchemaName(label: string): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  return `t_${clean}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function pgForTests(
  label: string,
  options: { readonly url?: string; readonly required?: boolean } = {},
): Promise<PgForTests> {
  const url = withDefaultUser(options.url ?? pgTestUrl);
  const schema = uniqueSchemaName(label);
  try {
    await withPgClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  } catch (error) {
    const why = `no PostgreSQL answered at ${url} (${(error as Error).message})`;
    if (options.required ?? pgRequired)
      throw new Error(`PostgreSQL tests are required here (EDC_REQUIRE_PG=1) but ${why}`);
    console.warn(`[skip] ${label}: PostgreSQL tests skipped: ${why}; set EDC_TEST_PG_URL to run them`);
    return { available: false, url, schema, drop: () => Promise.resolve() };
  }
  return {
    available: true,
    url,
    schema,
    drop: () => withPgClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}
