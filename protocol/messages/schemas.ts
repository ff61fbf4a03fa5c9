/**
 * Agent <-> gateway messages: one strict zod schema each, types by z.infer. Strict objects refuse
 * unknown keys, so a field added by a newer peer is an error, never silently dropped from what
 * was signed. Money is integer rupiah; times are integer milliseconds since the Unix epoch (UTC);
 * ids are ULIDs; hashes are lower-case hex SHA-256; keys and signatures are padded base64.
 */
import { z } from 'zod';
import { agentIdPattern, kpmIdPattern, ulidPattern } from '../ids.ts';

// ---- Limits (units last) --------------------------------------------------------------------
export const uploadEntriesMax = 500;
export const uploadBodyBytesMax = 1024 * 1024;
export const entitlementsPerSetMax = 200_000;
export const bundleEntriesMax = 2_000_000;
export const rupiahMax = 1_000_000_000_000; // Rp 1 trillion: far above any single KPM or tahap figure.

// ---- Primitives -----------------------------------------------------------------------------
export const Ulid = z.string().regex(ulidPattern, 'expected a ULID (26 Crockford base32 characters)');
export const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex characters (SHA-256)');
export const Base64Key32 = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'expected a 32-byte key as padded base64 (44 characters)');
export const Base64Signature = z
  .string()
  .regex(/^[A-Za-z0-9+/]{86}==$/, 'expected a 64-byte signature as padded base64 (88 characters)');
export const AgentId = z
  .string()
  .regex(agentIdPattern, 'expected an agent id: 3-32 of A-Z, 0-9 and -, not starting with -');
export const KpmId = z.string().regex(kpmIdPattern, 'expected a KPM id: 4-32 of A-Z, 0-9 and -');
export const Tahap = z.string().regex(/^[0-9]{4}-(?:I|II|III|IV)$/, 'expected a tahap such as 2026-IV');
export const Bank = z.enum(['BNI', 'BRI', 'BTN', 'MANDIRI']);
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);
export const Rupiah = z.number().int().min(0).max(rupiahMax);
export const PositiveRupiah = z.number().int().min(1).max(rupiahMax);
export const TerminalId = z
  .string()
  .regex(/^[\x20-\x7e]{8}$/, 'expected a terminal id of 8 printable ASCII characters (ISO 8583 field 41)');
export const Stan = z.string().regex(/^[0-9]{6}$/, 'expected a 6-digit STAN (ISO 8583 field 11)');
export const LocalDate = z
  .string()
  .regex(/^(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])$/, 'expected MMDD (ISO 8583 field 13)');
export const Rrn = z.string().regex(/^[0-9A-Za-z]{12}$/, 'expected a 12-character retrieval reference number');
export const AuthCode = z.string().regex(/^[0-9A-Za-z]{6}$/, 'expected a 6-character authorization code');
export const SealedBox = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/)
  .min(100)
  .max(400);

export { genesisHash } from './genesis.ts';

// ---- Ledger entries -------------------------------------------------------------------------
const entryCommon = {
  v: z.literal(1),
  id: Ulid,
  agentId: AgentId,
  /** Position in the agent's chain, 1 for the first entry, consecutive. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** hash of the entry at seq - 1, or genesisHash for seq 1. */
  prevHash: Hex64,
  /** When the agent decided, by its own clock. */
  at: EpochMs,
  tahap: Tahap,
  kpmId: KpmId,
  amount: PositiveRupiah,
  terminalId: TerminalId,
  stan: Stan,
  localDate: LocalDate,
};

export const WithdrawalBody = z.strictObject({
  ...entryCommon,
  kind: z.literal('withdrawal'),
  /** HMAC-SHA256 of the PAN under the entitlement set's lookupKey. */
  panHash: Hex64,
  /** The PAN sealed to the gateway's sealKey (see crypto/seal.ts). */
  sealedPan: SealedBox,
  rrn: Rrn,
  authCode: AuthCode,
  /** The entitlement set that authorized this withdrawal. */
  entitlementSetId: Ulid,
});

export const ReversalReason = z.enum(['terminal_reversal', 'response_timeout', 'operator_cancel']);

export const ReversalBody = z.strictObject({
  ...entryCommon,
  kind: z.literal('reversal'),
  /** id and seq of the withdrawal this reverses; amount equals its amount. */
  reverses: Ulid,
  reversesSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  reason: ReversalReason,
});

const entrySeal = { hash: Hex64, sig: Base64Signature };
export const WithdrawalEntry = WithdrawalBody.extend(entrySeal);
export const ReversalEntry = ReversalBody.extend(entrySeal);
export const EntryBody = z.discriminatedUnion('kind', [WithdrawalBody, ReversalBody]);
export const LedgerEntry = z.discriminatedUnion('kind', [WithdrawalEntry, ReversalEntry]);

export type WithdrawalBody = z.infer<typeof WithdrawalBody>;
export type ReversalBody = z.infer<typeof ReversalBody>;
export type EntryBody = z.infer<typeof EntryBody>;
export type WithdrawalEntry = z.infer<typeof WithdrawalEntry>;
export type ReversalEntry = z.infer<typeof ReversalEntry>;
export type LedgerEntry = z.infer<typeof LedgerEntry>;

