/**
 * The soak's options, one strict schema (EDC_ERR_SIM_CONFIG when invalid; the command line
 * turns its flags into these and reports a bad flag as EDC_ERR_SIM_USAGE first).
 */
import { z } from 'zod';
import { describeIssues } from '../../protocol/messages/parse.ts';
import { ERR_SIM_CONFIG } from '../errors.ts';

export const soakMinutesMax = 24 * 60;

export const SoakOptions = z.strictObject({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Length of the fault phase, in minutes (fractions allowed); the heal and drain come after. */
  minutes: z.number().min(0.1).max(soakMinutesMax).default(1),
  agents: z.number().int().min(3).max(8).default(3),
  terminals: z.number().int().min(1).max(4).default(2),
  kpm: z.number().int().min(60).max(20_000).default(600),
  tahap: z
    .string()
    .regex(/^[0-9]{4}-(I|II|III|IV)$/)
    .default('2026-IV'),
  /** Mean wait between two scheduled faults, ms. */
  faultEveryMs: z.number().int().min(500).max(600_000).default(4_000),
  /** A terminal's pause between two transactions, ms (keeps the load a 2-core machine can carry). */
  thinkMs: z
    .strictObject({ min: z.number().int().min(0), max: z.number().int().min(0).max(60_000) })
    .refine((t) => t.max >= t.min, 'max must be >= min')
    .default({ min: 80, max: 400 }),
  /** How long the final drain may take before the run fails (an agent that cannot drain). */
  drainTimeoutMs: z.number().int().min(5_000).max(3_600_000).default(180_000),
});
export type SoakOptionsInput = z.input<typeof SoakOptions>;
export type SoakOptions = z.output<typeof SoakOptions>;

export function parseSoakOptions(input: unknown): SoakOptions {
  const result = SoakOptions.safeParse(input);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  throw new ERR_SIM_CONFIG(`Cannot run the soak: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
}
