import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCore } from '../../../agent/core/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { LinkRegistry } from '../../../agent/link/registry.ts';
import { SerialTerminalLink, serialLinkDefaults } from '../../../agent/link/serial-link.ts';
import { EdcTerminal, openSerialTerminal } from '../../../simulators/terminal/index.ts';
import type { EdcError } from '../../../protocol/errors.ts';
import { makeFixture, openFixtureCore } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

let fixture: Fixture;
let core: AgentCore;
let socat: ChildProcess | undefined;
let link: SerialTerminalLink;
let registry: LinkRegistry;
let agentPath: string;
let terminalPath: string;

/** A socat pseudo-terminal pair: the agent opens one end, the simulated terminal the other. */
async function startSocat(): Promise<void> {
  socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${agentPath}`, `pty,raw,echo=0,link=${terminalPath}`], {
    stdio: 'ignore',
  });
  await expect.poll(() => existsSync(agentPath) && existsSync(terminalPath), { timeout: 5_000 }).toBe(true);
}

async function stopSocat(): Promise<void> {
  const child = socat;
  socat = undefined;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

beforeEach(async () => {
  fixture = await makeFixture();
  agentPath = join(fixture.dir, 'agent-tty');
  terminalPath = join(fixture.dir, 'terminal-tty');
  core = await openFixtureCore(fixture);
  await core.installEntitlementSet(fixture.set);
  await startSocat();
  registry = new LinkRegistry(Date.now, 60_000);
  link = new SerialTerminalLink(
    { ...serialLinkDefaults, path: agentPath, reopenBaseMs: 50, reopenCapMs: 200, ackWaitMs: 300 },
    { handler: core, logger: silentLogger(), registry },
  );
  link.start();
  await expect.poll(() => registry.list()[0]?.state).toBe('connected');
});

afterEach(async () => {
  await link.close();
  await stopSocat();
  await core.close();
  await fixture.cleanup();
});

async function terminal(errors: EdcError[] = []): Promise<EdcTerminal> {
  const transport = await openSerialTerminal({
    path: terminalPath,
    ackWaitMs: 300,
    onLinkError: (e) => errors.push(e),
  });
  return new EdcTerminal({
    transport,
    terminalId: 'TERM0009',
    merchantId: 'AGT-001        ',
    responseTimeoutMs: 4_000,
  });
}

describe('serial terminal link over a socat pseudo-terminal pair', () => {
  it('answers sign-on and approves a withdrawal at 9600 8N1', async () => {
    const t = await terminal();
    const signOn = await t.signOn();
    expect(signOn.kind === 'response' && signOn.response.fields[39]).toBe('00');
    const card = fixture.cards[0]!;
    const exchange = await t.withdraw(card, card.pin, 750_000);
    expect(exchange.kind === 'response' && exchange.response.fields[39]).toBe('00');
    expect(await core.unacknowledged(10)).toHaveLength(1);
    expect(registry.list()[0]!.requests).toBe(2);
    await t.transport.close();
  });

  it('recovers from a corrupted frame by NAK and resend, counting the frame error', async () => {
    const t = await terminal();
    const card = fixture.cards[0]!;
    t.transport.corruptNextFrame();
    const exchange = await t.withdraw(card, card.pin, 100_000);
    expect(exchange.kind === 'response' && exchange.response.fields[39]).toBe('00');
    expect(registry.list()[0]!.frameErrors).toBeGreaterThanOrEqual(1);
    expect(await core.unacknowledged(10)).toHaveLength(1);
    await t.transport.close();
  });

  it('resends a response whose ACK was lost, and the withdrawal is in the ledger once', async () => {
    const t = await terminal();
    const card = fixture.cards[1]!;
    t.transport.loseNextAck();
    const exchange = await t.withdraw(card, card.pin, 100_000);
    expect(exchange.kind === 'response' && exchange.response.fields[39]).toBe('00');
    await t.echo();
    expect(await core.unacknowledged(10)).toHaveLength(1);
    await t.transport.close();
  });

  it('reopens the port after the line drops and serves again', async () => {
    await stopSocat();
    await expect.poll(() => registry.list()[0]?.state, { timeout: 5_000 }).toBe('reconnecting');
    await startSocat();
    await expect.poll(() => registry.list()[0]?.state, { timeout: 5_000 }).toBe('connected');
    const t = await terminal();
    const signOn = await t.signOn();
    expect(signOn.kind === 'response' && signOn.response.fields[39]).toBe('00');
    await t.transport.close();
  });
});
