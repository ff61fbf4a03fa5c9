/**
 * edc-sim monitor on serial taps: the terminal simulator and a real agent talk over real socat
 * pseudo-terminals through a software Y cable, with faults injected (a corrupted frame, a lost
 * ACK, garbage, a truncated frame). One monitor reads a tap per direction and records; another
 * reads the merged tap and guesses directions. Both must show every frame with its direction,
 * the ACK/NAK exchange, each fault as what it is, and no card data; the capture replayed must
 * give exactly the live output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';
import type { MonitorEvent } from '../../../simulators/monitor/index.ts';
import { EdcTerminal, openSerialTerminal } from '../../../simulators/terminal/index.ts';
import { startTestAgent, type TestAgent } from '../support/agent.ts';
import { openYCable, type YCable } from '../support/y-cable.ts';
import { expectNoCardData } from './redaction.ts';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasSocat) console.log('monitor serial test skipped: socat is not installed (.ci/run installs it)');

interface Running {
  out: string;
  err: string;
  stop: () => void;
  done: Promise<number>;
}

function monitor(argv: string[]): Running {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const running: Running = { out: '', err: '', stop: () => stop(), done: Promise.resolve(0) };
  const io: Io = { out: (t) => void (running.out += t), err: (t) => void (running.err += t), stopped: () => stopped };
  running.done = runSimCli(['monitor', ...argv], io);
  return running;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const events = (out: string): MonitorEvent[] =>
  out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MonitorEvent);
const frames = (list: MonitorEvent[]) => list.filter((e) => e.kind === 'frame');

let dir: string;
let cable: YCable;
let agent: TestAgent;

beforeAll(async () => {
  if (!hasSocat) return;
  dir = await mkdtemp(join(tmpdir(), 'edc-monitor-serial-'));
  cable = await openYCable(dir);
  agent = await startTestAgent({ serialPath: cable.agentPath });
});
afterAll(async () => {
  await agent?.close();
  await cable?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasSocat)('edc-sim monitor on serial taps (socat pseudo-terminals)', () => {
  it('shows frames, ACK/NAK, LRC and each fault by direction, hides card data, and replays identically', async () => {
    const capture = join(dir, 'serial.cap');
    const taps = monitor([
      '--tap-terminal',
      cable.taps.terminal,
      '--tap-agent',
      cable.taps.agent,
      '--json',
      '--record',
      capture,
    ]);
    const merged = monitor(['--serial', cable.taps.merged, '--json']);
    await until(() => taps.err.includes('monitor: reading') && merged.err.includes('monitor: reading'), 'the monitors');

    const transport = await openSerialTerminal({ path: cable.terminalPath });
    const terminal = new EdcTerminal({
      transport,
      terminalId: 'EDCMON01',
      merchantId: 'AGT-001        ',
      responseTimeoutMs: 8000,
    });
    const card = agent.cards[0]!;
    expect((await terminal.signOn()).kind).toBe('response');
    const first = await terminal.withdraw(card, card.pin, 100_000);
    transport.corruptNextFrame(); // fault 1: bad LRC, the agent NAKs and the terminal sends again
    const second = await terminal.withdraw(card, card.pin, 50_000);
    transport.loseNextAck(); // fault 2: the 0110 is not ACKed, the agent sends it again
    const balance = await terminal.balance(card, card.pin);
    cable.inject(Buffer.from('HELLO')); // fault 3: garbage between frames
    cable.inject(Uint8Array.of(0x02, 0x01, 0x17, 0x60, 0x00, 0x01)); // fault 4: a frame cut off
    await new Promise((r) => setTimeout(r, 3000)); // inter-byte timeout (1 s), the agent's resend (2 s)
    await transport.close();
    for (const exchange of [first, second, balance])
      expect(exchange.kind === 'response' && exchange.response.fields[39]).toBe('00');
    expect(await agent.approvals()).toBe(2);

    taps.stop();
    merged.stop();
    expect(await taps.done).toBe(0);
    expect(await merged.done).toBe(0);
    const live = events(taps.out);
    const expected = [
      'terminal>agent 0800',
      'agent>terminal 0810',
      'terminal>agent 0200',
      'agent>terminal 0210',
      'terminal>agent 0200', // sent again after the NAK: the first copy failed its LRC
      'agent>terminal 0210',
      'terminal>agent 0100',
      'agent>terminal 0110',
      'agent>terminal 0110', // sent again: its ACK was lost
    ];
    const mtis = frames(live).map((e) => `${e.dir} ${e.kind === 'frame' && e.message.mti}`);
    // Two tap devices are read apart: a quick answer may arrive at the monitor before its request
    // did (the times show it), so each direction is compared in its own order.
    const direction = (list: string[], dir: string) => list.filter((line) => line.startsWith(dir));
    for (const dir of ['terminal>agent', 'agent>terminal'])
      expect(direction(mtis, dir)).toEqual(direction(expected, dir));
    expect(frames(live).every((e) => e.kind === 'frame' && /^[0-9A-F]{2}$/.test(e.lrc ?? ''))).toBe(true);
    const errors = live.filter((e) => e.kind === 'error').map((e) => e.kind === 'error' && `${e.dir} ${e.code}`);
    expect(errors).toEqual([
      'terminal>agent EDC_ERR_FRAME_LRC',
      'terminal>agent EDC_ERR_FRAME_GARBAGE',
      'terminal>agent EDC_ERR_FRAME_TIMEOUT',
      'terminal>agent EDC_ERR_FRAME_GARBAGE', // the cut frame's bytes after its STX, re-examined (Part 1 §3)
    ]);
    const controls = live
      .filter((e) => e.kind === 'control')
      .map((e) => e.kind === 'control' && `${e.dir} ${e.control}`);
    expect(controls.filter((c) => c === 'agent>terminal NAK').length).toBeGreaterThanOrEqual(2); // LRC, cut frame
    expect(controls.filter((c) => c === 'agent>terminal ACK')).toHaveLength(4);
    expect(controls.filter((c) => c === 'terminal>agent ACK')).toHaveLength(4); // one 0110 not ACKed

    // The merged tap sees the same frames and guesses the same directions.
    // One merged device keeps the wire's order.
    const guessed = frames(events(merged.out)).map((e) => `${e.dir} ${e.kind === 'frame' && e.message.mti}`);
    expect(guessed).toEqual(expected);
    const guessedControls = events(merged.out)
      .filter((e) => e.kind === 'control')
      .map((e) => e.kind === 'control' && `${e.dir} ${e.control}`);
    expect(guessedControls.filter((c) => c === 'terminal>agent ACK')).toHaveLength(4);
    // The NAK for the damaged frame cannot be attributed: the damaged frame's sender is unknown.
    expect(guessedControls).toContain('unknown NAK');
    expect(guessedControls).not.toContain('terminal>agent NAK');

    const withdrawal = frames(live)[2]!;
    expect(withdrawal.kind === 'frame' && withdrawal.message.fields).toMatchObject({
      2: {
        name: 'primary account number',
        value: `${card.pan.slice(0, 6)}${'*'.repeat(card.pan.length - 10)}${card.pan.slice(-4)}`,
      },
      4: { name: 'amount, transaction (rupiah)', value: 100_000 },
      35: { name: 'track 2 equivalent data', value: '[hidden]' },
      52: { name: 'PIN block', value: '[hidden]' },
    });
    expectNoCardData(taps.out + merged.out + taps.err, agent.cards, [card.pin]);

    const replay = monitor(['--read', capture, '--json']);
    expect(await replay.done).toBe(0);
    expect(replay.out).toBe(taps.out);
    const text = monitor(['--read', capture]);
    expect(await text.done).toBe(0);
    expect(text.out).toMatch(/T>A {6}frame [0-9]+ B, LRC [0-9A-F]{2} ok: 0200 cash withdrawal\n/);
    expect(text.out).toMatch(/^ +35 track 2 equivalent data +\[hidden\]$/m);
    expect(text.out).toMatch(/A>T {6}NAK\n/);
    expectNoCardData(text.out, agent.cards, [card.pin]);
    expect((await readFile(capture, 'utf8')).split('\n')[0]).toMatch(
      /^\{"v":1,"kind":"edc-monitor-capture","link":"serial"/,
    );
  });
});
