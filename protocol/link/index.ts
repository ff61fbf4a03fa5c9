/** The terminal link layer: serial (STX/LEN/ETX/LRC with ACK/NAK) and TCP (length prefix) framing. */
export {
  ACK,
  ENQ,
  EOT,
  ETX,
  NAK,
  STX,
  controlNames,
  linkDefaults,
  serialFrameOverheadBytes,
  serialPayloadBytesCeiling,
  serialPortDefaults,
  tcpFrameOverheadBytes,
  tcpPayloadBytesCeiling,
} from './constants.ts';
export type { ControlName } from './constants.ts';
export { OneShotTimer, systemClock } from './clock.ts';
export type { LinkClock, TimerHandle } from './clock.ts';
export { linkErrors } from './errors.ts';
export type { FrameError, FrameErrorCode } from './errors.ts';
export { computeLrc, decodeLenBcd, encodeLenBcd, encodeSerialFrame } from './serial-frame.ts';
export type { SerialEncodeOptions } from './serial-frame.ts';
export { SerialFrameDecoder } from './serial-decoder.ts';
export type { SerialDecodeEvent, SerialDecoderOptions, SerialDecoderStats } from './serial-decoder.ts';
export { encodeTcpFrame } from './tcp-frame.ts';
export type { TcpEncodeOptions } from './tcp-frame.ts';
export { TcpFrameDecoder } from './tcp-decoder.ts';
export type { TcpDecodeEvent, TcpDecoderOptions, TcpDecoderStats } from './tcp-decoder.ts';
export { SerialLinkSession } from './serial-session.ts';
export type { MessageInfo, SerialLinkSessionOptions, SerialLinkStats } from './serial-session.ts';
export { TcpLinkSession } from './tcp-session.ts';
export type { TcpLinkSessionOptions } from './tcp-session.ts';
