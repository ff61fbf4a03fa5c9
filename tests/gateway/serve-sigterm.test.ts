/**
 * SIGTERM under load: a real `edc-gateway serve` child process on the LevelDB store takes signed
 * uploads from eight agents at once and is stopped with SIGTERM in the middle, twice, restarted on
 * the same folder each time. serve must exit 0 (in-flight uploads finished or refused, the store
 * closed and its lock released, so the restart opens it), every refusal an agent saw must be one
 * it retries (a coded 503, or a connection refused or reset), and afterwards every entry each agent
 * sent is stored exactly once, in order, with the counters holding every rupiah and reconcile
 * agreeing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../gateway/cli/main.ts';
import { openGateway } from '../../gateway/cli/open.ts';
import type { LevelStore } from '../../gateway/store/level/store.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import { expectStoredOnce, forwardAll, newTally, until } from './forward-support.ts';
import { enroll, issueSet, newAgent, panOf, row, withdrawal, type TestAgent } from './helpers.ts';

const bin = new URL('../../bin/edc-gateway.mjs', import.meta.url).pathname;
const agentsN = 8;
const kpmsPerAgent = 150;
const perUpload = 5;
const amount = 20_000;
let dir: string | undefined;

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Serve {
  readonly child: ChildProcess;
  readonly base: string;
}

function startServe(gw: string): Promise<Serve> {
  const child = spawn(process.execPath, [bin, 'serve', '--dir', gw, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise<Serve>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
      if (url !== undefined) resolve({ child, base: url });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function sigterm(serve: Serve): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
  serve.child.kill('SIGTERM');
  return exited;
}

async function setUp(gw: string): Promise<{ agent: TestAgent; entries: LedgerEntry[] }[]> {
  const io = { out: () => undefined, err: () => undefined, errIsTty: false, now: Date.now };
  expect(await runCli(['init', '--dir', gw], io)).toBe(0);
  const configPath = join(gw, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...config, logLevel: 'warn' }));
  const { gw: loaded, store: opened } = await openGateway(gw);
  const store = opened as LevelStore;
  const fleet = [];
  try {
    for (let a = 0; a < agentsN; a++) {
      const agent = newAgent(`AGT-ST${a}`);
      const kpmIds = Array.from({ length: kpmsPerAgent }, (_, i) => `KPM-ST${a}-${String(i).padStart(4, '0')}`);
      const rows = kpmIds.map((id) => row(id, amount));
      await store.applyDisbursements(rows, { fileSha256: String(a).repeat(64), now: 1 });
      await enroll(store, agent, kpmIds);
      const setId = await issueSet(store, agent, Date.now() + 3_600_000);
      const entries = kpmIds.map((kpmId) =>
        withdrawal(agent, loaded.keys, { kpmId, amount, pan: panOf(kpmId), setId }),
      );
      fleet.push({ agent, entries });
    }
  } finally {
    await store.close();
  }
  return fleet;
}

describe('edc-gateway serve stopped by SIGTERM under load', () => {
  it('exits 0 twice mid-upload, restarts on the same store, and stores every entry exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edc-gw-sigterm-'));
    const gw = join(dir, 'gw');
    const fleet = await setUp(gw);
    const total = agentsN * kpmsPerAgent;
    const tally = newTally();
    let serve = await startServe(gw);
    const target = { base: serve.base };
    const sending = Promise.all(fleet.map((f) => forwardAll(target, f.agent, f.entries, perUpload, tally)));
    const exits: (number | null)[] = [];
    for (const share of [0.25, 0.6]) {
      await until(() => tally.ok >= total * share, `${share * 100}% of the entries stored`, 60_000);
      exits.push(await sigterm(serve));
      serve = await startServe(gw);
      target.base = serve.base;
    }
    await sending;
    exits.push(await sigterm(serve));
    expect(exits).toEqual([0, 0, 0]);
    expect(tally.ok).toBe(total);
    // What an agent retries: the closing server's coded 503 or a refused or reset connection.
    const kinds = [...tally.refusals.keys()].filter(
      (k) => !/^503 EDC_ERR_|^connection (ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/.test(k),
    );
    expect(kinds).toEqual([]);
    await expectStoredOnce((await openGateway(gw)).store, fleet, total * amount);
  }, 180_000);
});
