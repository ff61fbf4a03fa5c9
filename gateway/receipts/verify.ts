/**
 * Verifying a struk (protocol/README.md "Struk proof and struk code") against the agent's key
 * and the entries the gateway holds. Verdicts: genuine (signed by the agent; on record, or not
 * yet received), or a coded refusal telling forged, altered, unknown and conflicting apart.
 * Messages are Bahasa Indonesia / English.
 */
import { isEdcError } from '../../protocol/errors.ts';
import type { LedgerEntry } from '../../protocol/messages/schemas.ts';
import {
  decodeStrukProof,
  parseStrukCode,
  strukProofVerifies,
  strukQrPrefix,
  strukTag,
  type StrukProof,
} from '../../protocol/struk/index.ts';
import {
  ERR_RECEIPT_ALTERED,
  ERR_RECEIPT_CONFLICT,
  ERR_RECEIPT_FORGED,
  ERR_RECEIPT_MALFORMED,
  ERR_RECEIPT_UNKNOWN,
} from '../errors.ts';
import type { GatewayStore } from '../store/types.ts';

export interface GenuineStruk {
  readonly verdict: 'genuine';
  /** The gateway holds the entry (false: signed by the agent, not uploaded yet). */
  readonly onRecord: boolean;
  readonly agentId: string;
  readonly seq: number;
  readonly amount: number | undefined;
  readonly kpmId: string | undefined;
  readonly at: number | undefined;
  readonly terminalId: string | undefined;
  readonly stan: string | undefined;
}

type Lookup = Pick<GatewayStore, 'getAgent' | 'entries'>;

async function entryAt(store: Lookup, agentId: string, seq: number): Promise<LedgerEntry | undefined> {
  const [entry] = await store.entries(agentId, seq, 1);
  return entry?.seq === seq ? entry : undefined;
}

function unknownAgent(agentId: string): never {
  throw new ERR_RECEIPT_UNKNOWN(`Agen ${agentId} tidak terdaftar / Agent ${agentId} is not enrolled`, { agentId });
}

function genuine(agentId: string, seq: number, entry: LedgerEntry | undefined, proof?: StrukProof): GenuineStruk {
  const source = entry ?? proof;
  return {
    verdict: 'genuine',
    onRecord: entry !== undefined,
    agentId,
    seq,
    amount: source?.amount,
    kpmId: source?.kpmId,
    at: source?.at,
    terminalId: source?.terminalId,
    stan: source?.stan,
  };
}

async function verifyCode(store: Lookup, text: string): Promise<GenuineStruk> {
  const code = parseStrukCode(text);
  if ((await store.getAgent(code.agentId)) === undefined) unknownAgent(code.agentId);
  const entry = await entryAt(store, code.agentId, code.seq);
  if (entry === undefined) {
    throw new ERR_RECEIPT_UNKNOWN(
      `Transaksi ${code.agentId} no. ${code.seq} belum diterima gateway (agen belum mengunggah?) / ` +
        `Entry ${code.agentId} seq ${code.seq} has not reached the gateway (not uploaded yet?)`,
      { agentId: code.agentId, seq: code.seq },
    );
  }
  if (entry.kind !== 'withdrawal' || strukTag(entry.hash) !== code.tag) {
    throw new ERR_RECEIPT_FORGED(
      `Kode ${code.tag} tidak cocok dengan transaksi ${code.agentId} no. ${code.seq}: struk palsu atau salah baca ` +
        `(periksa kembali kode) / ` +
        `Tag ${code.tag} does not match entry ${code.agentId} seq ${code.seq}: forged or misread`,
      { agentId: code.agentId, seq: code.seq },
    );
  }
  return genuine(code.agentId, code.seq, entry);
}

/** The fields of a proof that differ from the entry, by name. */
function differences(proof: StrukProof, entry: LedgerEntry): string[] {
  const names = ['amount', 'kpmId', 'at', 'terminalId', 'stan'] as const;
  return names.filter((name) => proof[name] !== entry[name]);
}

async function verifyQr(store: Lookup, text: string): Promise<GenuineStruk> {
  const proof = decodeStrukProof(text);
  const agent = await store.getAgent(proof.agentId);
  if (agent === undefined) unknownAgent(proof.agentId);
  const signed = strukProofVerifies(proof, agent.publicKey);
  const entry = await entryAt(store, proof.agentId, proof.seq);
  const where = `${proof.agentId} no./seq ${proof.seq}`;
  if (signed && (entry === undefined || entry.hash === proof.entryHash))
    return genuine(proof.agentId, proof.seq, entry, proof);
  if (signed) {
    throw new ERR_RECEIPT_CONFLICT(
      `Struk ditandatangani agen tetapi gateway menyimpan transaksi lain pada ${where} (fork) / ` +
        `The agent signed this struk but the gateway holds another entry at ${where} (a fork)`,
      { agentId: proof.agentId, seq: proof.seq, strukEntryHash: proof.entryHash, storedHash: entry!.hash },
    );
  }
  if (entry !== undefined && entry.hash === proof.entryHash) {
    const changed = differences(proof, entry);
    throw new ERR_RECEIPT_ALTERED(
      `Struk transaksi asli ${where} tetapi isinya diubah (${changed.join(', ') || 'tanda tangan'}) / ` +
        `A real entry's struk with changed fields (${changed.join(', ') || 'signature'})`,
      { agentId: proof.agentId, seq: proof.seq, changed },
    );
  }
  throw new ERR_RECEIPT_FORGED(
    `Tanda tangan QR tidak dari agen ${proof.agentId} dan tidak cocok dengan transaksinya: struk palsu / ` +
      `The QR signature is not agent ${proof.agentId}'s and matches none of its entries: forged`,
    { agentId: proof.agentId, seq: proof.seq },
  );
}

/** Verifies a struk code (`AGENTID:SEQ:XXXX-XXXX`) or QR text (`EDC1.`...). */
export async function verifyStruk(store: Lookup, input: string): Promise<GenuineStruk> {
  try {
    return input.trim().startsWith(strukQrPrefix)
      ? await verifyQr(store, input.trim())
      : await verifyCode(store, input);
  } catch (error) {
    if (isEdcError(error, 'EDC_ERR_STRUK_PROOF_FORMAT')) {
      throw new ERR_RECEIPT_MALFORMED(
        `Bukan kode struk (AGENID:NO:XXXX-XXXX) atau teks QR struk (EDC1.…) / ${error.message}`,
        {},
        error,
      );
    }
    throw error;
  }
}
