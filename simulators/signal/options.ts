import { z } from 'zod';
import { describeIssues } from '../../protocol/messages/parse.ts';
import { ERR_SIM_CONFIG } from '../errors.ts';

const rate = z.number().min(0).max(1);

/** A blankspot window, in milliseconds since the proxy started. */
export const OutageWindow = z
  .strictObject({ fromMs: z.number().int().min(0), toMs: z.number().int().min(0) })
  .refine((w) => w.toMs > w.fromMs, 'toMs must be after fromMs');

export const SignalOptions = z.strictObject({
  /** The gateway base URL the proxy forwards to, e.g. http://127.0.0.1:8080 */
  target: z.url({ protocol: /^https?$/ }),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  outages: z.array(OutageWindow).max(10_000).default([]),
  latencyMs: z
    .strictObject({ min: z.number().int().min(0), max: z.number().int().min(0).max(120_000) })
    .refine((l) => l.max >= l.min, 'max must be >= min')
    .default({ min: 0, max: 0 }),
  rates: z
    .strictObject({
      /** Request lost before it reaches the gateway (connection reset). */
      drop: rate.default(0),
      /** Request reaches the gateway, the response is lost (connection reset): the ambiguous case. */
      lostResponse: rate.default(0),
      /** Request forwarded twice; the client sees the first response. */
      duplicate: rate.default(0),
      /** Response cut off halfway through its body. */
      truncate: rate.default(0),
      /** A 502/503/504 from the middlebox, the gateway never sees the request. */
      error5xx: rate.default(0),
      /**
       * Request forwarded, and a copy forwarded again reorderDelayMs later, after requests sent
       * since: old traffic arriving out of order (drawn from its own stream, so the other faults of
       * a seed stay as they were).
       */
      reorder: rate.default(0),
    })
    .default({ drop: 0, lostResponse: 0, duplicate: 0, truncate: 0, error5xx: 0, reorder: 0 }),
  reorderDelayMs: z
    .strictObject({ min: z.number().int().min(0), max: z.number().int().min(0).max(120_000) })
    .refine((l) => l.max >= l.min, 'max must be >= min')
    .default({ min: 500, max: 3_000 }),
  requestBodyBytesMax: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});
export type SignalOptionsInput = z.input<typeof SignalOptions>;
export type SignalOptions = z.output<typeof SignalOptions>;

export function parseSignalOptions(input: unknown): SignalOptions {
  const result = SignalOptions.safeParse(input);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  throw new ERR_SIM_CONFIG(`Cannot start the signal simulator: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
}
