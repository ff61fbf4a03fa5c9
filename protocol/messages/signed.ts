/**
 * Signing and verifying the agent <-> gateway messages.
 *
 * Every signed message is `body + sig` where sig = Ed25519(signingBytes(domain, body)). A ledger
 * entry additionally carries `hash` = SHA-256 of the same signing bytes, and each entry's
 * prevHash is the hash of the entry before it: a hash chain, so an entry removed, reordered or
 * altered anywhere breaks every later link. Bodies are the messages without `hash` and `sig`.
 */
import { createHash } from 'node:crypto';
import { signingBytes } from '../crypto/canonical.ts';
import { sign, verify } from '../crypto/ed25519.ts';
import { toHex } from '../crypto/encoding.ts';
import { genesisHash } from './genesis.ts';
import type {
  BundleManifestBody,
  EntitlementSetBody,
  EntryBody,
  LedgerEntry,
  ReceiptBody,
  SignedBundleManifest,
  SignedEntitlementSet,
  SignedReceipt,
} from './schemas.ts';

export const domains = {
  entry: 'edc.entry.v1',
  receipt: 'edc.receipt.v1',
  entitlements: 'edc.entitlements.v1',
  bundle: 'edc.bundle.v1',
  request: 'edc.request.v1',
} as const;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The body of an entry: the entry without hash and sig. */
export function entryBody(entry: LedgerEntry): EntryBody {
  const { hash: _hash, sig: _sig, ...body } = entry;
  return body;
}

export function entryHash(body: EntryBody): string {
  return toHex(createHash('sha256').update(signingBytes(domains.entry, body)).digest());
}

export function signEntry(body: EntryBody, seed: string): LedgerEntry {
  const bytes = signingBytes(domains.entry, body);
  const hash = toHex(createHash('sha256').update(bytes).digest());
  return { ...body, hash, sig: sign(bytes, seed) };
}

export type EntryCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'hash' | 'signature' };

/** Checks an entry's own hash and signature (not its place in a chain). */
export function verifyEntry(entry: LedgerEntry, publicKey: string): EntryCheck {
  const bytes = signingBytes(domains.entry, entryBody(entry));
  if (sha256Hex(bytes) !== entry.hash) return { ok: false, reason: 'hash' };
  if (!verify(bytes, entry.sig, publicKey)) return { ok: false, reason: 'signature' };
  return { ok: true };
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const genesisHead: ChainHead = { seq: 0, hash: genesisHash };

export type ChainBreak =
  | { readonly index: number; readonly kind: 'gap'; readonly expectedSeq: number; readonly foundSeq: number }
  | {
      readonly index: number;
      readonly kind: 'prevHash';
      readonly expectedPrevHash: string;
      readonly foundPrevHash: string;
    }
  | { readonly index: number; readonly kind: 'hash' | 'signature' };

/**
 * Finds the first entry of `entries` that does not continue the chain from `from`: a seq that is
 * not the next one, a prevHash that is not the previous hash, or a bad hash or signature.
 * Returns undefined when every entry links.
 */
export function findChainBreak(
  entries: readonly LedgerEntry[],
  from: ChainHead,
  publicKey: string,
): ChainBreak | undefined {
  let head = from;
  for (const [index, entry] of entries.entries()) {
    if (entry.seq !== head.seq + 1) return { index, kind: 'gap', expectedSeq: head.seq + 1, foundSeq: entry.seq };
    if (entry.prevHash !== head.hash)
      return { index, kind: 'prevHash', expectedPrevHash: head.hash, foundPrevHash: entry.prevHash };
    const check = verifyEntry(entry, publicKey);
    if (!check.ok) return { index, kind: check.reason };
    head = { seq: entry.seq, hash: entry.hash };
  }
  return undefined;
}

function signBody<T extends object>(domain: string, body: T, seed: string): T & { sig: string } {
  return { ...body, sig: sign(signingBytes(domain, body), seed) };
}

function verifyBody(domain: string, signed: { readonly sig: string }, publicKey: string): boolean {
  const { sig, ...body } = signed;
  return verify(signingBytes(domain, body), sig, publicKey);
}

export const signReceipt = (body: ReceiptBody, seed: string): SignedReceipt => signBody(domains.receipt, body, seed);
export const verifyReceipt = (receipt: SignedReceipt, publicKey: string): boolean =>
  verifyBody(domains.receipt, receipt, publicKey);

export const signEntitlementSet = (body: EntitlementSetBody, seed: string): SignedEntitlementSet =>
  signBody(domains.entitlements, body, seed);
export const verifyEntitlementSet = (set: SignedEntitlementSet, publicKey: string): boolean =>
  verifyBody(domains.entitlements, set, publicKey);

export const signBundleManifest = (body: BundleManifestBody, seed: string): SignedBundleManifest =>
  signBody(domains.bundle, body, seed);
export const verifyBundleManifest = (manifest: SignedBundleManifest, publicKey: string): boolean =>
  verifyBody(domains.bundle, manifest, publicKey);
