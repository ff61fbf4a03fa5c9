/**
 * Child process for the crash test: the real core on a LevelDB folder plus the real TCP
 * terminal link, nothing else (no forwarder, no status). Prints "READY <port>" once it serves.
 * It is killed with SIGKILL by the test at random moments; it never exits on its own.
 * Usage: node --import tsx tests/agent/crash/agent-child.ts STATE.json
 */
import { openAgentCore } from '../../../agent/core/index.ts';
import { createAgentLogger } from '../../../agent/logger.ts';
import { LinkRegistry } from '../../../agent/link/registry.ts';
import { TcpTerminalServer } from '../../../agent/link/tcp-server.ts';
import { coreIdentity, readChildState } from '../faults/child-support.ts';

const state = await readChildState();
const logger = createAgentLogger({ level: 'warn', destination: process.stderr });
const core = await openAgentCore({ ...coreIdentity(state), logger });
if ((await core.status()).entitlementSet === null) await core.installEntitlementSet(state.set);
const server = new TcpTerminalServer(
  { host: '127.0.0.1', port: 0, terminalsMax: 16, idleTimeoutMs: 60_000, requestsQueuedMax: 8 },
  { handler: core, logger, registry: new LinkRegistry(Date.now, 60_000) },
);
const { port } = await server.listen();
process.stdout.write(`READY ${port}\n`);
