/**
 * The agent's one pino configuration. Redaction is configured here, once, by path (after pino's
 * lib/redaction.js): PAN, NIK, PIN block, track 2 and ICC data never reach a log line, whatever
 * object a caller logs. Paths cover the plain keys at any of the first three depths and the ISO
 * 8583 field numbers that carry card data (2 PAN, 35 track 2, 52 PIN block, 55 ICC data).
 * A second line of defence scrubs long digit runs out of free-text messages, because an error
 * message built by a library may quote a PAN or NIK that no path can name.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

const secretKeys = ['pan', 'nik', 'pinBlock', 'track2', 'iccData', 'seed', 'cardNumber'];
const secretFields = ['2', '35', '52', '55'];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of secretKeys) paths.push(key, `*.${key}`, `*.*.${key}`);
  for (const field of secretFields) {
    paths.push(`fields["${field}"]`, `*.fields["${field}"]`, `*.*.fields["${field}"]`);
  }
  return paths;
}

export const redactedPaths: readonly string[] = Object.freeze(redactPaths());
export const redactedText = '[REDACTED]';

/**
 * 14 to 19 consecutive digits: every KKS PAN (16) and NIK (16), while millisecond timestamps (13
 * digits), sequence numbers and amounts stay readable.
 */
const longDigitRun = /(?<![0-9])[0-9]{14,19}(?![0-9])/g;

export function scrubText(text: string): string {
  return text.replace(longDigitRun, redactedText);
}

export interface AgentLoggerOptions {
  readonly level?: LoggerOptions['level'];
  /** Where lines go (default stdout); tests pass a stream to read the emitted lines. */
  readonly destination?: DestinationStream;
  readonly name?: string;
}

export function createAgentLogger(options: AgentLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'edc-agent',
    level: options.level ?? 'info',
    redact: { paths: [...redactedPaths], censor: redactedText },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<
          typeof method
        >;
        method.apply(this, scrubbed);
      },
    },
    serializers: { err: serializeError },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** Errors keep code, message and details, with the message scrubbed; stacks only at debug. */
function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubText(String(err)) };
  const out: Record<string, unknown> = { type: err.name, message: scrubText(err.message) };
  const coded = err as Error & { code?: unknown; details?: unknown };
  if (typeof coded.code === 'string') out.code = coded.code;
  if (coded.details !== undefined) out.details = coded.details;
  if (err.stack !== undefined) out.stack = scrubText(err.stack);
  return out;
}

/** A logger that drops everything, for library use without a configured logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
