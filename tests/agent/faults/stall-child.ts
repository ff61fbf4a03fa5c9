/**
 * Child process for tests/agent/faults/kill-between-writes.test.ts: the real core on a LevelDB
 * folder. Approves one withdrawal (prints `HEARD <stan> <code>`), then sends a second one and
 * stops inside its commit round at the point MODE names, printing `STALLED`, and waits there to
 * be killed (SIGKILL): nothing of the second withdrawal was answered.
 *   after-batch   the LevelDB batch is durable, the head record not yet written
 *   after-record  the batch and the head record are both durable, no answer left yet
 *   record-only   the head record (carrying the round's batch) is durable, the LevelDB batch was
 *                 never written: the crash the side-by-side writes allow (head-batch.ts)
 *   record-only-group  the same with every request after the first sent at once: one round of
 *                 several approvals, whose batch is too big to ride in the record's slot and goes
 *                 to the slot's batch region
 * Usage: node --import tsx tests/agent/faults/stall-child.ts STATE.json MODE
 */
import { diskStorage, openAgentCore, type LedgerStorage } from '../../../agent/core/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { approveFirst, coreIdentity, readChildState, readMode, stall, type RequestsState } from './child-support.ts';

const state = await readChildState<RequestsState>();
const mode = readMode(['after-batch', 'after-record', 'record-only', 'record-only-group']);
let armed = false;
const storage: LedgerStorage = {
  ...diskStorage,
  writeHeadRecordSlot: async (dir, slot, text, batch) => {
    await diskStorage.writeHeadRecordSlot(dir, slot, text, batch);
    if (armed && mode === 'after-record') await stall();
  },
};
const core = await openAgentCore({
  ...coreIdentity(state),
  logger: silentLogger(),
  storage,
  writeBatch: async (ops, write) => {
    if (armed && mode.startsWith('record-only')) {
      // Let the record beside this batch reach the disk first, then die without writing the batch.
      await new Promise((done) => setTimeout(done, 300));
      await stall();
    }
    await write(ops);
    if (armed && mode === 'after-batch') await stall();
  },
});
await core.installEntitlementSet(state.set);
const rest = await approveFirst(core, state);
armed = true;
await Promise.all(rest.map((request) => core.handle(request)));
process.stdout.write('ANSWERED\n'); // never reached: the round stalls before its answer
