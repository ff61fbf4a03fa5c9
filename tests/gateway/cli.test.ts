import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { loadGatewayDir } from '../../gateway/config.ts';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { levelDump } from './store/level-dump.ts';
import { generatePopulation, writeDisbursementFile } from '../../simulators/bank/index.ts';
import { generateSigningKeyPair } from '../../protocol/crypto/ed25519.ts';

let dir: string;
let gw: string;
let csv: string;
const population = generatePopulation({ seed: 7, size: 30, banks: ['BRI'] });

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: false,
    now: () => 1_800_000_000_000,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-gw-cli-'));
  gw = join(dir, 'gw');
  csv = join(dir, 'bri.csv');
  const out = createWriteStream(csv);
  await writeDisbursementFile(population, { bank: 'BRI', tahap: '2026-IV', seed: 3, failedRate: 0.1 }, out);
  out.end();
  await finished(out);
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('edc-gateway CLI', () => {
  it('init makes keys and config, prints the signing public key, and refuses to run twice', async () => {
    const first = await cli('init', '--dir', gw);
    expect(first.code).toBe(0);
    const { keys } = await loadGatewayDir(gw);
    expect(first.out).toContain(keys.signingPublicKey);
    const second = await cli('init', '--dir', gw);
    expect(second).toMatchObject({ code: 1 });
    expect(second.err).toContain('EDC_ERR_CONFIG_EXISTS');
  });

  it('answers --help on every command with exit 0', async () => {
    for (const argv of [
      ['init'],
      ['serve'],
      ['agents', 'add'],
      ['agents', 'list'],
      ['agents', 'revoke'],
      ['tokens', 'create'],
      ['import', 'disbursements'],
      ['import', 'bundle'],
      ['reconcile'],
      ['report'],
    ]) {
      const res = await cli(...argv, '--help');
      expect(res.code, argv.join(' ')).toBe(0);
      expect(res.out).toContain(`edc-gateway ${argv.join(' ')}`);
    }
  });

  it('answers --help, -h and help after a command with subcommands by listing every subcommand, exit 0', async () => {
    const groups = { agents: ['add', 'list', 'revoke'], tokens: ['create'], import: ['disbursements', 'bundle'] };
    for (const [group, subs] of Object.entries(groups)) {
      for (const flag of ['--help', '-h', 'help']) {
        const res = await cli(group, flag);
        expect(res, `${group} ${flag}`).toMatchObject({ code: 0, err: '' });
        for (const sub of subs) expect(res.out, `${group} ${flag}`).toContain(`edc-gateway ${group} ${sub}`);
      }
    }
    expect(await cli('agents')).toMatchObject({ code: 2 });
  });

  it(
    'exits 2 with EDC_ERR_CLI_USAGE on an unknown flag,' + ' a missing flag, a bad value or an unknown command',
    async () => {
      for (const argv of [
        ['init', '--dir', gw, '--bogus'],
        ['reconcile', '--dir', gw],
        ['report', '--dir', gw, '--tahap', '2026-IV', '--format', 'xml'],
        ['launch'],
      ]) {
        const res = await cli(...argv);
        expect(res.code, argv.join(' ')).toBe(2);
        expect(res.err).toContain('EDC_ERR_CLI_USAGE');
      }
    },
  );

  it('agents add enrols and allocates; a KPM allocated elsewhere is refused', async () => {
    const ids = population.map((k) => k.kpmId);
    const key = generateSigningKeyPair().publicKey;
    expect(
      (
        await cli(
          'agents',
          'add',
          '--dir',
          gw,
          '--id',
          'AGT-CLI',
          '--public-key',
          key,
          '--bank',
          'BRI',
          '--region',
          '3273',
          '--kpm',
          ids.slice(0, 20).join(','),
        )
      ).code,
    ).toBe(0);
    const clash = await cli(
      'agents',
      'add',
      '--dir',
      gw,
      '--id',
      'AGT-TWO',
      '--public-key',
      key,
      '--bank',
      'BRI',
      '--region',
      '3273',
      '--kpm',
      ids[0]!,
    );
    expect(clash.code).toBe(1);
    expect(clash.err).toContain('EDC_ERR_KPM_ALLOCATED');
    const list = await cli('agents', 'list', '--dir', gw);
    expect(
      list.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { agentId: string }).agentId),
    ).toEqual(['AGT-CLI']);
    expect(list.out).not.toContain('lookupKey');
  });

  it('import disbursements stores rows, writes rejects, and a re-import changes nothing', async () => {
    const withBad = join(dir, 'bri-bad.csv');
    const text = await readFile(csv, 'utf8');
    const lines = text.trimEnd().split('\n');
    await writeFile(withBad, text);
    await appendFile(withBad, lines[1]!.replace(/,[0-9]{10},/, ',12,') + '\n');
    const rejects = join(dir, 'rejects.csv');
    const first = await cli(
      'import',
      'disbursements',
      withBad,
      '--dir',
      gw,
      '--bank',
      'BRI',
      '--tahap',
      '2026-IV',
      '--rejects',
      rejects,
    );
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out);
    expect(summary).toMatchObject({ accepted: lines.length - 1, duplicates: 0, conflicts: 0 });
    expect(summary.rejected).toBeGreaterThanOrEqual(1);
    expect((await readFile(rejects, 'utf8')).split('\r\n')[0]).toBe('line,code,reason');
    const again = JSON.parse(
      (await cli('import', 'disbursements', withBad, '--dir', gw, '--bank', 'BRI', '--tahap', '2026-IV')).out,
    );
    expect(again).toMatchObject({ accepted: 0, duplicates: lines.length - 1 });
  });

  it('reconcile agrees and report balances', async () => {
    const rec = await cli('reconcile', '--dir', gw, '--tahap', '2026-IV');
    expect(rec.code).toBe(0);
    expect(JSON.parse(rec.out)).toMatchObject({ agree: true, kpm: population.length });
    const report = JSON.parse((await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json')).out);
    expect(report.balanced).toBe(true);
    expect(report.counters.kpm).toBe(population.length);
    const csvReport = await cli('report', '--dir', gw, '--tahap', '2026-IV', '--format', 'csv', '--bank', 'BRI');
    expect(csvReport.out).toContain('summary,balanced,true');
  });

  it('tokens create prints a token once and stores only its hash', async () => {
    const res = await cli('tokens', 'create', '--dir', gw, '--role', 'reconciler', '--name', 'ana');
    expect(res.code).toBe(0);
    const token = res.out.trim();
    expect(token).toMatch(/^edcst_[A-Za-z0-9_-]{43}$/);
    const all = [...(await levelDump(join(gw, 'store')))].map(([k, v]) => k + v).join('\n');
    expect(all).toContain('tokens.create'); // the dump reads the store the command wrote
    expect(all).not.toContain(token);
    const { keys, config } = await loadGatewayDir(gw);
    const store = await LevelStore.open({
      path: join(gw, 'store'),
      sealPublicKey: keys.sealPublicKey,
      sealSecretKey: keys.sealSecretKey,
      lookupKey: keys.lookupKey,
      tahapClosesAt: config.tahapClosesAt,
    });
    try {
      // While another process (here: this handle) holds the store, writing commands say so clearly.
      const locked = await cli('agents', 'revoke', '--dir', gw, '--id', 'AGT-CLI');
      expect(locked.code).toBe(1);
      expect(locked.err).toContain('EDC_ERR_STORE_LOCKED');
    } finally {
      await store.close();
    }
  });
});
