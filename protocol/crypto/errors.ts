import { defineError } from '../errors.ts';

export const cryptoErrors = {
  ERR_CANONICAL_VALUE: defineError(
    'EDC_ERR_CANONICAL_VALUE',
    'A value cannot be put in canonical form: ' +
      'only strings, safe integers, booleans, null, arrays and plain objects can',
  ),
  ERR_KEY_FORMAT: defineError('EDC_ERR_KEY_FORMAT', 'A key is not 32 bytes (or not valid base64/hex of 32 bytes)'),
  ERR_SIGNATURE_FORMAT: defineError('EDC_ERR_SIGNATURE_FORMAT', 'A signature is not 64 bytes of base64'),
  ERR_SEALED_FORMAT: defineError('EDC_ERR_SEALED_FORMAT', 'A sealed box is too short or not base64'),
  ERR_UNSEAL_FAILED: defineError(
    'EDC_ERR_UNSEAL_FAILED',
    'A sealed box did not open with the given key (wrong key or altered bytes)',
  ),
} as const;

export const { ERR_CANONICAL_VALUE, ERR_KEY_FORMAT, ERR_SIGNATURE_FORMAT, ERR_SEALED_FORMAT, ERR_UNSEAL_FAILED } =
  cryptoErrors;
