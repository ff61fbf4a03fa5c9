/**
 * The double spend that reaches the gateway: firmware that skips the agent's offline checks
 * records, in the agent's own correctly signed and chained ledger, (1) a withdrawal it already
 * paid, again under a new id (the same terminal, STAN and date: one request paid twice) and (2) a
 * withdrawal for a KPM whose credit failed (gagal transfer: cash paid against no credit). Both
 * are valid chain entries, so the gateway accepts the upload; the attack is caught only when
 * reconciliation classifies the first as `duplicate` and the second as `unknown_card`, so that
 * neither counts as withdrawn (the offline double spends, a card at another agent and one card at
 * two terminals at once, are the agent's to decline: see report.ts).
 */
import { withdrawalCategories, type WithdrawalCategory } from '../../gateway/recon/classify.ts';
import type { GatewayStore } from '../../gateway/store/types.ts';
import { ulidFactory } from '../../protocol/ids.ts';
import { entryBody, signEntry, type LedgerEntry } from '../../protocol/messages/index.ts';
import type { Prng } from '../common/prng.ts';
import type { AttackResult } from './attacks.ts';
import type { RigAgent } from './fleet.ts';
import type { Field } from './setup.ts';
import { agentOfKpm } from './plan.ts';
import { uploadEntries } from './signed-client.ts';

export interface DoubleSpendInput {
  readonly agent: RigAgent;
  readonly field: Field;
  readonly agents: number;
  readonly tahap: string;
  /** Where the firmware uploads (the gateway; a test points it at nothing). */
  readonly gatewayUrl: string;
}

/** A KPM of this agent whose credit failed, or, when it has none, one no bank file names. */
function uncreditedKpm(input: DoubleSpendInput): { kpmId: string; amount: number } {
  const { field, agent, agents } = input;
  const kpm = field.population.find(
    (k) => agentOfKpm(k.index, agents) === agent.index && field.statusOf.get(k.kpmId) !== 'credited',
  );
  return kpm === undefined
    ? { kpmId: 'KPM-9999999999', amount: 600_000 }
    : { kpmId: kpm.kpmId, amount: kpm.rupiahPerTahap };
}

/** The two entries the firmware appends after the agent's head, signed with the agent's key. */
function forge(prng: Prng, input: DoubleSpendInput, ledger: readonly LedgerEntry[]): LedgerEntry[] | undefined {
  const reversed = new Set(ledger.flatMap((e) => (e.kind === 'reversal' ? [e.reverses] : [])));
  const paid = ledger.filter((e) => e.kind === 'withdrawal' && !reversed.has(e.id));
  const head = ledger.at(-1);
  if (paid.length === 0 || head === undefined) return undefined;
  const original = prng.pick(paid);
  if (original.kind !== 'withdrawal') return undefined;
  const newId = ulidFactory({ random: (n) => prng.bytes(n) });
  const now = Date.now();
  const again = signEntry(
    { ...entryBody(original), id: newId(), seq: head.seq + 1, prevHash: head.hash, at: now },
    input.agent.keys.seed,
  );
  const { kpmId, amount } = uncreditedKpm(input);
  const uncredited = signEntry(
    {
      ...entryBody(original),
      id: newId(),
      seq: head.seq + 2,
      prevHash: again.hash,
      at: now,
      kpmId,
      amount,
      stan: '999999',
    },
    input.agent.keys.seed,
  );
  return [again, uncredited];
}

/** The reconciliation category the gateway gave one withdrawal, or undefined when it lists it nowhere. */
async function categoryOf(
  store: GatewayStore,
  tahap: string,
  entry: LedgerEntry,
): Promise<WithdrawalCategory | undefined> {
  for (const category of withdrawalCategories) {
    let after: string | undefined;
    do {
      const page = await store.withdrawals(tahap, category, { after, limit: 1000 });
      if (page.items.some((w) => w.agentId === entry.agentId && w.seq === entry.seq)) return category;
      after = page.next;
    } while (after !== undefined);
  }
  return undefined;
}

export async function doubleSpendAttack(
  prng: Prng,
  input: DoubleSpendInput,
  store: GatewayStore,
): Promise<{ result: AttackResult; injected: LedgerEntry[] }> {
  const ledger = (await input.agent.running!.core.exportBundle(1)).entries;
  const injected = forge(prng, input, ledger) ?? [];
  const answer =
    injected.length === 2
      ? await uploadEntries(input.gatewayUrl, input.agent.keys, injected)
      : { status: 0, code: undefined };
  const found = await Promise.all(injected.map((e) => categoryOf(store, input.tahap, e)));
  const caught = answer.status === 200 && found[0] === 'duplicate' && found[1] === 'unknown_card';
  return {
    result: {
      name: 'doubleSpendUpload',
      agentId: input.agent.keys.agentId,
      expected:
        'gateway accepts the valid chain and classifies the repeat duplicate and the uncredited KPM unknown_card',
      agentSide:
        injected.length === 2
          ? `firmware appended seq ${injected[0]!.seq} (a paid withdrawal again) and seq ${injected[1]!.seq}` +
            ` (${injected[1]!.kpmId}, no credit); classified ${found.map((c) => c ?? 'nowhere').join(', ')}`
          : 'nothing paid to repeat',
      gatewayStatus: answer.status,
      gatewayCode: answer.code,
      flagged: false,
      evidence: found.filter((c) => c === 'duplicate' || c === 'unknown_card').length,
      caught,
    },
    injected: answer.status === 200 ? injected : [],
  };
}
