/**
 * The monitor's capture file (--record FILE, read back with --read FILE): the raw bytes of the
 * line with their arrival times and directions, so that a replay shows exactly what the live
 * monitor showed. JSON lines, UTF-8:
 *
 *   {"v":1,"kind":"edc-monitor-capture","link":"serial","startedAt":1796046700646,"payloadBytesMax":2048}
 *   {"t":1796046700650,"dir":"terminal>agent","hex":"02011760000101..."}
 *   {"t":1796046700655,"dir":"agent>terminal","hex":"06"}
 *   {"t":1796046700700,"conn":1,"event":"open","detail":"terminal 127.0.0.1:50344"}
 *   {"t":1796046700710,"conn":1,"dir":"terminal>agent","hex":"0075..."}
 *   {"t":1796046709000,"event":"end"}
 *
 * `t` is milliseconds since the epoch; `dir` is terminal>agent, agent>terminal or merged (a tap
 * that carries both); `conn` numbers TCP connections; `end` is when the monitor
 * stopped (a frame still incomplete then is reported as truncated). The raw bytes hold card data (PAN, track
 * 2, PIN block), unlike anything the monitor prints: the file is created with mode 0600 and must
 * be handled as card data. Reading checks every line (EDC_ERR_SIM_CAPTURE names the first bad
 * one) and holds at most one line of captureLineCharsMax characters at a time.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { z } from 'zod';
import { ERR_SIM_CAPTURE, ERR_SIM_OUTPUT } from '../errors.ts';

/** One record holds at most this many bytes (hex: twice as many characters). */
export const captureChunkBytesMax = 32_768;
export const captureLineCharsMax = 2 * captureChunkBytesMax + 256;
/** Unwritten capture bytes the monitor holds before it calls the disk too slow and stops recording. */
export const captureBufferBytesMax = 8 * 1024 * 1024;

const Millis = z.number().int().min(0).max(8.64e15);
export const CaptureHeader = z.strictObject({
  v: z.literal(1),
  kind: z.literal('edc-monitor-capture'),
  link: z.enum(['serial', 'tcp']),
  startedAt: Millis,
  payloadBytesMax: z.number().int().min(1).max(65_535),
});
export type CaptureHeader = z.infer<typeof CaptureHeader>;
const Conn = z.number().int().min(1).max(1_000_000_000);
export const CaptureRecord = z.union([
  z.strictObject({
    t: Millis,
    conn: Conn.optional(),
    dir: z.enum(['terminal>agent', 'agent>terminal', 'merged']),
    hex: z
      .string()
      .max(2 * captureChunkBytesMax)
      .regex(/^(?:[0-9a-f]{2})+$/, 'expected lower-case hex bytes'),
  }),
  z.strictObject({ t: Millis, conn: Conn, event: z.enum(['open', 'close']), detail: z.string().max(200) }),
  // The monitor stopped here: frames still incomplete were cut off (EDC_ERR_FRAME_TRUNCATED).
  z.strictObject({ t: Millis, event: z.literal('end') }),
]);
export type CaptureRecord = z.infer<typeof CaptureRecord>;

export class CaptureWriter {
  private failure: Error | undefined;

  private constructor(
    private readonly out: WriteStream,
    readonly path: string,
  ) {
    out.on('error', (error) => void (this.failure ??= error));
  }

  /** Creates FILE (it must not exist) with mode 0600 and writes the header. */
  static async open(path: string, header: CaptureHeader): Promise<CaptureWriter> {
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    try {
      await once(out, 'open');
    } catch (cause) {
      throw new ERR_SIM_OUTPUT(
        `Cannot record to ${path}: ${(cause as Error).message} (the file must not exist)`,
        { path },
        cause,
      );
    }
    const writer = new CaptureWriter(out, path);
    writer.line(header);
    return writer;
  }

  /** Why recording stopped, once it has: after a failed write the file is never written again. */
  get failed(): Error | undefined {
    return this.failure;
  }

  private line(value: unknown): void {
    if (this.failure !== undefined) return;
    if (this.out.writableLength > captureBufferBytesMax) {
      this.failure = new Error(`more than ${captureBufferBytesMax} bytes waiting to be written: the disk is too slow`);
      return;
    }
    this.out.write(JSON.stringify(value) + '\n');
  }

  bytes(t: number, dir: 'terminal>agent' | 'agent>terminal' | 'merged', conn: number | undefined, chunk: Uint8Array) {
    for (let at = 0; at < chunk.length; at += captureChunkBytesMax) {
      const hex = Buffer.from(chunk.subarray(at, at + captureChunkBytesMax)).toString('hex');
      this.line({ t, ...(conn === undefined ? {} : { conn }), dir, hex });
    }
  }

  event(t: number, conn: number, event: 'open' | 'close', detail: string): void {
    this.line({ t, conn, event, detail: detail.slice(0, 200) });
  }

  /** Writes the end record (the monitor stopped at t) and closes the file. */
  async close(t: number): Promise<void> {
    this.line({ t, event: 'end' });
    if (this.out.closed) return;
    this.out.end();
    await once(this.out, 'close').catch(() => undefined);
  }
}

function refuse(path: string, line: number, problem: string): never {
  throw new ERR_SIM_CAPTURE(`Cannot read the capture ${path}: line ${line}: ${problem}`, { path, line });
}

/** The lines of a file, each at most captureLineCharsMax characters. */
async function* boundedLines(path: string): AsyncGenerator<string> {
  let partial = '';
  let line = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const parts = (partial + (chunk as string)).split('\n');
    partial = parts.pop()!;
    for (const part of parts) {
      line++;
      yield part;
    }
    if (partial.length > captureLineCharsMax)
      refuse(path, line + 1, `expected at most ${captureLineCharsMax} characters per line`);
  }
  if (partial !== '') yield partial;
}

function parseLine<T>(schema: z.ZodType<T>, text: string, path: string, line: number): T {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    refuse(path, line, 'expected one JSON object per line');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(path, line, `${issue.path.join('.') || 'record'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The header, then every record, checked line by line. */
export async function* readCapture(path: string): AsyncGenerator<CaptureHeader | CaptureRecord> {
  let line = 0;
  try {
    for await (const text of boundedLines(path)) {
      line++;
      yield line === 1 ? parseLine(CaptureHeader, text, path, 1) : parseLine(CaptureRecord, text, path, line);
    }
  } catch (cause) {
    if (cause instanceof ERR_SIM_CAPTURE) throw cause;
    throw new ERR_SIM_CAPTURE(`Cannot read the capture ${path}: ${(cause as Error).message}`, { path, line }, cause);
  }
  if (line === 0) refuse(path, 1, 'expected the capture header, found an empty file');
}
