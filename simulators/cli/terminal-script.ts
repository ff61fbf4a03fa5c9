/**
 * The scenario file of `edc-sim terminal --script` (JSON, zod-validated): card steps (withdraw,
 * balance) and terminal steps (echo, settle). A simulated card always has its own PIN: a step's
 * `cardPin`, else the card's row in --cards, else --card-pin; a step with none of them is refused
 * before anything is sent, so no scenario can have "any PIN approved".
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssues } from '../../protocol/messages/parse.ts';
import { ERR_SIM_CONFIG } from '../errors.ts';
import { amountRupiahTypedMax } from '../terminal/index.ts';

const Pan = z.string().regex(/^[0-9]{12,19}$/, 'expected a card number of 12-19 digits');
export const Pin = z.string().regex(/^[0-9]{4,12}$/, 'expected a PIN of 4-12 digits');
const CardStep = {
  pan: Pan,
  pin: Pin,
  cardPin: Pin.optional(),
  expiry: z
    .string()
    .regex(/^[0-9]{4}$/)
    .default('2912'),
};
export const TerminalScript = z.strictObject({
  v: z.literal(1),
  steps: z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('withdraw'),
          ...CardStep,
          amount: z.number().int().min(1).max(amountRupiahTypedMax),
        }),
        z.strictObject({ kind: z.literal('balance'), ...CardStep }),
        z.strictObject({ kind: z.literal('echo') }),
        z.strictObject({ kind: z.literal('settle') }),
      ]),
    )
    .min(1)
    .max(10_000),
});
export type TerminalScript = z.infer<typeof TerminalScript>;
export type ScriptStep = TerminalScript['steps'][number];

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new ERR_SIM_CONFIG(
      `Cannot read the scenario ${path}: expected a JSON file (${(cause as Error).message})`,
      { issues: [] },
      cause,
    );
  }
}

/** Loads and checks a scenario; `cardPinOf` gives the card's PIN from --cards or --card-pin. */
export async function loadScript(
  path: string,
  cardPinOf: (pan: string) => string | undefined,
): Promise<TerminalScript> {
  const parsed = TerminalScript.safeParse(await readJson(path));
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new ERR_SIM_CONFIG(`Cannot run the scenario ${path}: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
  parsed.data.steps.forEach((step, i) => {
    if ((step.kind === 'withdraw' || step.kind === 'balance') && step.cardPin === undefined && !cardPinOf(step.pan)) {
      const message = 'expected cardPin, the card in --cards, or --card-pin: a simulated card always has its own PIN';
      throw new ERR_SIM_CONFIG(`Cannot run the scenario ${path}: steps.${i}.cardPin: ${message}`, {
        issues: [{ path: `steps.${i}.cardPin`, message }],
      });
    }
  });
  return parsed.data;
}
