/**
 * A KPM's position record (`pos!T!kpm`): its raw facts (recon/facts.ts), kept together so that a
 * change to one KPM is re-classified from that one record. `updatePosition` lets a change add
 * facts, classifies before and after, and puts the record and the projection's changes
 * (recon/project.ts) into the caller's batch.
 */
import { classifyRaw, type ReconEnv } from '../../recon/classify-raw.ts';
import { emptyFacts, type RawFacts } from '../../recon/facts.ts';
import { projectChange } from '../../recon/project.ts';
import { applyChanges } from './apply.ts';
import type { Tx } from './db.ts';
import { k } from './keys.ts';
import { decodePosition, encodePosition } from './position-codec.ts';

/** A position as read: its raw facts (stored as position-codec.ts encodes them). */
export type StoredPosition = RawFacts;

/** Loads, lets `change` add facts, re-classifies and writes one position with its derived changes. */
export async function updatePosition(
  tx: Tx,
  env: ReconEnv,
  tahap: string,
  kpmId: string,
  change: (facts: RawFacts) => void,
): Promise<void> {
  const key = k.position(tahap, kpmId);
  const stored = await tx.get<unknown>(key);
  const before = stored === undefined ? undefined : decodePosition(key, stored);
  const facts = before === undefined ? emptyFacts(tahap, kpmId) : structuredClone(before);
  change(facts);
  tx.put(key, encodePosition(facts));
  tx.put(k.tahap(tahap), '');
  const classifiedBefore = before === undefined ? undefined : await classifyRaw(before, env);
  await applyChanges(
    tx,
    projectChange({ tahap, kpmId, before: classifiedBefore, after: await classifyRaw(facts, env) }),
  );
}
