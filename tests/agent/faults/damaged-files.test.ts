/**
 * Damaged ledger files. Issue 10: truncating the last LevelDB log lost 1-15 approvals with
 * `ledger verify` still OK and the agent reusing sequence numbers; with flipped bytes verify
 * failed, yet `start` succeeded and approved; several failures came out as EDC_ERR_UNEXPECTED.
 * A ledger of approvals is built in two sessions (so it has a table file and a log), then each
 * damage is applied to a fresh copy and the real core opened on it. Each case must end one of
 * two ways, never EDC_ERR_UNEXPECTED and never a reused seq:
 *   refused  open fails with a coded error, or the core opens refusing (status ledger-damaged,
 *            a 0200 answered 96, nothing written);
 *   intact   the damage touched nothing the ledger holds: full verification passes, every
 *            approval heard is there, and a new approval takes the next seq.
 * A few cases also go through the CLI in child processes (status, ledger verify).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEdcError } from '../../../protocol/errors.ts';
import { openAgentCore, type AgentCore } from '../../../agent/core/index.ts';
import { headRecordFileName } from '../../../agent/core/store.ts';
import { agentId, agentKeys, cards, code, gatewayKeys, startMs, tempLedger, withdrawal } from '../core/fixtures.ts';
import type { TempLedger } from '../core/fixtures.ts';
import { audit, bigSet, keyOf, type Heard } from './support.ts';

const bin = resolve(import.meta.dirname, '../../../bin/edc-agent.mjs');
let ledger: TempLedger;
let pristine: string;
let pristineHead = 0;
const heard: Heard = new Map();

const open = (dir: string): Promise<AgentCore> =>
  openAgentCore({
    dir,
    agentId,
    seed: agentKeys.seed,
    gatewayPublicKey: gatewayKeys.publicKey,
    now: () => startMs,
    monotonicNow: () => 0,
  });

async function approve(core: AgentCore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const request = withdrawal(cards[i % cards.length]!.pan, 10_000, { 41: 'DAMAGE01' });
    const response = await core.handle(request);
    heard.set(
      keyOf({ terminalId: 'DAMAGE01', stan: request.fields[11]!, localDate: request.fields[13]! }),
      code(response)!,
    );
  }
}

beforeAll(async () => {
  ledger = await tempLedger();
  pristine = join(ledger.dir, 'pristine');
  let core = await open(pristine);
  await core.installEntitlementSet(bigSet());
  await approve(core, 40);
  await core.close();
  // A second session: LevelDB turns the first log into a table file on open.
  core = await open(pristine);
  await approve(core, 40);
  pristineHead = core.head().seq;
  await core.close();
  const config = {
    v: 1,
    agentId,
    gatewayUrl: 'http://127.0.0.1:9',
    gatewayPublicKey: gatewayKeys.publicKey,
    statusPort: 9,
    logLevel: 'silent',
  };
  await mkdir(join(ledger.dir, 'agent'));
  await writeFile(join(ledger.dir, 'agent', 'agent.json'), JSON.stringify(config));
  await writeFile(join(ledger.dir, 'agent', 'agent.key'), `${agentKeys.seed}\n`, { mode: 0o600 });
});
afterAll(async () => ledger.cleanup());

type Damage = (dir: string) => Promise<void>;

async function fileEnding(dir: string, suffix: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(suffix) || name.startsWith(suffix)).sort();
  expect(names.length, `a ${suffix} file in ${dir}`).toBeGreaterThan(0);
  return join(dir, names.at(-1)!);
}

function flip(suffix: string, fraction: number): Damage {
  return async (dir) => {
    const path = await fileEnding(dir, suffix);
    const bytes = await readFile(path);
    const at = Math.min(bytes.length - 1, Math.max(0, Math.floor(bytes.length * fraction)));
    bytes[at] = bytes[at]! ^ 0x5a;
    await writeFile(path, bytes);
  };
}

/**
 * A record whose bytes still pass LevelDB's checks but no longer hold what the agent wrote (a flipped
 * byte inside a key name of the JSON: seen as a TypeError once, by the random ".ldb byte flipped" cases).
 */
function rewriteMeta(key: string, value: unknown): Damage {
  return async (dir) => {
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    await db.put(`!meta!${key}`, JSON.stringify(value));
    await db.close();
  };
}

function cut(bytes: number | 'half'): Damage {
  return async (dir) => {
    const path = await fileEnding(dir, '.log');
    const size = (await stat(path)).size;
    await truncate(path, bytes === 'half' ? Math.floor(size / 2) : Math.max(0, size - bytes));
  };
}

