/**
 * The command line on the PostgreSQL store: migrate (concurrent runs safe, LevelDB refused),
 * serve refusing an unmigrated schema, the store chosen by --store, EDC_GATEWAY_STORE and
 * config.json in that order, and agents, tokens, report and reconcile working while two
 * replicas serve the same schema.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGateway } from '../../gateway/cli/open.ts';
import { generateSigningKeyPair } from '../../protocol/crypto/index.ts';
import { pgForTests, uniqueSchemaName } from '../support/pg.ts';
import { row } from './helpers.ts';
import { cli, startReplica, stopReplica, withSchema, type Replica } from './replica-support.ts';

const db = await pgForTests('cli-pg');
const storeUrl = withSchema(db.url, db.schema);
let dir: string;
let gw: string;
const replicas: Replica[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-clipg-'));
  gw = join(dir, 'gw');
  expect((await cli('init', '--dir', gw)).code).toBe(0);
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => stopReplica(r)));
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!db.available)('edc-gateway on PostgreSQL', () => {
  it('serve refuses a schema not migrated (EDC_ERR_STORE_SCHEMA, exit 1); migrate runs concurrently', async () => {
    const refused = await cli('serve', '--dir', gw, '--port', '0', '--store', storeUrl);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('EDC_ERR_STORE_SCHEMA');
    expect(refused.err).toContain('edc-gateway migrate');
    const runs = await Promise.all([cli('migrate', '--store', storeUrl), cli('migrate', '--store', storeUrl)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    expect(runs.map((r) => r.out).join('')).toContain('diterapkan / applied 1');
    expect((await cli('migrate', '--store', storeUrl)).out).toContain('sudah terbaru / already current');
    const level = await cli('migrate', '--dir', gw);
    expect([level.code, level.err.includes('EDC_ERR_STORE_URL')]).toEqual([1, true]);
  });

  it('agents, tokens, report and reconcile work while two replicas serve; store from config.json', async () => {
    const configPath = join(gw, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, store: storeUrl }, null, 2));
    replicas.push(await startReplica(gw, []), await startReplica(gw, []));
    const add = await cli(
      'agents',
      'add',
      '--dir',
      gw,
      '--id',
      'AGT-PG1',
      '--public-key',
      generateSigningKeyPair().publicKey,
      '--bank',
      'BRI',
      '--region',
      '3201010001',
      '--kpm',
      'KPM-0001,KPM-0002',
    );
    expect(add.code).toBe(0);
    const token = await cli('tokens', 'create', '--dir', gw, '--role', 'viewer', '--name', 'ana');
    expect(token.code).toBe(0);
    const { store } = await openGateway(gw);
    await store.applyDisbursements([row('KPM-0001', 750_000)], { fileSha256: 'c'.repeat(64), now: 1 });
    await store.close();
    const list = await cli('agents', 'list', '--dir', gw);
    expect(list.out).toContain('AGT-PG1');
    const report = await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json');
    expect(report.code).toBe(0);
    expect((JSON.parse(report.out) as { counters: { disbursed: number } }).counters.disbursed).toBe(750_000);
    const recon = await cli('reconcile', '--dir', gw, '--tahap', '2026-IV');
    expect([recon.code, (JSON.parse(recon.out) as { agree: boolean }).agree]).toEqual([0, true]);
    // Both replicas answer from the same database: the staff token created by the CLI works on each.
    const bearer = token.out.trim().split(/\s+/).at(-1)!;
    for (const r of replicas) {
      const res = await fetch(`${r.url}/v1/staff/agents?limit=10`, { headers: { authorization: `Bearer ${bearer}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('AGT-PG1');
    }
  });

  it('--store beats EDC_GATEWAY_STORE, which beats config.json', async () => {
    const other = withSchema(db.url, uniqueSchemaName('unmigrated'));
    process.env.EDC_GATEWAY_STORE = other;
    try {
      const viaEnv = await cli('agents', 'list', '--dir', gw);
      expect([viaEnv.code, viaEnv.err.includes('EDC_ERR_STORE_SCHEMA')]).toEqual([1, true]);
      const viaFlag = await cli('agents', 'list', '--dir', gw, '--store', storeUrl);
      expect([viaFlag.code, viaFlag.out.includes('AGT-PG1')]).toEqual([0, true]);
    } finally {
      delete process.env.EDC_GATEWAY_STORE;
    }
  });

  it('a URL without a user connects as the operating system user, as psql does (no $USER, no $PGUSER)', () => {
    const url = new URL(storeUrl);
    url.username = '';
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !['USER', 'PGUSER', 'LOGNAME'].includes(name)),
    );
    const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
    const run = spawnSync(process.execPath, [bin, 'migrate', '--store', url.toString()], { env, encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toContain('sudah terbaru / already current');
  });

  it('an unreachable server is EDC_ERR_STORE_UNREACHABLE (exit 1, password not shown), not INTERNAL', async () => {
    const down = 'postgres://edc:s3cret@127.0.0.1:1/test?schema=nowhere';
    for (const run of [
      await cli('migrate', '--store', down),
      await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json', '--store', down),
    ]) {
      expect(run.code).toBe(1);
      expect(run.err).toContain('EDC_ERR_STORE_UNREACHABLE');
      expect(run.err).not.toContain('s3cret');
    }
  });
});
