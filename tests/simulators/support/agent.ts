/**
 * A real agent for simulator tests: the real core on LevelDB in a temp folder (tests/agent/io
 * fixture: a gateway-signed entitlement set for a few simulated KKS cards), serving terminals
 * over the real TCP listener on 127.0.0.1:0 and, when asked, the real serial link on a socat
 * pseudo-terminal. Also writes the cards file of its cards, as `edc-sim bank cards` would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { AgentCore } from '../../../agent/core/index.ts';
import { LinkRegistry } from '../../../agent/link/registry.ts';
import { SerialTerminalLink, serialLinkDefaults } from '../../../agent/link/serial-link.ts';
import { TcpTerminalServer } from '../../../agent/link/tcp-server.ts';
import { cardsFileHeader } from '../../../simulators/bank/cards-file.ts';
import { openPtyPair, type PtyPair } from '../../../simulators/rig/socat.ts';
import type { KksCard } from '../../../simulators/terminal/index.ts';
import { makeFixture, openFixtureCore, type Fixture } from '../../agent/io/support/fixture.ts';

export interface TestAgent {
  readonly dir: string;
  readonly port: number;
  readonly cards: KksCard[];
  /** KPM id of cards[i]. */
  readonly kpmIds: string[];
  /** A cards file (edc-sim bank cards format) holding every card. */
  readonly cardsFile: string;
  /** The terminal's end of the serial pair, when `serial` was asked for. */
  readonly serialPath?: string;
  /** How many withdrawals the agent approved (its ledger's entries). */
  readonly approvals: () => Promise<number>;
  readonly core: AgentCore;
  /** The agent's Ed25519 public key (base64): verifies its entries and struk proofs. */
  readonly publicKey: string;
  close(): Promise<void>;
}

/**
 * `serial: true` makes a socat pair and serves its agent end; `serialPath` serves a device the
 * test made itself (e.g. one end of a software Y cable).
 */
export async function startTestAgent(
  options: { serial?: boolean; serialPath?: string; remaining?: number; seed?: number } = {},
): Promise<TestAgent> {
  const fixture: Fixture = await makeFixture({ cards: 3, remaining: options.remaining ?? 750_000, seed: options.seed });
  const logger = pino({ level: 'silent' });
  const core = await openFixtureCore(fixture, logger);
  await core.installEntitlementSet(fixture.set);
  const context = { handler: core, logger, registry: new LinkRegistry(Date.now, 60_000) };
  const server = new TcpTerminalServer(
    { host: '127.0.0.1', port: 0, terminalsMax: 16, idleTimeoutMs: 60_000, requestsQueuedMax: 8 },
    context,
  );
  const { port } = await server.listen();
  let pty: PtyPair | undefined;
  let link: SerialTerminalLink | undefined;
  if (options.serial === true)
    pty = await openPtyPair(join(fixture.dir, 'agent.pty'), join(fixture.dir, 'terminal.pty'));
  const serialPath = options.serialPath ?? pty?.agentPath;
  if (serialPath !== undefined) {
    link = new SerialTerminalLink({ ...serialLinkDefaults, path: serialPath }, context);
    link.start();
  }
  const kpmIds = fixture.set.entitlements.map((e) => e.kpmId);
  const cardsFile = join(fixture.dir, 'cards.csv');
  const rows = fixture.cards.map((card, i) => [kpmIds[i], 'BRI', '3201010001', card.pan, card.pin, '750000'].join(','));
  await writeFile(cardsFile, [cardsFileHeader.join(','), ...rows].join('\n') + '\n');
  return {
    dir: fixture.dir,
    port,
    cards: fixture.cards,
    kpmIds,
    cardsFile,
    ...(pty === undefined ? {} : { serialPath: pty.terminalPath }),
    core,
    publicKey: fixture.agentKeys.publicKey,
    approvals: async () => (await core.unacknowledged(1000)).filter((e) => e.kind === 'withdrawal').length,
    async close() {
      await link?.close();
      await server.close();
      await pty?.close();
      await core.close();
      await fixture.cleanup();
    },
  };
}