const damages: ReadonlyArray<readonly [string, Damage]> = [
  ...([1, 64, 700, 3000, 'half'] as const).map((n) => [`last .log truncated by ${n} bytes`, cut(n)] as const),
  ...[0.1, 0.5, 0.9, 0.999].map((f) => [`.log byte flipped at ${f * 100}%`, flip('.log', f)] as const),
  ...[0.05, 0.3, 0.6, 0.9, 0.999].map((f) => [`.ldb byte flipped at ${f * 100}%`, flip('.ldb', f)] as const),
  ...[0.1, 0.5, 0.99].map((f) => [`MANIFEST byte flipped at ${f * 100}%`, flip('MANIFEST', f)] as const),
  ...[0.2, 0.8].map((f) => [`CURRENT byte flipped at ${f * 100}%`, flip('CURRENT', f)] as const),
  ['head record deleted', (dir) => unlink(join(dir, headRecordFileName))],
  ['identity record without its key', rewriteMeta('identity', { agentId, publicKez: agentKeys.publicKey })],
  ['identity record not an object', rewriteMeta('identity', 7)],
  ['head record byte flipped (newest slot)', flip(headRecordFileName, 0.01)],
];

type Outcome = { kind: 'refused'; code: string } | { kind: 'intact' };

async function openDamaged(name: string, damage: Damage): Promise<Outcome> {
  const dir = join(ledger.dir, 'copy');
  await rm(dir, { recursive: true, force: true });
  await cp(pristine, dir, { recursive: true });
  await damage(dir);
  let core: AgentCore;
  try {
    core = await open(dir);
  } catch (error) {
    expect(isEdcError(error), `${name}: ${String(error)}`).toBe(true);
    expect((error as { code: string }).code).not.toBe('EDC_ERR_UNEXPECTED');
    return { kind: 'refused', code: (error as { code: string }).code };
  }
  try {
    const { authorization } = await core.status();
    if (authorization.state === 'ledger-damaged') {
      const head = core.head().seq;
      const response = await core.handle(withdrawal(cards[0]!.pan, 10_000, { 41: 'DAMAGE02' }));
      expect([code(response), core.head().seq], name).toEqual(['96', head]);
      return { kind: 'refused', code: authorization.code ?? '?' };
    }
    expect(authorization.state, name).toBe('ok');
    expect((await core.verifyLedger()).problems, name).toEqual([]);
    expect(audit(await core.unacknowledged(100_000), heard), name).toMatchObject({ lost: 0, duplicated: 0 });
    const response = await core.handle(withdrawal(cards[1]!.pan, 10_000, { 41: 'DAMAGE03' }));
    expect([code(response), response.fields[37]], name).toEqual(['00', String(pristineHead + 1).padStart(12, '0')]);
    return { kind: 'intact' };
  } finally {
    await core.close();
  }
}

describe('damaged ledger files', () => {
  it('every damage: a coded refusal before any new approval, or an intact ledger; no seq reused', async () => {
    const lines: string[] = [];
    let refused = 0;
    for (const [name, damage] of damages) {
      const outcome = await openDamaged(name, damage);
      if (outcome.kind === 'refused') refused += 1;
      lines.push(`${name}: ${outcome.kind === 'refused' ? `refused (${outcome.code})` : 'intact, next seq approved'}`);
    }
    console.log(`damaged files (${pristineHead} entries, ${heard.size} approvals heard):\n  ${lines.join('\n  ')}`);
    console.log(
      `fault damaged files: runs ${damages.length}, kinds 7, refused ${refused}, intact ${damages.length - refused}, ` +
        'lost 0, duplicated 0, seqs reused 0, EDC_ERR_UNEXPECTED 0; terminals heard while refused: 96',
    );
    // A missing head record, and a log cut deeper than the newest round, must never pass as intact.
    // A cut within the newest round is completed from the batch its head record carries
    // (agent/core/head-batch.ts): "intact" above already proved no approval heard was lost.
    for (const line of lines.filter((l) => /truncated by (3000|half)|deleted/.test(l))) expect(line).toMatch(/refused/);
  }, 60_000);

  it.each([
    ['last .log truncated by half', cut('half')],
    ['MANIFEST byte flipped', flip('MANIFEST', 0.5)],
  ] as const)(
    'through the CLI (%s): status and ledger verify give coded answers, never EDC_ERR_UNEXPECTED',
    async (_, damage) => {
      const folder = join(ledger.dir, 'agent');
      const dir = join(folder, 'ledger');
      await rm(dir, { recursive: true, force: true });
      await cp(pristine, dir, { recursive: true });
      await damage(dir);
      const status = spawnSync(process.execPath, [bin, 'status', '--dir', folder, '--json'], { encoding: 'utf8' });
      const verify = spawnSync(process.execPath, [bin, 'ledger', 'verify', '--dir', folder], { encoding: 'utf8' });
      expect(`${status.stderr}${verify.stderr}`).not.toMatch(/EDC_ERR_UNEXPECTED/);
      expect(verify.status).toBe(1);
      if (status.status === 0) {
        const report = JSON.parse(status.stdout) as { authorization: { state: string }; summary: { id: string[] } };
        expect(report.authorization.state).toBe('ledger-damaged');
        expect(report.summary.id).toContain('PERHATIAN: Buku besar rusak - hubungi teknisi');
      } else {
        expect(status.stderr).toMatch(
          /^edc-agent: EDC_ERR_LEDGER_OPEN: Buku besar tidak bisa dibuka - hubungi teknisi/,
        );
      }
    },
    60_000,
  );
});
