/**
 * protocol/: the shared wire formats. Imports nothing else of ours.
 * Spec: protocol/README.md.
 */
import { cryptoErrors } from './crypto/errors.ts';
import { errorRegistry } from './errors.ts';
import { ERR_ULID_OVERFLOW } from './ids.ts';
import { isoErrors } from './iso8583/errors.ts';
import { linkErrors } from './link/errors.ts';
import { messageErrors } from './messages/parse.ts';
import { smsErrors } from './sms/errors.ts';
import { strukErrors } from './struk/errors.ts';

export * from './errors.ts';
export * from './ids.ts';
export * from './crypto/index.ts';
export * from './messages/index.ts';
export * as link from './link/index.ts';
export * as iso8583 from './iso8583/index.ts';
export * as sms from './sms/index.ts';
export * as struk from './struk/index.ts';

/** Every coded error protocol/ defines, by code (listed in protocol/README.md). */
export const protocolErrors = errorRegistry(
  linkErrors,
  isoErrors,
  cryptoErrors,
  messageErrors,
  smsErrors,
  strukErrors,
  {
    ERR_ULID_OVERFLOW,
  },
);
