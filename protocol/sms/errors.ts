import { defineError } from '../errors.ts';

export const smsErrors = {
  ERR_CHECKPOINT_FORMAT: defineError(
    'EDC_ERR_CHECKPOINT_FORMAT',
    'Checkpoint bytes are not 140 octets of the documented layout (magic, version, agent id, ranges)',
  ),
  ERR_CHECKPOINT_FIELD: defineError(
    'EDC_ERR_CHECKPOINT_FIELD',
    'A checkpoint field to encode is out of range (agent id, seq, time, totals, hash)',
  ),
  ERR_CHECKPOINT_SIGNATURE: defineError(
    'EDC_ERR_CHECKPOINT_SIGNATURE',
    "A checkpoint's Ed25519 signature does not verify against the agent's public key",
  ),
  ERR_PDU_FORMAT: defineError(
    'EDC_ERR_PDU_FORMAT',
    'An SMS PDU is not valid hex or its lengths, address or fields are malformed',
  ),
  ERR_PDU_UNSUPPORTED: defineError(
    'EDC_ERR_PDU_UNSUPPORTED',
    'An SMS PDU is valid but not what a checkpoint travels in (8-bit data coding, no header, one part)',
  ),
} as const;

export const {
  ERR_CHECKPOINT_FORMAT,
  ERR_CHECKPOINT_FIELD,
  ERR_CHECKPOINT_SIGNATURE,
  ERR_PDU_FORMAT,
  ERR_PDU_UNSUPPORTED,
} = smsErrors;
