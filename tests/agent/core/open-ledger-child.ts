/** Child process for the lock test: opens the ledger given in argv and prints what happened. */
import { openAgentCore } from '../../../agent/core/index.ts';

const [dir, agentId, seed, gatewayPublicKey] = process.argv.slice(2);
try {
  const core = await openAgentCore({ dir: dir!, agentId: agentId!, seed: seed!, gatewayPublicKey: gatewayPublicKey! });
  await core.close();
  process.stdout.write(JSON.stringify({ opened: true }));
} catch (error) {
  const e = error as { code?: string; message?: string; stack?: string };
  process.stdout.write(JSON.stringify({ opened: false, code: e.code, message: e.message, stack: e.stack }));
}
