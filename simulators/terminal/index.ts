/**
 * EDC terminal emulator library: transports (TCP, serial) with fault injection, simulated KKS
 * cards, the terminal's request/response logic with reversal on timeout, and Bahasa Indonesia
 * receipts. The `edc-sim terminal` CLI and the field rig are built on this.
 */
export { EdcTerminal, type Exchange, type TerminalOptions } from './terminal.ts';
export {
  connectTcpTerminal,
  openSerialTerminal,
  type TerminalTransport,
  type SerialTerminalOptions,
} from './transport.ts';
export { makeKksCard, cardPinField55, pinBlock, track2, simulatedPrefixes, type KksCard } from './card.ts';
export {
  formatReceipt,
  formatRupiah,
  formatLocalDateTime,
  remainingFrom,
  receiptColumns,
  type ReceiptInput,
  type ReceiptKind,
  type ReceiptLanguage,
} from './receipt.ts';
export { parseRupiah, amountRupiahTypedMax, type ParsedAmount } from './amount.ts';
export { localStamp, type Stamp } from './stamp.ts';
