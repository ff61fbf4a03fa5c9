/**
 * `edc-gateway receipt verify`: a real agent core (LevelDB) approves withdrawals, its 0210s carry
 * the struk proofs; its bundle goes into a real gateway directory (LevelDB store) through the
 * CLI; each kind of struk is then told apart: genuine (on record or not yet received), forged,
 * altered, unknown, conflicting, malformed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCore } from '../../agent/core/index.ts';
import { runCli } from '../../gateway/cli/main.ts';
import type { CliIo } from '../../gateway/cli/io.ts';
import { generateSigningKeyPair, struk } from '../../protocol/index.ts';
import { withdrawal } from '../agent/core/fixtures.ts';
import { makeFixture, openFixtureCore, type Fixture } from '../agent/io/support/fixture.ts';

let dir: string;
let gw: string;
let fixture: Fixture;
let core: AgentCore;
const proofs: string[] = [];

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: false,
    now: () => Date.now(),
  };
  return { code: await runCli(argv, io), out, err };
}

async function approve(amount: number): Promise<string> {
  const answer = await core.handle(withdrawal(fixture.cards[0]!.pan, amount));
  expect(answer.fields[39]).toBe('00');
  return answer.fields[61]!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-receipt-'));
  gw = join(dir, 'gw');
  fixture = await makeFixture({ cards: 2 });
  core = await openFixtureCore(fixture, pino({ level: 'silent' }));
  await core.installEntitlementSet(fixture.set);
  proofs.push(await approve(150_000), await approve(200_000));
  const bundle = await core.exportBundle(1);
  await writeFile(join(dir, 'bundle.json'), JSON.stringify(bundle));
  proofs.push(await approve(50_000)); // signed, never uploaded
  expect((await cli('init', '--dir', gw)).code).toBe(0);
  const kpms = fixture.set.entitlements.map((e) => e.kpmId).join(',');
  const add = await cli(
    'agents',
    'add',
    '--dir',
    gw,
    '--id',
    fixture.agentId,
    '--public-key',
    fixture.agentKeys.publicKey,
    '--bank',
    'BRI',
    '--region',
    '3273',
    '--kpm',
    kpms,
  );
  expect(add.code, add.err).toBe(0);
  const imported = await cli('import', 'bundle', join(dir, 'bundle.json'), '--dir', gw);
  expect(imported.code, imported.err).toBe(0);
});

afterAll(async () => {
  await core?.close();
  await fixture?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const verify = (input: string, ...extra: string[]): ReturnType<typeof cli> =>
  cli('receipt', 'verify', input, '--dir', gw, ...extra);

function codeOf(proofText: string): string {
  const proof = struk.decodeStrukProof(proofText);
  return struk.strukCode(proof.agentId, proof.seq, proof.entryHash);
}

describe('edc-gateway receipt verify', () => {
  it('a struk code and a QR of an uploaded withdrawal are genuine, on record (exit 0)', async () => {
    const byCode = await verify(codeOf(proofs[1]!));
    expect(byCode.code, byCode.err).toBe(0);
    expect(byCode.out).toContain('ASLI, tercatat di gateway / GENUINE, on record');
    expect(byCode.out).toContain('Rp 200.000');
    const spoken = codeOf(proofs[0]!).toLowerCase().replace(/:/g, ' : ');
    expect((await verify(spoken)).code).toBe(0);
    const byQr = await verify(proofs[0]!, '--json');
    expect(JSON.parse(byQr.out)).toMatchObject({ verdict: 'genuine', onRecord: true, seq: 1, amount: 150_000 });
  });

  it('a QR signed by the agent but not uploaded yet is genuine, not received; its code is unknown', async () => {
    const byQr = await verify(proofs[2]!);
    expect(byQr.code).toBe(0);
    expect(byQr.out).toContain('belum diterima gateway / GENUINE (agent-signed), not received yet');
    const byCode = await verify(codeOf(proofs[2]!));
    expect(byCode.code).toBe(1);
    expect(byCode.err).toMatch(
      /^edc-gateway: EDC_ERR_RECEIPT_UNKNOWN: .*belum diterima gateway.* \/ .*has not reached/,
    );
  });

  it('tells forged, altered, unknown, conflicting and malformed apart, in both languages', async () => {
    const real = struk.decodeStrukProof(proofs[0]!);
    const bytes = Buffer.from(proofs[0]!.slice(5), 'base64url');
    bytes[38] = (bytes[38]! + 1) % 256; // the amount's last octet: Rp 150.000 becomes Rp 150.001
    const altered = 'EDC1.' + bytes.toString('base64url');
    const outsider = generateSigningKeyPair();
    const forged = struk.encodeStrukProof(
      { ...real, seq: 2, amount: 900_000, entryHash: 'ee'.repeat(32) },
      outsider.seed,
    );
    const conflict = struk.encodeStrukProof({ ...real, entryHash: 'dd'.repeat(32) }, fixture.agentKeys.seed);
    const wrongTag = codeOf(proofs[0]!).replace(/:(....)-/, ':ZZZZ-');
    const unknownAgent = struk.encodeStrukProof({ ...real, agentId: 'AGT-NOBODY' }, outsider.seed);
    const cases: Array<[string, string, RegExp]> = [
      [altered, 'EDC_ERR_RECEIPT_ALTERED', /diubah \(amount\) \/ .*changed fields \(amount\)/],
      [forged, 'EDC_ERR_RECEIPT_FORGED', /struk palsu \/ .*forged/],
      [wrongTag, 'EDC_ERR_RECEIPT_FORGED', /periksa kembali kode.*forged or misread/],
      [conflict, 'EDC_ERR_RECEIPT_CONFLICT', /\(fork\) \/ .*a fork/],
      [unknownAgent, 'EDC_ERR_RECEIPT_UNKNOWN', /tidak terdaftar \/ Agent AGT-NOBODY is not enrolled/],
      ['AGT-NOBODY:1:PA5B-AWX2', 'EDC_ERR_RECEIPT_UNKNOWN', /tidak terdaftar/],
      [`${fixture.agentId}:99:PA5B-AWX2`, 'EDC_ERR_RECEIPT_UNKNOWN', /belum diterima/],
      ['hello', 'EDC_ERR_RECEIPT_MALFORMED', /Bukan kode struk .* \/ Cannot read struk code/],
      ['EDC1.AAAA', 'EDC_ERR_RECEIPT_MALFORMED', /Bukan kode struk .* \/ Cannot decode struk proof/],
    ];
    for (const [input, code, message] of cases) {
      const result = await verify(input);
      expect(result.code, input.slice(0, 40)).toBe(1);
      expect(result.err.startsWith(`edc-gateway: ${code}: `), result.err).toBe(true);
      expect(result.err).toMatch(message);
      expect(result.err.split('\n').length).toBe(2);
    }
  });

  it('usage errors exit 2; --help shows the example', async () => {
    expect((await cli('receipt', 'check', 'x', '--dir', gw)).code).toBe(2);
    expect((await cli('receipt', 'verify', '--dir', gw)).code).toBe(2);
    const help = await cli('receipt', 'verify', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Contoh / Example: edc-gateway receipt verify AGT-BRI-0001:42:PA5B-AWX2 --dir gw');
    expect((await cli('receipt', '--help')).out).toContain('edc-gateway receipt verify CODE|QR-TEXT');
  });
});
