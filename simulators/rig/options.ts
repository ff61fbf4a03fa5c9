/**
 * The rig's options, parsed by one strict schema (the CLI and the tests build them), and the
 * named presets. Sizes are bounded so that a typo cannot ask for a rig the machine cannot run.
 */
import { z } from 'zod';
import { describeIssues } from '../../protocol/messages/parse.ts';
import { ERR_SIM_CONFIG } from '../errors.ts';

export const rigAgentsMax = 32;
export const rigTerminalsPerAgentMax = 8;
export const rigKpmMax = 50_000;

const rate = z.number().min(0).max(1);

/** The standard rates an EDC serial port runs at; the agent's config accepts the same list. */
export const serialBaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;
export type SerialBaudRate = (typeof serialBaudRates)[number];

export const RigOptions = z.strictObject({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  agents: z.number().int().min(3).max(rigAgentsMax).default(3),
  terminals: z.number().int().min(2).max(rigTerminalsPerAgentMax).default(2),
  kpm: z.number().int().min(30).max(rigKpmMax).default(300),
  /** How many agents (from the last) link their terminals over socat serial pairs; the others use TCP. */
  serialAgents: z.number().int().min(0).max(rigAgentsMax).default(0),
  tahap: z
    .string()
    .regex(/^[0-9]{4}-(I|II|III|IV)$/)
    .default('2026-IV'),
  /** Share of KPMs that come to draw (the rest stay unclaimed). */
  visitRate: rate.default(0.8),
  failedRate: rate.default(0.05),
  returnedRate: rate.default(0.02),
  /** Per-step terminal fault chances. */
  faults: z
    .strictObject({
      lostAck: rate.default(0.05),
      corrupt: rate.default(0.03),
      responseTimeout: rate.default(0.02),
      powerLoss: rate.default(0.02),
    })
    .prefault({}),
  /** Signal proxy fault rates while online (seeded per proxy). */
  signal: z
    .strictObject({
      drop: rate.default(0.05),
      lostResponse: rate.default(0.05),
      duplicate: rate.default(0.05),
      truncate: rate.default(0.02),
      error5xx: rate.default(0.05),
    })
    .prefault({}),
  /** Blankspot windows per village (agent), ms after the scenario starts. */
  outagesPerAgent: z.number().int().min(0).max(10).default(1),
  attacks: z
    .strictObject({
      doubleSpend: z.boolean().default(true),
      tamper: z.boolean().default(true),
      clone: z.boolean().default(true),
    })
    .prefault({}),
  /**
   * How long the rig waits for any one answer (terminal, agent, gateway) before it stops with
   * EDC_ERR_SIM_RIG_STALLED. A watchdog, not a timeout: every exchange waits for its answer, and
   * a response the plan hides is given up on when it arrives, so no outcome depends on this value.
   */
  answerWaitMs: z.number().int().min(1_000).max(600_000).default(60_000),
  /** Line speed of the serial links (agent port and terminal), 8N1. */
  baudRate: z.literal(serialBaudRates).default(9600),
});
export type RigOptionsInput = z.input<typeof RigOptions>;
export type RigOptions = z.output<typeof RigOptions>;

export const rigPresets = {
  demo: { agents: 3, terminals: 2, kpm: 300, serialAgents: 0, outagesPerAgent: 1 },
  ci: { agents: 3, terminals: 2, kpm: 240, serialAgents: 1, outagesPerAgent: 1 },
  large: { agents: 12, terminals: 4, kpm: 6000, serialAgents: 0, outagesPerAgent: 2 },
} as const satisfies Record<string, RigOptionsInput>;
export type RigPreset = keyof typeof rigPresets;

export function parseRigOptions(input: unknown): RigOptions {
  const result = RigOptions.safeParse(input);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new ERR_SIM_CONFIG(`Cannot start the rig: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
  if (result.data.serialAgents > result.data.agents) {
    throw new ERR_SIM_CONFIG(
      `Cannot start the rig: expected serialAgents <= agents (${result.data.agents}),` +
        ` found ${result.data.serialAgents}`,
      { issues: [] },
    );
  }
  return result.data;
}
