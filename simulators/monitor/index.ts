/** The line monitor (`edc-sim monitor`): serial taps, a TCP proxy or a capture file, decoded and redacted. */
export { runMonitor, type MonitorOptions, type MonitorResult, type MonitorSource } from './monitor.ts';
export { describePayload, hiddenText, scrub, type DescribedMessage, type DescribedField } from './describe.ts';
export { LineDecoders, type Direction, type LinkKind, type MonitorEvent, type StreamSide } from './decoders.ts';
export { CaptureWriter, readCapture, CaptureHeader, CaptureRecord, captureChunkBytesMax } from './capture.ts';
export { formatJson, formatText, Tally } from './output.ts';
export { type TapDevice } from './serial-tap.ts';
