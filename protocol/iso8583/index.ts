/**
 * ISO 8583:1987 subset spoken between EDC terminals and the offline agent (the payload of a
 * link-layer frame). Wire spec: protocol/README.md (Part 2).
 */
export { isoErrors, type IsoErrorCode } from './errors.ts';
export type {
  AdditionalAmount,
  Field60,
  FieldNumber,
  IsoFields,
  IsoMessage,
  Mti,
  NetworkCode,
  RequestMti,
  SettlementTotals,
  Tpdu,
} from './types.ts';
export { mtis } from './types.ts';
export { encode } from './encode.ts';
export { decode } from './decode.ts';
export { validateMessage } from './validate.ts';
export { messagesEqual } from './equal.ts';
export { fieldSpec, fieldSpecs, fieldNumbers, type FieldFormat, type FieldSpec, type LengthKind } from './fields.ts';
export { mtiRules, type MtiRule } from './rules.ts';
export { isMti, isRequestMti, responseMti } from './mti.ts';
export { swapTpdu, tpduId } from './tpdu.ts';
export { networkCodes, networkManagementKind, type NetworkManagementKind } from './network.ts';
export {
  agentRefusalTexts,
  agentRefusalOf,
  isApproved,
  isResponseCode,
  responseCodes,
  type ResponseCode,
} from './response-codes.ts';
export { amountRupiahMax, settlementCountMax, additionalAmountBlocksMax } from './private-fields.ts';
export { decodeTlv, encodeTlv, findTlv, type TlvItem } from './tlv.ts';
export { cardPinCvmResults, cardPinResult, cvmResultsTag, type CardPinMethod, type CardPinResult } from './card.ts';
export { isLuhnValid, luhnCheckDigit, maskPan, panDigitsMax, panDigitsMin } from './pan.ts';
