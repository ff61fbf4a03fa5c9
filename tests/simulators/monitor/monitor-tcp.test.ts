/**
 * edc-sim monitor as a TCP proxy, run as a real child process (bin/edc-sim.mjs) between the
 * terminal simulator and a real agent, stopped with SIGINT. Traffic: sign-on, approved and
 * declined withdrawals, a frame corrupted by the terminal, and raw connections sending what a
 * broken terminal might (a zero length prefix, an oversize one, a frame cut off). The monitor
 * must relay all of it unchanged (the agent answers as it would directly), show each frame and
 * fault with its connection and direction, hide card data, and replay its capture identically.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimCli } from '../../../simulators/cli.ts';
import type { MonitorEvent } from '../../../simulators/monitor/index.ts';
import { connectTcpTerminal, EdcTerminal } from '../../../simulators/terminal/index.ts';
import { startTestAgent, type TestAgent } from '../support/agent.ts';
import { expectNoCardData } from './redaction.ts';

const repo = resolve(import.meta.dirname, '../../..');
let dir: string;
let agent: TestAgent;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-monitor-tcp-'));
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a connection, writes the bytes, waits for the peer to close it or for `waitMs`. */
async function raw(port: number, bytes: Uint8Array, waitMs: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((done) => socket.once('connect', done));
  socket.on('error', () => undefined);
  socket.write(bytes);
  await Promise.race([new Promise((done) => socket.once('close', done)), new Promise((r) => setTimeout(r, waitMs))]);
  socket.destroy();
}

async function replay(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    stopped: () => Promise.resolve(),
  };
  const status = await runSimCli(['monitor', ...argv], io);
  return { status, out, err };
}

describe('edc-sim monitor as a TCP proxy (child process)', () => {
  it('relays, decodes and names every frame and fault per connection, and replays its capture', async () => {
    const capture = join(dir, 'tcp.cap');
    const args = [
      'monitor',
      '--listen',
      '127.0.0.1:0',
      '--target',
      `127.0.0.1:${agent.port}`,
      '--json',
      '--record',
      capture,
    ];
    const child = spawn(process.execPath, [join(repo, 'bin/edc-sim.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    for (let waited = 0; !/listening on 127\.0\.0\.1:[0-9]+/.test(err); waited += 20) {
      if (waited > 30_000) throw new Error(`monitor did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = Number(/listening on 127\.0\.0\.1:([0-9]+)/.exec(err)![1]);

    const transport = await connectTcpTerminal('127.0.0.1', port);
    const terminal = new EdcTerminal({
      transport,
      terminalId: 'EDCMON02',
      merchantId: 'AGT-001        ',
      responseTimeoutMs: 5000,
    });
    const card = agent.cards[1]!;
    const answers: string[] = [];
    const code = (e: Awaited<ReturnType<EdcTerminal['withdraw']>>): string =>
      e.kind === 'response' ? (e.response.fields[39] ?? '-') : 'timeout';
    answers.push(code(await terminal.signOn()));
    answers.push(code(await terminal.withdraw(card, card.pin, 200_000)));
    answers.push(code(await terminal.withdraw(card, card.pin, 900_000))); // more than is left: 51
    transport.corruptNextFrame(); // the 9F34 result byte is flipped: the agent answers 30
    answers.push(code(await terminal.withdraw(card, card.pin, 10_000)));
    await transport.close();
    expect(answers).toEqual(['00', '00', '51', '30']);
    await raw(port, Uint8Array.of(0x00, 0x00), 2000); // zero length: the agent closes the connection
    await raw(port, Uint8Array.of(0xff, 0xff, 0x60), 2000); // over payloadBytesMax
    await raw(port, Uint8Array.of(0x00, 0x40, 0x60, 0x00, 0x01), 300); // cut off: the terminal hangs up
    expect(await agent.approvals()).toBe(1);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/monitor: 8 frame\(s\) \(terminal>agent 4, agent>terminal 4\);.*connections 4/);
    expect((await stat(capture)).mode & 0o777).toBe(0o600);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as MonitorEvent);
    // Connections overlap in time (a close is reported once both sockets closed): compare each one's own sequence.
    const byConnection = new Map<number, string[]>();
    for (const e of events) {
      const line =
        e.kind === 'frame'
          ? `${e.dir} ${e.message.mti}${e.message.fields['39'] ? ` ${String(e.message.fields['39'].value)}` : ''}`
          : e.kind === 'error'
            ? `${e.dir} ${e.code}`
            : e.kind;
      byConnection.set(e.conn!, [...(byConnection.get(e.conn!) ?? []), line]);
    }
    expect(Object.fromEntries(byConnection)).toEqual({
      1: [
        'open',
        'terminal>agent 0800',
        'agent>terminal 0810 00',
        'terminal>agent 0200',
        'agent>terminal 0210 00',
        'terminal>agent 0200',
        'agent>terminal 0210 51',
        'terminal>agent 0200',
        'agent>terminal 0210 30',
        'close',
      ],
      2: ['open', 'terminal>agent EDC_ERR_FRAME_LEN_ZERO', 'close'],
      // The oversize payload is being skipped by count when the line drops.
      3: ['open', 'terminal>agent EDC_ERR_FRAME_TOO_LARGE', 'terminal>agent EDC_ERR_FRAME_TRUNCATED', 'close'],
      4: ['open', 'terminal>agent EDC_ERR_FRAME_TRUNCATED', 'close'],
    });
    const declined = events.filter((e) => e.kind === 'frame')[5]!;
    expect(declined.kind === 'frame' && declined.message.fields['54']?.value).toEqual([
      { accountType: '00', amountType: '02', currency: '360', amount: 550_000 },
    ]);
    const corrupted = events.filter((e) => e.kind === 'frame')[6]!;
    expect(corrupted.kind === 'frame' && corrupted.message.fields['55']?.value).toMatchObject({
      pinResult: expect.stringMatching(/^unreadable 9F34/),
    });
    expectNoCardData(out + err, agent.cards, [card.pin]);

    const again = await replay('--read', capture, '--json');
    expect(again.status).toBe(0);
    expect(again.out).toBe(out);
    const text = await replay('--read', capture);
    expect(text.out).toMatch(/T>A #1 +frame [0-9]+ B: 0200 cash withdrawal\n/);
    expect(text.out).toMatch(/A>T #1 +frame [0-9]+ B: 0210 cash withdrawal response, 51 Saldo tidak mencukupi/);
    expect(text.out).toMatch(/^ +54 additional amounts +available Rp 550\.000$/m);
    expectNoCardData(text.out, agent.cards, [card.pin]);
  });
});
