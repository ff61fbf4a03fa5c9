import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/crypto/index.ts';
import type { AgentCore } from '../../../agent/core/index.ts';
import { createAgentLogger } from '../../../agent/logger.ts';
import { LinkRegistry } from '../../../agent/link/registry.ts';
import { TcpTerminalServer } from '../../../agent/link/tcp-server.ts';
import { EdcTerminal, connectTcpTerminal, pinBlock, track2 } from '../../../simulators/terminal/index.ts';
import { makeFixture, openFixtureCore } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    done();
  },
});
const logger = createAgentLogger({ level: 'trace', destination: sink });
let fixture: Fixture;
let core: AgentCore;

beforeEach(async () => {
  lines.length = 0;
  fixture = await makeFixture();
  core = await openFixtureCore(fixture, logger);
  await core.installEntitlementSet(fixture.set);
});

afterEach(async () => {
  await core.close();
  await fixture.cleanup();
});

const nik = '3201234567890123';

describe('agent log redaction (read from the emitted lines)', () => {
  it('never writes PAN, NIK, PIN block or track 2, whether logged by key, by ISO field or inside a message', () => {
    const card = fixture.cards[0]!;
    const block = pinBlock(card, card.pin);
    lines.length = 0;
    logger.info({ pan: card.pan, nik, pinBlock: toHex(block), track2: track2(card) }, 'plain keys');
    logger.info(
      { request: { fields: { 2: card.pan, 35: track2(card), 52: toHex(block), 11: '000001' } } },
      'iso message',
    );
    logger.warn({ fields: { 2: card.pan } }, 'top-level fields');
    logger.error({ err: new Error(`card ${card.pan} of NIK ${nik} refused`) }, `failed for ${card.pan}`);
    const text = lines.join('\n');
    expect(lines.length).toBe(4);
    for (const secret of [card.pan, nik, toHex(block), track2(card)]) expect(text).not.toContain(secret);
    expect(text).toContain('000001');
    expect(text).toContain('[REDACTED]');
  });

  it('keeps card data out of every line written while serving withdrawals, declines and a broken request', async () => {
    const registry = new LinkRegistry(Date.now, 60_000);
    const server = new TcpTerminalServer(
      { host: '127.0.0.1', port: 0, terminalsMax: 2, idleTimeoutMs: 60_000, requestsQueuedMax: 4 },
      { handler: core, logger, registry },
    );
    const { port } = await server.listen();
    const terminal = new EdcTerminal({
      transport: await connectTcpTerminal('127.0.0.1', port),
      terminalId: 'TERM0001',
      merchantId: 'AGT-001        ',
      responseTimeoutMs: 5_000,
    });
    const card = fixture.cards[0]!;
    await terminal.withdraw(card, card.pin, 100_000);
    await terminal.withdraw(card, '999999', 100_000);
    terminal.transport.corruptNextFrame();
    await terminal.withdraw(card, card.pin, 100_000);
    await terminal.transport.close();
    await server.close();
    const text = lines.join('\n');
    expect(lines.some((line) => line.includes('request answered'))).toBe(true);
    for (const c of fixture.cards) expect(text).not.toContain(c.pan);
    expect(text).not.toContain(track2(card));
    expect(text).not.toContain(toHex(pinBlock(card, card.pin)));
  });
});
