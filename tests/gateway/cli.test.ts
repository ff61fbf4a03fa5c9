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

  it('answers --help on every command with exit 0, Bahasa Indonesia first with English', async () => {
    for (const argv of [
      ['init'],
      ['public-key'],
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
      expect(res.out, argv.join(' ')).toContain('folder gateway / gateway directory');
      // The description: an Indonesian paragraph, then " / " and its English.
      const indonesian =
        /\n\n(Membuat|Mencetak|Menjalankan|Mendaftarkan|Satu|Mencabut|Mengimpor|Memasukkan|Menghitung) /;
      expect(res.out, argv.join(' ')).toMatch(indonesian);
      expect(res.out, argv.join(' ')).toMatch(/[.)]\s\/\s+[A-Z]/);
    }
    const top = await cli('--help');
    expect(top.out).toContain('Pemakaian / Usage: edc-gateway');
    expect(top.out).toContain('Setiap perintah menerima --help / every command accepts --help');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(await cli('--version')).toEqual({ code: 0, out: `edc-gateway ${version}\n`, err: '' });
  });

  it('prints every failure as one line: edc-gateway: EDC_ERR_X: Bahasa Indonesia / English', async () => {
    const cases: [string[], string, number][] = [
      [['launch'], 'EDC_ERR_CLI_USAGE: Perintah tidak dikenal: "launch" / Unknown command "launch"', 2],
      [['init', '--dir', gw, '--bogus'], 'EDC_ERR_CLI_USAGE: Opsi tidak dikenal / Unknown option', 2],
      [['reconcile', '--dir', gw], 'EDC_ERR_CLI_USAGE: Opsi --tahap wajib diisi / Missing --tahap', 2],
      [['serve', '--dir', gw, '--port', '70000'], 'EDC_ERR_CLI_USAGE: --port harus 0-65535 / --port: expected', 2],
      [['agents', 'list', '--dir', join(dir, 'nowhere')], 'EDC_ERR_CONFIG_INVALID: Folder gateway tidak ada', 1],
      [['init', '--dir', gw], 'EDC_ERR_CONFIG_EXISTS: Gateway sudah ada di', 1],
    ];
    for (const [argv, expected, code] of cases) {
      const res = await cli(...argv);
      expect(res.code, argv.join(' ')).toBe(code);
      expect(res.err.startsWith(`edc-gateway: ${expected}`), res.err).toBe(true);
      expect(res.err.split('\n')).toEqual([expect.any(String), '']);
      expect(res.err).toContain(' / ');
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
        ['report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json', '--region', '32010'],
        ['report', '--dir', gw, '--tahap', '2026-IV', '--format', 'json', '--region', '320'],
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

  it('agents add warns, Bahasa Indonesia first, about KPMs without a credited row, and still enrols', async () => {
    const creditedIds = (await readFile(csv, 'utf8'))
      .split('\n')
      .filter((l) => l.includes(',BERHASIL,'))
      .map((l) => l.split(',')[1]!);
    const credited = creditedIds.slice(20, 22);
    const unknown = Array.from({ length: 7 }, (_, i) => `KPM-99000000${String(i).padStart(2, '0')}`);
    const key = generateSigningKeyPair().publicKey;
    const add = (id: string, kpms: string[]) =>
      cli(
        'agents',
        'add',
        '--dir',
        gw,
        '--id',
        id,
        '--public-key',
        key,
        '--bank',
        'BRI',
        '--region',
        '3273',
        '--kpm',
        kpms.join(','),
      );
    const res = await add('AGT-WARN', [...credited, ...unknown]);
    expect(res.code, res.err).toBe(0);
    expect(res.err.indexOf('Peringatan')).toBe(0);
    expect(res.err).toContain('7 KPM');
    expect(res.err).toContain('2026-IV');
    for (const id of unknown.slice(0, 5)) expect(res.err).toContain(id);
    expect(res.err).not.toContain(unknown[5]!);
    expect(res.err).toContain('2 lainnya');
    expect(res.err).toContain('Warning: 7 KPM');
    const listed = (await cli('agents', 'list', '--dir', gw)).out;
    expect(listed).toContain('AGT-WARN');
    const quiet = await add('AGT-QUIET', creditedIds.slice(22, 24));
    expect(quiet).toMatchObject({ code: 0, err: '' });
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

  it('report and reconcile of a tahap with nothing imported or withdrawn: EDC_ERR_TAHAP_UNKNOWN, exit 1', async () => {
    for (const argv of [
      ['report', '--dir', gw, '--tahap', '2030-I', '--format', 'json'],
      ['report', '--dir', gw, '--tahap', '2030-I', '--format', 'csv'],
      ['reconcile', '--dir', gw, '--tahap', '2030-I'],
    ]) {
      const res = await cli(...argv);
      expect(res, argv.join(' ')).toMatchObject({ code: 1, out: '' });
      expect(res.err).toContain('EDC_ERR_TAHAP_UNKNOWN');
      expect(res.err).toContain('2026-IV');
    }
  });

  it('keys rotate-data-key adds the next data key, prints every key (never its bytes) and audits it', async () => {
    const before = await cli('keys', 'rotate-data-key', '--dir', gw);
    expect(before.code).toBe(0);
    const lines = before.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1)!;
    expect(last).toEqual({ keyId: lines.length, createdAt: expect.any(Number), sealing: true });
    expect(lines.slice(0, -1).every((l) => l.sealing === false)).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const again = await cli('keys', 'rotate-data-key', '--dir', gw);
    expect(again.out.trim().split('\n')).toHaveLength(lines.length + 1);
    const all = [...(await levelDump(join(gw, 'store')))].map(([k, v]) => k + v).join('\n');
    expect(all).toContain('keys.rotate-data-key');
    expect((await cli('keys', 'rotate', '--dir', gw)).code).toBe(2);
    const help = await cli('keys', 'rotate-data-key', '--help');
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('--store S')]);
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
      expect(locked.err).toContain('edc-gateway: EDC_ERR_STORE_LOCKED: Penyimpanan gateway sedang dipakai proses lain');
    } finally {
      await store.close();
    }
  });
});
