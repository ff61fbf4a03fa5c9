import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, sms } from '../../../protocol/index.ts';
import { openAtPort, startModemProcess, waitFor, type AtPort, type ModemProcess } from '../../support/modem.ts';

let dir: string;
const opened: Array<AtPort | ModemProcess> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edc-modem-'));
});

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) {
    if ('client' in item) await item.close();
    else if (item.child.exitCode === null) await item.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function modems(extra: string[] = []): Promise<{ sim: ModemProcess; a: AtPort; b: AtPort }> {
  const sim = await startModemProcess(
    ['--modem', `+6281100000001=${join(dir, 'a')}`, '--modem', `+6281100000002=${join(dir, 'b')}`, ...extra],
    2,
  );
  opened.push(sim);
  const a = await openAtPort(join(dir, 'a'));
  const b = await openAtPort(join(dir, 'b'));
  opened.push(a, b);
  return { sim, a, b };
}

const keys = generateSigningKeyPair();
const checkpoint = sms.encodeCheckpoint(
  { agentId: 'AGT-BRI-0001', seq: 3, at: Date.now(), withdrawn: 900_000, reversed: 0, headHash: 'ab'.repeat(32) },
  keys.seed,
);

describe('edc-sim modem over socat pseudo-terminals', () => {
  it('carries a checkpoint SMS from one modem to the other: CMGS, +CMTI, CMGR, CMGD', async () => {
    const { sim, a, b } = await modems(['--delay', '10-50']);
    expect(await a.client.command('AT')).toMatchObject({ ok: true });
    expect(await a.client.command('ATE0')).toMatchObject({ ok: true });
    expect(await a.client.command('AT+CMGF=0')).toMatchObject({ ok: true });
    expect(await b.client.command('ATE0')).toMatchObject({ ok: true });
    expect(await b.client.command('AT+CMGF=0')).toMatchObject({ ok: true });
    expect(await b.client.command('AT+CNMI=2,1,0,0,0')).toMatchObject({ ok: true });
    const submit = sms.encodeSubmit({ to: '+6281100000002', data: checkpoint });
    const sent = await a.client.sendPdu(submit.pdu, submit.octets);
    expect(sent).toMatchObject({ ok: true });
    expect(sent.lines.some((line) => /^\+CMGS: [0-9]+$/.test(line))).toBe(true);
    const index = await waitFor(() => b.indications[0]);
    const read = await b.client.command(`AT+CMGR=${index}`);
    expect(read.ok).toBe(true);
    expect(read.lines[0]).toMatch(/^\+CMGR: 0,,160$/);
    const deliver = sms.decodeDeliver(read.lines[1]!);
    expect(deliver.from).toBe('+6281100000001');
    expect(sms.verifyCheckpoint(deliver.data, keys.publicKey)).toMatchObject({ agentId: 'AGT-BRI-0001', seq: 3 });
    expect((await b.client.command(`AT+CMGR=${index}`)).lines[0]).toMatch(/^\+CMGR: 1,,160$/);
    expect(await b.client.command(`AT+CMGD=${index}`)).toMatchObject({ ok: true });
    expect(await b.client.command(`AT+CMGR=${index}`)).toMatchObject({ ok: false, error: 'cms', cms: 321 });
    const { code, stats } = await sim.stop();
    expect(code).toBe(0);
    expect(stats).toMatchObject({ submitted: 1, delivered: 1, lost: 0 });
  });

  it('answers errors: ERROR for unknown or overlong lines, +CMS ERROR 302, 303, 304, 321', async () => {
    const { a } = await modems();
    await a.client.command('ATE0');
    expect(await a.client.command('AT+FOO')).toMatchObject({ ok: false, error: 'ERROR' });
    expect(await a.client.command(`AT${'X'.repeat(300)}`)).toMatchObject({ ok: false, error: 'ERROR' });
    const submit = sms.encodeSubmit({ to: '+6281100000002', data: checkpoint });
    expect(await a.client.command(`AT+CMGS=${submit.octets}`)).toMatchObject({ ok: false, cms: 302 });
    expect(await a.client.command('AT+CMGF=1')).toMatchObject({ ok: false, cms: 303 });
    expect(await a.client.command('AT+CMGF=0')).toMatchObject({ ok: true });
    expect(await a.client.sendPdu(submit.pdu, submit.octets + 1)).toMatchObject({ ok: false, cms: 304 });
    expect(await a.client.sendPdu('00ZZ', 1 + 7)).toMatchObject({ ok: false, cms: 304 });
    expect(await a.client.sendPdu(submit.pdu.replace(/0004(8C)/, '0000$1'), submit.octets)).toMatchObject({ cms: 304 });
    expect(await a.client.command('AT+CMGR=31')).toMatchObject({ ok: false, cms: 321 });
    expect(await a.client.command('AT+CMGD=1')).toMatchObject({ ok: false, cms: 321 });
    expect(await a.client.command('AT')).toMatchObject({ ok: true });
  });

  it('refuses sends while the network is down (+CMS ERROR 331) and under --send-error 1', async () => {
    const { a } = await modems(['--outage', '0-600000']);
    await a.client.command('AT+CMGF=0');
    const submit = sms.encodeSubmit({ to: '+6281100000002', data: checkpoint });
    expect(await a.client.sendPdu(submit.pdu, submit.octets)).toMatchObject({ ok: false, cms: 331 });
  });

  it('loses, duplicates and reorders by its seed, the same way each run', async () => {
    const run = async (): Promise<{ received: string[]; stats: Record<string, number> }> => {
      const { sim, a, b } = await modems([
        '--seed',
        '4',
        '--delay',
        '5-30',
        '--loss',
        '0.3',
        '--duplicate',
        '0.3',
        '--reorder',
        '0.3',
      ]);
      await a.client.command('AT+CMGF=0');
      await b.client.command('AT+CMGF=0');
      await b.client.command('AT+CNMI=2,1');
      for (let seq = 1; seq <= 12; seq += 1) {
        const data = sms.encodeCheckpoint(
          { agentId: 'AGT-BRI-0001', seq, at: 1, withdrawn: seq, reversed: 0, headHash: 'cd'.repeat(32) },
          keys.seed,
        );
        const submit = sms.encodeSubmit({ to: '+6281100000002', data });
        expect(await a.client.sendPdu(submit.pdu, submit.octets)).toMatchObject({ ok: true });
      }
      await new Promise((done) => setTimeout(done, 1_500));
      const received: string[] = [];
      for (const index of [...b.indications]) {
        const read = await b.client.command(`AT+CMGR=${index}`);
        received.push(String(sms.decodeCheckpoint(sms.decodeDeliver(read.lines[1]!).data).seq));
      }
      const { stats } = await sim.stop();
      await a.close();
      await b.close();
      return { received, stats };
    };
    const first = await run();
    expect(first.stats.lost).toBeGreaterThan(0);
    expect(first.stats.duplicated).toBeGreaterThan(0);
    expect(first.received.length).toBe(12 - first.stats.lost! + first.stats.duplicated!);
    const sorted = [...first.received].map(Number).sort((x, y) => x - y);
    expect(first.received.map(Number)).not.toEqual(sorted); // reordered
    const second = await run();
    expect(second.stats).toEqual(first.stats);
  });

  it('refuses bad flags with exit 2 and a coded line', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = join(import.meta.dirname, '../../../bin/edc-sim.mjs');
    for (const args of [[], ['--modem', 'nope'], ['--modem', '+62811=/tmp/x', '--loss', '2']]) {
      const result = spawnSync(process.execPath, [bin, 'modem', ...args], { encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^edc-sim: EDC_ERR_SIM_USAGE: /);
    }
  });
});
