/**
 * Coded errors of the ISO 8583 codec. Every failure of decode, encode, validation, TLV parsing
 * and the PAN helpers is one of these constructors; `details` names the part of the message
 * (`field` as its ISO number, or `part: 'tpdu' | 'mti' | 'bitmap'`) and never carries PAN,
 * track 2 or PIN block content.
 */
import { defineError } from '../errors.ts';

export const isoErrors = {
  Truncated: defineError('EDC_ERR_ISO_TRUNCATED', 'The message ends before the header, bitmap or a field is complete'),
  Trailing: defineError('EDC_ERR_ISO_TRAILING', 'Bytes remain after the last field the bitmap announces'),
  Tpdu: defineError(
    'EDC_ERR_ISO_TPDU',
    'The TPDU header is malformed: its first byte is not 0x60, or an address is outside 0..65535',
  ),
  Mti: defineError('EDC_ERR_ISO_MTI', 'The MTI is not one of 0100/0110/0200/0210/0400/0410/0500/0510/0800/0810'),
  Bitmap: defineError('EDC_ERR_ISO_BITMAP', 'Bit 1 announces a secondary bitmap but no field 65-128 is present'),
  FieldUnknown: defineError(
    'EDC_ERR_ISO_FIELD_UNKNOWN',
    'The bitmap or the message names a field this subset does not define',
  ),
  Bcd: defineError(
    'EDC_ERR_ISO_BCD',
    'A packed numeric field or the MTI holds a nibble above 9 (0xD outside track 2), or a non-zero pad nibble',
  ),
  Length: defineError(
    'EDC_ERR_ISO_LENGTH',
    "An LLVAR/LLLVAR length prefix is not BCD or lies outside the field's bounds",
  ),
  Field: defineError('EDC_ERR_ISO_FIELD', 'A field value breaks its format (characters, length, range or layout)'),
  FieldMissing: defineError('EDC_ERR_ISO_FIELD_MISSING', 'A field the MTI requires is absent'),
  FieldNotAllowed: defineError('EDC_ERR_ISO_FIELD_NOT_ALLOWED', 'A field is present that the MTI does not allow'),
  Tlv: defineError('EDC_ERR_ISO_TLV', 'Field 55 EMV TLV data is malformed (tag, length or value)'),
  Internal: defineError(
    'EDC_ERR_ISO_INTERNAL',
    'A codec invariant failed (e.g. an encoded message does not decode back to itself): a bug',
    500,
  ),
} as const;

export type IsoErrorCode = (typeof isoErrors)[keyof typeof isoErrors]['code'];
