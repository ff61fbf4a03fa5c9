/**
 * Importing an agent's exported bundle (weeks without signal, carried by hand): the manifest must
 * be signed by the enrolled agent and describe exactly the entries it carries (fromSeq..toSeq in
 * order, the last hash = headHash); then the entries go in like uploads, in chunks of
 * uploadEntriesMax, each chunk atomic, so a bundle that overlaps what was already uploaded is
 * acknowledged as duplicates. A bundle that forks from the chain the gateway holds goes on after
 * the forking chunk (its later chunks continue the kept branch), then answers the fork.
 */
import { Bundle, uploadEntriesMax } from '../../protocol/messages/schemas.ts';
import { verifyBundleManifest } from '../../protocol/messages/signed.ts';
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_AUTH_AGENT, ERR_BUNDLE_INVALID, ERR_BODY_INVALID, ERR_UPLOAD_FORK } from '../errors.ts';
import type { AgentStore, ChainStore } from '../store/types.ts';
import { ingestSegment, type IngestResult } from './upload.ts';
import { z } from 'zod';

export function parseBundle(value: unknown): Bundle {
  const parsed = Bundle.safeParse(value);
  if (!parsed.success) {
    throw new ERR_BODY_INVALID(`Cannot read bundle: ${z.prettifyError(parsed.error).slice(0, 500)}`, {
      issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

export async function importBundle(
  store: Pick<AgentStore, 'getAgent'> & ChainStore,
  bundle: Bundle,
  now: number,
): Promise<IngestResult> {
  const { manifest, entries } = bundle;
  const agent = await store.getAgent(manifest.agentId);
  if (agent === undefined || agent.status !== 'active')
    throw new ERR_AUTH_AGENT(
      `Cannot import bundle: expected an enrolled active agent ${manifest.agentId}, found ${agent?.status ?? 'none'}`,
    );
  if (!verifyBundleManifest(manifest, agent.publicKey))
    throw new ERR_BUNDLE_INVALID(
      `Cannot import bundle ${manifest.bundleId}: ` +
        `the manifest signature does not verify with ${manifest.agentId}'s key`,
    );
  const expected = manifest.toSeq - manifest.fromSeq + 1;
  if (expected < 0 || entries.length !== expected)
    throw new ERR_BUNDLE_INVALID(
      `Cannot import bundle: expected ${Math.max(expected, 0)} entries ` +
        `(seq ${manifest.fromSeq}..${manifest.toSeq}), found ${entries.length}`,
    );
  const bad = entries.findIndex((e, i) => e.seq !== manifest.fromSeq + i);
  if (bad >= 0)
    throw new ERR_BUNDLE_INVALID(
      `Cannot import bundle: entry ${bad} expected seq ${manifest.fromSeq + bad}, found ${entries[bad]?.seq}`,
    );
  const last = entries[entries.length - 1];
  if (last !== undefined && last.hash !== manifest.headHash)
    throw new ERR_BUNDLE_INVALID('Cannot import bundle: the last entry hash differs from the manifest headHash');
  let result: IngestResult = { accepted: 0, duplicates: 0, head: await store.head(agent.agentId) };
  let fork: Error | undefined;
  for (let i = 0; i < entries.length; i += uploadEntriesMax) {
    try {
      const chunk = await ingestSegment(store, agent, entries.slice(i, i + uploadEntriesMax), now);
      result = {
        accepted: result.accepted + chunk.accepted,
        duplicates: result.duplicates + chunk.duplicates,
        head: chunk.head,
      };
    } catch (error) {
      // A fork's later chunks continue its branch: they are kept too, so every payout shows.
      if (!isEdcError(error, ERR_UPLOAD_FORK.code)) throw error;
      fork ??= error as Error;
    }
  }
  if (fork !== undefined) throw fork;
  return result;
}
