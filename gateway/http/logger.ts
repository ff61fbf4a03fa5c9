/**
 * The gateway's pino logger. Redaction is configured here once, by path: request authorization
 * and signature headers, and any pan/nik/name/sealed field wherever a log call might carry one
 * (rows, entries, bodies). Tests read the emitted lines to hold this.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-edc-signature"]',
  'headers.authorization',
  '*.pan',
  '*.nik',
  '*.name',
  '*.sealedPan',
  '*.panHash',
  '*.sealed',
  '*.*.pan',
  '*.*.nik',
  '*.*.sealedPan',
  'pan',
  'nik',
  'sealedPan',
  'body',
  '*.body',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'edc-gateway' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
