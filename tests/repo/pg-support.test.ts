import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pgForTests } from '../support/pg.ts';

const deadUrl = 'postgres://127.0.0.1:1/test';
const live = await pgForTests('pg_support');
afterAll(() => live.drop());

describe('pgForTests()', () => {
  it('skips with a printed notice when no server answers and PostgreSQL is not required', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dead = await pgForTests('dead', { url: deadUrl, required: false });
    expect(dead.available).toBe(false);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^\[skip\] dead: PostgreSQL tests skipped: no PostgreSQL answered/);
    warn.mockRestore();
  });

  it('fails instead of skipping when PostgreSQL is required (as under .ci/run)', async () => {
    await expect(pgForTests('dead', { url: deadUrl, required: true })).rejects.toThrow(/required here/);
  });

  it.skipIf(!live.available)('gives each file a fresh, empty schema of its own, and drops it', async () => {
    const other = await pgForTests('pg_support');
    expect(other.schema).not.toBe(live.schema);
    const client = new pg.Client({ connectionString: other.url });
    await client.connect();
    const count = async (): Promise<number> =>
      Number(
        (
          await client.query('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = $1', [
            other.schema,
          ])
        ).rows[0].n,
      );
    expect(await count()).toBe(1);
    await other.drop();
    expect(await count()).toBe(0);
    await client.end();
  });
});
