/**
 * 0800/0810 variants are told apart by field 70 (network management information code), as
 * ISO 8583 intends: 001 sign-on, 301 echo test. 0800/0810 carry no processing code.
 */
import { ERR_ISO_MTI, ERR_ISO_FIELD } from './errors.ts';
import type { IsoMessage, NetworkCode } from './types.ts';

export type NetworkManagementKind = 'sign-on' | 'echo';

export const networkCodes: Readonly<Record<NetworkManagementKind, NetworkCode>> = { 'sign-on': '001', echo: '301' };

export function networkManagementKind(message: IsoMessage): NetworkManagementKind {
  if (message.mti !== '0800' && message.mti !== '0810') {
    throw new ERR_ISO_MTI(`Cannot tell network management kind: expected MTI 0800 or 0810, found ${message.mti}`, {
      part: 'mti',
    });
  }
  const code = message.fields[70];
  if (code === '001') return 'sign-on';
  if (code === '301') return 'echo';
  throw new ERR_ISO_FIELD(`Cannot tell network management kind: expected field 70 001 or 301, found ${String(code)}`, {
    field: 70,
    reason: 'network code',
  });
}