// ---- Upload and receipt ---------------------------------------------------------------------
/**
 * The agent's own view at send time, optional (an agent without it is accepted): its ledger head,
 * how many entries it holds after this batch's last (queued = head.seq - last entry's seq), and
 * the `at` of the first of those. Covered by the request signature (bodySha256); the gateway
 * refuses one that contradicts the batch (EDC_ERR_UPLOAD_STATUS_INVALID) and shows it to staff.
 */
export const AgentStatusReport = z.strictObject({
  head: z.strictObject({ seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), hash: Hex64 }),
  queued: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  oldestQueuedAt: EpochMs.optional(),
});
export type AgentStatusReport = z.infer<typeof AgentStatusReport>;

export const UploadBatch = z.strictObject({
  v: z.literal(1),
  agentId: AgentId,
  entries: z.array(LedgerEntry).min(1).max(uploadEntriesMax),
  agentStatus: AgentStatusReport.optional(),
});
export type UploadBatch = z.infer<typeof UploadBatch>;

export const ReceiptBody = z.strictObject({
  v: z.literal(1),
  receiptId: Ulid,
  agentId: AgentId,
  /** Highest seq the gateway holds for this agent, all verified and chained from genesis. */
  ackSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** hash of the entry at ackSeq (genesisHash when ackSeq is 0). */
  ackHash: Hex64,
  /** Entries of this upload stored for the first time. */
  accepted: z.number().int().min(0),
  /** Entries of this upload the gateway already held with the same id and hash. */
  duplicates: z.number().int().min(0),
  receivedAt: EpochMs,
});
export const SignedReceipt = ReceiptBody.extend({ sig: Base64Signature });
export type ReceiptBody = z.infer<typeof ReceiptBody>;
export type SignedReceipt = z.infer<typeof SignedReceipt>;

// ---- Entitlement set ------------------------------------------------------------------------
export const Limits = z.strictObject({
  /** Largest single withdrawal, rupiah (response 61 above it). */
  withdrawalAmountMax: PositiveRupiah,
  /** Cash the agent may pay out under this set, rupiah (response 51/"agent cash exhausted"). */
  cashFloat: Rupiah,
  /** Most entries the agent may hold unacknowledged before it must sync. */
  queueEntriesMax: z.number().int().min(1).max(1_000_000),
});
export type Limits = z.infer<typeof Limits>;

export const Entitlement = z.strictObject({
  kpmId: KpmId,
  /** HMAC-SHA256(lookupKey, PAN): how the agent finds the KPM from the card. */
  panHash: Hex64,
  /** Rupiah still drawable this tahap, as the gateway knew at issue time (see basedOnSeq). */
  remaining: Rupiah,
});
export type Entitlement = z.infer<typeof Entitlement>;

export const EntitlementSetBody = z.strictObject({
  v: z.literal(1),
  setId: Ulid,
  agentId: AgentId,
  tahap: Tahap,
  issuedAt: EpochMs,
  /** After this the agent must sync before it approves anything (maximum offline age). */
  expiresAt: EpochMs,
  /** The agent's entries up to this seq are already subtracted from `remaining`. */
  basedOnSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Key of the keyed PAN hash, 32 bytes base64. */
  lookupKey: Base64Key32,
  /** The gateway's X25519 public key that PANs are sealed to. */
  sealKey: Base64Key32,
  limits: Limits,
  entitlements: z.array(Entitlement).max(entitlementsPerSetMax),
});
export const SignedEntitlementSet = EntitlementSetBody.extend({ sig: Base64Signature });
export type EntitlementSetBody = z.infer<typeof EntitlementSetBody>;
export type SignedEntitlementSet = z.infer<typeof SignedEntitlementSet>;

// ---- Bundle (offline export, carried by hand) -----------------------------------------------
export const BundleManifestBody = z.strictObject({
  v: z.literal(1),
  bundleId: Ulid,
  agentId: AgentId,
  createdAt: EpochMs,
  /** The bundle holds entries fromSeq..toSeq inclusive, in order (empty when toSeq = fromSeq - 1). */
  fromSeq: z.number().int().min(1),
  toSeq: z.number().int().min(0),
  /** hash of the entry at toSeq. */
  headHash: Hex64,
});
export const SignedBundleManifest = BundleManifestBody.extend({ sig: Base64Signature });
export const Bundle = z.strictObject({
  manifest: SignedBundleManifest,
  entries: z.array(LedgerEntry).max(bundleEntriesMax),
});
export type BundleManifestBody = z.infer<typeof BundleManifestBody>;
export type SignedBundleManifest = z.infer<typeof SignedBundleManifest>;
export type Bundle = z.infer<typeof Bundle>;

// ---- Error body -----------------------------------------------------------------------------
export const ErrorBody = z.strictObject({
  statusCode: z.number().int().min(400).max(599),
  code: z.string().regex(/^EDC_ERR_[A-Z0-9_]+$/),
  message: z.string().max(2000),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
