/**
 * Child process for tests/agent/faults/kill-after-96.test.ts: the real core on a LevelDB folder,
 * through the fault-injecting storage. Approves one withdrawal (prints `HEARD <stan> <code>`),
 * then sends the others at once (one round) with the round's batch scripted `persist-then-fail`
 * (it lands on disk, yet reports failure), prints what each heard (`HEARD <stan> <code>`, or
 * `NOANSWER <stan> <error code>` when handle() rejected and nothing would be sent), and stops at
 * the point MODE names, printing `STALLED`, to be killed (SIGKILL):
 *   answered-96          the failed round is recorded (its head record durable), its 0200s heard
 *                        96; recovery stalls when it reopens the ledger, before any reversal
 *   record-fails         the record of the failed round fails too: its approvals are not answered;
 *                        recovery stalls when it reopens the ledger
 *   after-compensation   as answered-96, but recovery runs until its reversals are durable and
 *                        stalls at the head record it writes after them
 *   torn                 as answered-96, but the batch is scripted `torn`: only a prefix of its
 *                        operations reaches the disk
 * Usage: node --import tsx tests/agent/faults/failed-round-child.ts STATE.json MODE
 */
import { createStorageFaults, openAgentCore, type LedgerStorage } from '../../../agent/core/index.ts';
import { silentLogger } from '../../../agent/logger.ts';
import { isEdcError } from '../../../protocol/errors.ts';
import { approveFirst, coreIdentity, readChildState, readMode, stall, type RequestsState } from './child-support.ts';

const state = await readChildState<RequestsState>();
const mode = readMode(['answered-96', 'record-fails', 'after-compensation', 'torn']);
const faults = createStorageFaults({ seed: 1 });
let armed = false;
let opens = 0;
const storage: LedgerStorage = {
  ...faults.storage,
  open: async (dir) => {
    opens += 1;
    if (armed && opens > 1 && mode !== 'after-compensation') await stall();
    return faults.storage.open(dir);
  },
  writeHeadRecordSlot: async (dir, slot, text, batch) => {
    if (armed && mode === 'record-fails' && text.includes('"failed":')) throw new Error('EIO: injected record fault');
    if (armed && mode === 'after-compensation' && opens > 1) await stall();
    await faults.storage.writeHeadRecordSlot(dir, slot, text, batch);
  },
};
const core = await openAgentCore({ ...coreIdentity(state), logger: silentLogger(), storage });
await core.installEntitlementSet(state.set);
const rest = await approveFirst(core, state);
faults.script(mode === 'torn' ? 'torn' : 'persist-then-fail');
armed = true;
await Promise.all(
  rest.map((request) =>
    core.handle(request).then(
      (response) => process.stdout.write(`HEARD ${String(response.fields[11])} ${String(response.fields[39])}\n`),
      (error: unknown) =>
        process.stdout.write(`NOANSWER ${String(request.fields[11])} ${isEdcError(error) ? error.code : 'none'}\n`),
    ),
  ),
);
