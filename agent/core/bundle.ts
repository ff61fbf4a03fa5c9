/**
 * exportBundle: entries fromSeq..head (default: everything unacknowledged) with a manifest
 * signed by the agent, for carrying to the gateway by hand when there is no signal for weeks.
 * The entries are re-checked as a chain before they are signed over, so a bundle never vouches
 * for a damaged ledger.
 */
import {
  Bundle,
  bundleEntriesMax,
  findChainBreak,
  genesisHash,
  LedgerEntry,
  signBundleManifest,
} from '../../protocol/messages/index.ts';
import type { EngineContext } from './context.ts';
import { ERR_CORE_ARGUMENT, ERR_LEDGER_CORRUPT } from './errors.ts';
import type { CoreState } from './state.ts';
import { seqKey } from './store.ts';

export async function buildBundle(
  fromSeq: number | undefined,
  state: CoreState,
  context: EngineContext,
  now: number,
): Promise<Bundle> {
  const from = fromSeq ?? state.ack.seq + 1;
  if (!Number.isSafeInteger(from) || from < 1 || from > state.head.seq + 1) {
    throw new ERR_CORE_ARGUMENT(
      `Cannot export bundle: expected fromSeq 1..${state.head.seq + 1}, found ${String(fromSeq)}`,
      { fromSeq },
    );
  }
  // At most bundleEntriesMax entries per bundle: a longer backlog goes in several bundles.
  const to = Math.min(state.head.seq, from + bundleEntriesMax - 1);
  const prevHash =
    from === 1
      ? genesisHash
      : (((await context.db.sub.entries.get(seqKey(from - 1))) as { hash?: string } | undefined)?.hash ?? '');
  const entries: LedgerEntry[] = [];
  for await (const [, value] of context.db.sub.entries.iterate({ gte: seqKey(from), lte: seqKey(to) })) {
    const parsed = LedgerEntry.safeParse(value);
    if (!parsed.success)
      throw new ERR_LEDGER_CORRUPT(
        `Cannot export bundle: entry ${from + entries.length} does not match the LedgerEntry schema`,
        {},
      );
    entries.push(parsed.data);
  }
  const broken = findChainBreak(entries, { seq: from - 1, hash: prevHash }, context.publicKey);
  if (broken !== undefined || entries.length !== to - from + 1) {
    throw new ERR_LEDGER_CORRUPT(
      `Cannot export bundle: entries ${from}..${to} do not form an intact chain (${broken?.kind ?? 'missing entries'})`,
      { fromSeq: from },
    );
  }
  const headHash = entries.at(-1)?.hash ?? prevHash;
  const manifest = signBundleManifest(
    { v: 1, bundleId: context.newId(), agentId: context.agentId, createdAt: now, fromSeq: from, toSeq: to, headHash },
    context.seed,
  );
  return Bundle.parse({ manifest, entries });
}
