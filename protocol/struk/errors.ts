import { defineError } from '../errors.ts';

export const strukErrors = {
  ERR_STRUK_PROOF_FORMAT: defineError(
    'EDC_ERR_STRUK_PROOF_FORMAT',
    'A struk proof (QR text, ISO 8583 field 61) or a struk code is not in its documented form',
  ),
  ERR_STRUK_PROOF_FIELD: defineError(
    'EDC_ERR_STRUK_PROOF_FIELD',
    'A struk proof field to encode is out of range (agent id, seq, time, amount, terminal, STAN, KPM id, hash)',
  ),
} as const;

export const { ERR_STRUK_PROOF_FORMAT, ERR_STRUK_PROOF_FIELD } = strukErrors;
