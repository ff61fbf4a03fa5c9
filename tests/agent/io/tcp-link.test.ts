import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode, decode } from '../../../protocol/iso8583/index.ts';
import type { AgentCore } from '../../../agent/core/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { LinkRegistry } from '../../../agent/link/registry.ts';
import { TcpTerminalServer } from '../../../agent/link/tcp-server.ts';
import { EdcTerminal, connectTcpTerminal, formatReceipt } from '../../../simulators/terminal/index.ts';
import { makeFixture, openFixtureCore } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

let fixture: Fixture;
let core: AgentCore;
let server: TcpTerminalServer;
let registry: LinkRegistry;
let port: number;

beforeEach(async () => {
  fixture = await makeFixture();
  core = await openFixtureCore(fixture);
  await core.installEntitlementSet(fixture.set);
  registry = new LinkRegistry(Date.now, 60_000);
  server = new TcpTerminalServer(
    { host: '127.0.0.1', port: 0, terminalsMax: 4, idleTimeoutMs: 60_000, requestsQueuedMax: 8 },
    { handler: core, logger: silentLogger(), registry },
  );
  port = (await server.listen()).port;
});

afterEach(async () => {
  await server.close();
  await core.close();
  await fixture.cleanup();
});

async function terminal(id = 'TERM0001'): Promise<EdcTerminal> {
  return new EdcTerminal({
    transport: await connectTcpTerminal('127.0.0.1', port),
    terminalId: id,
    merchantId: 'AGT-001        ',
    responseTimeoutMs: 5_000,
  });
}

