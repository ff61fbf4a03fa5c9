/**
 * Coded errors of the ISO 8583 codec. Every failure of decode, encode, validation, TLV parsing
 * and the PAN helpers is one of these constructors; `details` names the part of the message
 * (`field` as its ISO number, or `part: 'tpdu' | 'mti' | 'bitmap'`) and never carries PAN,
 * track 2 or PIN block content.
 */
import { defineError } from '../errors.ts';

export const isoErrors = {
  ERR_ISO_TRUNCATED: defineError(
    'EDC_ERR_ISO_TRUNCATED',
    'The message ends before the header, bitmap or a field is complete',
  ),
  ERR_ISO_TRAILING: defineError('EDC_ERR_ISO_TRAILING', 'Bytes remain after the last field the bitmap announces'),
  ERR_ISO_TPDU: defineError(
    'EDC_ERR_ISO_TPDU',
    'The TPDU header is malformed: its first byte is not 0x60, or an address is outside 0..65535',
  ),
  ERR_ISO_MTI: defineError(
    'EDC_ERR_ISO_MTI',
    'The MTI is not one of 0100/0110/0200/0210/0400/0410/0500/0510/0800/0810',
  ),
  ERR_ISO_BITMAP: defineError(
    'EDC_ERR_ISO_BITMAP',
    'Bit 1 announces a secondary bitmap but no field 65-128 is present',
  ),
  ERR_ISO_FIELD_UNKNOWN: defineError(
    'EDC_ERR_ISO_FIELD_UNKNOWN',
    'The bitmap or the message names a field this subset does not define',
  ),
  ERR_ISO_BCD: defineError(
    'EDC_ERR_ISO_BCD',
    'A packed numeric field or the MTI holds a nibble above 9 (0xD outside track 2), or a non-zero pad nibble',
  ),
  ERR_ISO_LENGTH: defineError(
    'EDC_ERR_ISO_LENGTH',
    "An LLVAR/LLLVAR length prefix is not BCD or lies outside the field's bounds",
  ),
  ERR_ISO_FIELD: defineError(
    'EDC_ERR_ISO_FIELD',
    'A field value breaks its format (characters, length, range or layout)',
  ),
  ERR_ISO_FIELD_MISSING: defineError('EDC_ERR_ISO_FIELD_MISSING', 'A field the MTI requires is absent'),
  ERR_ISO_FIELD_NOT_ALLOWED: defineError(
    'EDC_ERR_ISO_FIELD_NOT_ALLOWED',
    'A field is present that the MTI does not allow',
  ),
  ERR_ISO_TLV: defineError('EDC_ERR_ISO_TLV', 'Field 55 EMV TLV data is malformed (tag, length or value)'),
  ERR_ISO_INTERNAL: defineError(
    'EDC_ERR_ISO_INTERNAL',
    'A codec invariant failed (e.g. an encoded message does not decode back to itself): a bug',
    500,
  ),
} as const;

export type IsoErrorCode = (typeof isoErrors)[keyof typeof isoErrors]['code'];

export const {
  ERR_ISO_TRUNCATED,
  ERR_ISO_TRAILING,
  ERR_ISO_TPDU,
  ERR_ISO_MTI,
  ERR_ISO_BITMAP,
  ERR_ISO_FIELD_UNKNOWN,
  ERR_ISO_BCD,
  ERR_ISO_LENGTH,
  ERR_ISO_FIELD,
  ERR_ISO_FIELD_MISSING,
  ERR_ISO_FIELD_NOT_ALLOWED,
  ERR_ISO_TLV,
  ERR_ISO_INTERNAL,
} = isoErrors;
