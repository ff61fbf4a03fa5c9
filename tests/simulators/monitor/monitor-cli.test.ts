/**
 * edc-sim monitor's inputs: flags, capture files and sources that cannot be opened each get a
 * coded error and a non-zero exit; what a payload shows when it decodes, when it decodes in part,
 * and when it is not ISO 8583 at all (protocol vectors); a capture cut off without its end.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSimCli } from '../../../simulators/cli.ts';
import { describePayload } from '../../../simulators/monitor/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-monitor-cli-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function sim(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    stopped: () => Promise.resolve(),
  };
  const status = await runSimCli(argv, io);
  return { status, out, err };
}

const vectors = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../protocol/vectors/iso8583.json'), 'utf8'),
) as { valid: { name: string; hex: string }[] };
const withdrawalHex = vectors.valid.find((v) => v.name.startsWith('0200 cash withdrawal Rp 750.000'))!.hex;
const header = { v: 1, kind: 'edc-monitor-capture', link: 'tcp', startedAt: 1_700_000_000_000, payloadBytesMax: 2048 };
const lines = (...records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('edc-sim monitor refuses bad input with a code', () => {
  it.each([
    [[]],
    [['--listen', '127.0.0.1:0']],
    [['--serial', '/dev/null', '--tap-agent', '/dev/null']],
    [['--read', 'x.cap', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1']],
    [['--read', 'x.cap', '--record', 'y.cap']],
    [['--tap-terminal', '/dev/null', '--baud', '9601']],
    [['--listen', 'nowhere', '--target', '127.0.0.1:1']],
  ])('%j: one EDC_ERR_SIM_USAGE line, exit 2', async (argv) => {
    const result = await sim('monitor', ...argv);
    expect(result.status).toBe(2);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_USAGE: [^\n]+\n$/);
  });

  it('--help exits 0 and names every source', async () => {
    const result = await sim('monitor', '--help');
    expect(result.status).toBe(0);
    for (const flag of [
      '--listen',
      '--target',
      '--tap-terminal',
      '--tap-agent',
      '--serial',
      '--read',
      '--record',
      '--json',
    ])
      expect(result.out).toContain(flag);
  });

  it.each([
    ['not JSON', 'garbage\n', /line 1: expected one JSON object per line/],
    ['no header', lines({ t: 1, dir: 'merged', hex: '06' }), /line 1: v: /],
    [
      'odd hex',
      lines(header, { t: 1, conn: 1, dir: 'terminal>agent', hex: '0' }),
      /line 2: hex: expected lower-case hex/,
    ],
    ['unknown key', lines(header, { t: 1, conn: 1, dir: 'terminal>agent', hex: '00', pan: 'x' }), /line 2: /],
    ['a line over the limit', JSON.stringify(header) + '\n' + 'x'.repeat(70_000), /line 2: expected at most/],
    ['empty', '', /line 1: expected the capture header/],
  ])('a capture with %s: EDC_ERR_SIM_CAPTURE naming the line, exit 1', async (_what, content, problem) => {
    const path = join(dir, 'bad.cap');
    await writeFile(path, content);
    const result = await sim('monitor', '--read', path);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_CAPTURE: Cannot read the capture /);
    expect(result.err).toMatch(problem);
  });

  it('a tap device that does not exist, a busy listen port, an existing --record file: coded, exit 1', async () => {
    const tap = await sim('monitor', '--tap-terminal', join(dir, 'no-such-tty'));
    expect(tap.status).toBe(1);
    expect(tap.err).toMatch(/^edc-sim: EDC_ERR_SIM_MONITOR_SOURCE: Cannot open the tap /);
    const busy = net.createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as net.AddressInfo).port;
    const listen = await sim('monitor', '--listen', `127.0.0.1:${port}`, '--target', '127.0.0.1:1');
    busy.close();
    expect(listen.status).toBe(1);
    expect(listen.err).toMatch(/^edc-sim: EDC_ERR_SIM_MONITOR_SOURCE: Cannot listen on 127\.0\.0\.1:/);
    const existing = join(dir, 'kept.cap');
    await writeFile(existing, 'keep');
    const record = await sim('monitor', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--record', existing);
    expect(record.status).toBe(1);
    expect(record.err).toMatch(/^edc-sim: EDC_ERR_SIM_OUTPUT: Cannot record to /);
    expect(await readFile(existing, 'utf8')).toBe('keep');
  });
});

describe('what the monitor shows of a payload', () => {
  it('a 0200 that decodes: every field by name, the PAN masked, 35 and 52 never shown', () => {
    const shown = describePayload(Buffer.from(withdrawalHex, 'hex'));
    expect(shown.mti).toBe('0200');
    expect(shown.mtiName).toBe('cash withdrawal');
    expect(shown.decodeError).toBeUndefined();
    expect(shown.fields['2']).toEqual({
      name: 'primary account number',
      value: '601301******7898',
      text: '601301******7898',
    });
    expect(shown.fields['4']?.text).toBe('750000 (Rp 750.000)');
    expect(shown.fields['35']?.value).toBe('[hidden]');
    expect(shown.fields['55']?.text).toBe('82=3900 9F34=040302 (PIN by the card: verified)');
    expect(JSON.stringify(shown)).not.toContain('6013011234567898');
  });

  it('a 0200 cut short: the fields read before the fault, with the decode error', () => {
    const shown = describePayload(Buffer.from(withdrawalHex, 'hex').subarray(0, 41));
    expect(shown.mti).toBe('0200');
    expect(shown.decodeError?.code).toBe('EDC_ERR_ISO_TRUNCATED');
    expect(Object.keys(shown.fields)).toEqual(['2', '3', '4', '11', '12', '13']);
    expect(shown.fields['2']?.value).toBe('601301******7898');
  });

  it('bytes that are not ISO 8583: no fields, the decode error', () => {
    const shown = describePayload(Buffer.from('HELLO WORLD'));
    expect(shown).toEqual({ fields: {}, decodeError: { code: 'EDC_ERR_ISO_TPDU', detail: expect.any(String) } });
  });

  it('a capture cut off before its end record ends at its last record: a frame still open is truncated', async () => {
    const path = join(dir, 'cut.cap');
    const half = withdrawalHex.slice(0, 100);
    const length = (withdrawalHex.length / 2).toString(16).padStart(4, '0');
    await writeFile(
      path,
      lines(
        header,
        { t: 1_700_000_000_100, conn: 1, event: 'open', detail: 'terminal' },
        {
          t: 1_700_000_000_200,
          conn: 1,
          dir: 'terminal>agent',
          hex: length + half,
        },
      ),
    );
    const result = await sim('monitor', '--read', path, '--json');
    expect(result.status).toBe(0);
    const events = result.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; code?: string; t: number });
    expect(events.map((e) => e.code ?? e.kind)).toEqual(['open', 'EDC_ERR_FRAME_TRUNCATED']);
    expect(events[1]!.t).toBe(1_700_000_000_200);
    expect(result.err).toMatch(/frame errors: EDC_ERR_FRAME_TRUNCATED 1/);
  });
});