describe('TCP terminal link', () => {
  it(
    'answers sign-on, approves a withdrawal with a Bahasa Indonesia receipt,' + ' and the ledger holds it once',
    async () => {
      const t = await terminal();
      const signOn = await t.signOn();
      expect(signOn.kind === 'response' && signOn.response.fields[39]).toBe('00');
      const card = fixture.cards[0]!;
      const exchange = await t.withdraw(card, card.pin, 750_000);
      expect(exchange.kind).toBe('response');
      if (exchange.kind !== 'response') return;
      expect(exchange.response.fields[39]).toBe('00');
      const receipt = formatReceipt({
        kind: 'withdrawal',
        response: exchange.response,
        pan: card.pan,
        at: Date.now(),
        utcOffsetMinutes: 420,
      });
      expect(receipt).toContain('STRUK TARIK TUNAI');
      expect(receipt).toMatch(/^Jumlah +: Rp 750\.000$/m);
      expect(receipt).toContain('DISETUJUI');
      expect(receipt).toContain('Terima kasih');
      expect(receipt).not.toContain(card.pan);
      const entries = await core.unacknowledged(10);
      expect(entries.map((e) => [e.kind, e.amount, e.stan])).toEqual([
        ['withdrawal', 750_000, exchange.request.fields[11]],
      ]);
      await t.transport.close();
    },
  );

  it('declines a wrong PIN with 55, and the ledger stays empty', async () => {
    const t = await terminal();
    const card = fixture.cards[1]!;
    const exchange = await t.withdraw(card, '000000', 100_000);
    expect(exchange.kind === 'response' && exchange.response.fields[39]).toBe('55');
    expect(await core.unacknowledged(10)).toHaveLength(0);
    await t.transport.close();
  });

  it('answers a payload whose field 55 is corrupted with a decline and keeps the connection', async () => {
    const t = await terminal();
    const card = fixture.cards[0]!;
    t.transport.corruptNextFrame();
    const bad = await t.withdraw(card, card.pin, 100_000);
    expect(bad.kind).toBe('response');
    if (bad.kind === 'response') expect(bad.response.fields[39]).not.toBe('00');
    const good = await t.withdraw(card, card.pin, 100_000);
    expect(good.kind === 'response' && good.response.fields[39]).toBe('00');
    expect(await core.unacknowledged(10)).toHaveLength(1);
    await t.transport.close();
  });

  it('answers an undecodable request with ISO 30 addressed to the STAN it could read', async () => {
    const t = await terminal();
    const card = fixture.cards[0]!;
    const sent = encode({
      tpdu: { destination: 1, source: 0 },
      mti: '0200',
      fields: {
        2: card.pan,
        3: '010000',
        4: 100_000,
        11: '000777',
        12: '101010',
        13: '1122',
        22: '051',
        25: '00',
        41: 'TERM0001',
        42: 'AGT-001        ',
      },
    });
    // Append an unannounced trailing byte: decode refuses it (EDC_ERR_ISO_TRAILING), the header still reads.
    const broken = Uint8Array.from([...sent, 0x99]);
    const answers: Uint8Array[] = [];
    t.transport.onPayload((payload) => answers.push(payload));
    await t.transport.send(broken);
    await expect.poll(() => answers.length).toBe(1);
    const response = decode(answers[0]!);
    expect([response.mti, response.fields[11], response.fields[39]]).toEqual(['0210', '000777', '30']);
    expect(await core.unacknowledged(10)).toHaveLength(0);
    await t.transport.close();
  });

  it(
    'sends nothing for a request whose TPDU id is not 60' + ' and keeps the connection open for the next request',
    async () => {
      const t = await terminal();
      const answers: Uint8Array[] = [];
      t.transport.onPayload((payload) => answers.push(payload));
      const bad = encode({
        tpdu: { destination: 1, source: 0 },
        mti: '0800',
        fields: { 7: '1122143210', 11: '000901', 41: 'TERM0001', 70: '301' },
      });
      bad[0] = 0x61;
      await t.transport.send(bad);
      await t.transport.send(
        encode({
          tpdu: { destination: 1, source: 0 },
          mti: '0800',
          fields: { 7: '1122143211', 11: '000902', 41: 'TERM0001', 70: '301' },
        }),
      );
      await expect.poll(() => answers.length).toBe(1);
      expect([decode(answers[0]!).fields[11], decode(answers[0]!).fields[39]]).toEqual(['000902', '00']);
      await t.transport.close();
    },
  );

  it('serves several terminals at once and reports each connection and its terminal id in the registry', async () => {
    const terminals = await Promise.all(['TERM0001', 'TERM0002', 'TERM0003'].map((id) => terminal(id)));
    const results = await Promise.all(
      terminals.map((t, i) => t.withdraw(fixture.cards[i]!, fixture.cards[i]!.pin, 50_000)),
    );
    expect(results.map((r) => r.kind === 'response' && r.response.fields[39])).toEqual(['00', '00', '00']);
    const connected = registry.list().filter((l) => l.kind === 'tcp' && l.state === 'connected');
    expect(connected.map((l) => l.terminalId).sort()).toEqual(['TERM0001', 'TERM0002', 'TERM0003']);
    await Promise.all(terminals.map((t) => t.transport.close()));
  });

  it('a retransmitted withdrawal after power loss gets the original answer and no second entry', async () => {
    const t1 = await terminal();
    const card = fixture.cards[2]!;
    const first = await t1.withdraw(card, card.pin, 200_000);
    t1.transport.powerLoss();
    const t2 = await terminal();
    if (first.kind !== 'response') throw new Error('no response');
    const again = await t2.exchange(first.request);
    expect(again.kind === 'response' && again.response.fields[37]).toBe(first.response.fields[37]);
    expect(await core.unacknowledged(10)).toHaveLength(1);
    await t2.transport.close();
  });

  it('closes a terminal connection that stays idle past idleTimeoutMs and records EDC_ERR_LINK_IDLE', async () => {
    const idleRegistry = new LinkRegistry(Date.now, 60_000);
    const idle = new TcpTerminalServer(
      { host: '127.0.0.1', port: 0, terminalsMax: 2, idleTimeoutMs: 100, requestsQueuedMax: 2 },
      { handler: core, logger: silentLogger(), registry: idleRegistry },
    );
    const { port: idlePort } = await idle.listen();
    const transport = await connectTcpTerminal('127.0.0.1', idlePort);
    await expect.poll(() => idleRegistry.list().find((l) => l.kind === 'tcp')?.state).toBe('closed');
    expect(idleRegistry.list().find((l) => l.kind === 'tcp')?.lastError?.code).toBe('EDC_ERR_LINK_IDLE');
    await transport.close();
    await idle.close();
  });

  it('refuses connections beyond terminalsMax and keeps serving the first', async () => {
    const small = new TcpTerminalServer(
      { host: '127.0.0.1', port: 0, terminalsMax: 1, idleTimeoutMs: 60_000, requestsQueuedMax: 2 },
      { handler: core, logger: silentLogger(), registry: new LinkRegistry(Date.now, 60_000) },
    );
    const { port: smallPort } = await small.listen();
    const first = new EdcTerminal({
      transport: await connectTcpTerminal('127.0.0.1', smallPort),
      terminalId: 'TERM0001',
      merchantId: 'AGT-001        ',
      responseTimeoutMs: 5_000,
    });
    expect((await first.signOn()).kind).toBe('response');
    const second = await connectTcpTerminal('127.0.0.1', smallPort);
    let closed = false;
    second.onPayload(() => undefined);
    const socketClosed = new Promise<void>((done) => {
      const probe = setInterval(() => {
        second.send(Uint8Array.of(1)).catch(() => {
          closed = true;
          clearInterval(probe);
          done();
        });
      }, 20);
    });
    await socketClosed;
    expect(closed).toBe(true);
    expect((await first.echo()).kind).toBe('response');
    await first.transport.close();
    await small.close();
  });

  it('refuses an out-of-range option with EDC_ERR_LINK_CONFIG', () => {
    expect(
      () =>
        new TcpTerminalServer(
          { host: '127.0.0.1', port: 70_000, terminalsMax: 1, idleTimeoutMs: 1, requestsQueuedMax: 1 },
          { handler: core, logger: silentLogger(), registry },
        ),
    ).toThrow(expect.objectContaining({ code: 'EDC_ERR_LINK_CONFIG' }));
  });
});
