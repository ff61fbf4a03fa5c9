/**
 * The invariants of ARCHITECTURE.md, checked from what the terminals were told, what each
 * agent's ledger holds and what the gateway stored and reconciled. Each check lists its
 * violations (the first violationsListedMax); the rig fails when any list is non-empty.
 */
import type { LedgerEntry } from '../../protocol/messages/index.ts';
import type { TahapCounters } from '../../gateway/recon/counters.ts';
import type { AttackResult } from './attacks.ts';
import type { AgentRole } from './roles.ts';
import type { StepOutcome } from './drive.ts';
import type { ProbeResult } from './probes.ts';
import type { BankTotals, ImportResult } from './setup.ts';

export const violationsListedMax = 20;

export interface InvariantResult {
  readonly id: number;
  readonly name: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly violations: readonly string[];
}

export interface AgentView {
  readonly agentId: string;
  /** tampered: its gateway chain may stop short and its later approvals may be missing (it must be flagged instead). */
  readonly role: AgentRole;
  /** The agent's chain as its device signed it: its ledger, plus what firmware appended (`injected`). */
  readonly ledger: readonly LedgerEntry[];
  /** Entries no terminal asked for, appended by the double-spending firmware (they must be classified, not paid). */
  readonly injected: readonly LedgerEntry[];
  readonly gateway: readonly LedgerEntry[];
  readonly flagged: boolean;
}

export interface CheckInput {
  readonly outcomes: readonly StepOutcome[];
  readonly agents: readonly AgentView[];
  readonly counters: TahapCounters;
  readonly reconAgree: boolean;
  readonly bankTotals: BankTotals;
  readonly creditedOf: ReadonlyMap<string, number>;
  readonly probes: readonly ProbeResult[];
  readonly probesStateUnchanged: boolean;
  readonly malformedImport: ImportResult;
  readonly attacks: readonly AttackResult[];
}

const keyOf = (terminalId: string, stan: string, localDate: string): string => `${terminalId}|${stan}|${localDate}`;

function result(id: number, name: string, checked: number, violations: string[]): InvariantResult {
  return { id, name, ok: violations.length === 0, checked, violations: violations.slice(0, violationsListedMax) };
}

function withdrawalsByKey(entries: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const map = new Map<string, LedgerEntry[]>();
  for (const e of entries)
    if (e.kind === 'withdrawal')
      map.set(keyOf(e.terminalId, e.stan, e.localDate), [
        ...(map.get(keyOf(e.terminalId, e.stan, e.localDate)) ?? []),
        e,
      ]);
  return map;
}

function withoutInjected(a: AgentView, entries: readonly LedgerEntry[]): readonly LedgerEntry[] {
  if (a.injected.length === 0) return entries;
  const injected = new Set(a.injected.map((e) => e.seq));
  return entries.filter((e) => !injected.has(e.seq));
}

function reversedIds(entries: readonly LedgerEntry[]): Set<string> {
  return new Set(entries.flatMap((e) => (e.kind === 'reversal' ? [e.reverses] : [])));
}

/** 1: every approval told to a terminal is in its agent's ledger once, and at the gateway once. */
export function checkApprovals(input: CheckInput): InvariantResult {
  const violations: string[] = [];
  let checked = 0;
  const views = new Map(
    input.agents.map((a) => [
      a.agentId,
      {
        a,
        // What firmware appended is judged by its attack (it must be classified, not paid), not matched to terminals.
        ledger: withdrawalsByKey(withoutInjected(a, a.ledger)),
        gw: withdrawalsByKey(withoutInjected(a, a.gateway)),
        ledgerRev: reversedIds(a.ledger),
        gwRev: reversedIds(a.gateway),
      },
    ]),
  );
  const told = new Set<string>();
  for (const o of input.outcomes) {
    if (o.kind !== 'withdraw' || o.label === 'clone') continue;
    const agentId = input.agents[o.agent]!.agentId;
    const v = views.get(agentId)!;
    const key = keyOf(o.terminalId, o.stan, o.localDate);
    told.add(`${agentId}|${key}`);
    const inLedger = v.ledger.get(key) ?? [];
    const atGateway = v.gw.get(key) ?? [];
    const reversed = o.reversal?.code === '00';
    checked++;
    if (o.toldApproved && (inLedger.length !== 1 || inLedger[0]!.amount !== o.amount))
      violations.push(`${agentId} ${key}: told approved, ledger holds ${inLedger.length} matching withdrawal(s)`);
    if (!o.toldApproved && o.code !== 'timeout' && inLedger.length > 0)
      violations.push(`${agentId} ${key}: declined ${o.code}, but the ledger holds a withdrawal`);
    if (inLedger.length > 0 && o.code === 'timeout' && !reversed)
      violations.push(`${agentId} ${key}: timed out and never reversed, but the ledger holds a withdrawal`);
    if (reversed && inLedger.length > 0 && !v.ledgerRev.has(inLedger[0]!.id))
      violations.push(`${agentId} ${key}: reversal answered 00 but the ledger holds no reversal of it`);
    if (v.a.role === 'tampered') {
      if (inLedger.length > 0 && atGateway.length === 0 && !v.a.flagged)
        violations.push(`${agentId} ${key}: approval never reached the gateway and the agent is not flagged`);
      continue;
    }
    if (atGateway.length !== inLedger.length)
      violations.push(`${agentId} ${key}: ledger holds ${inLedger.length}, gateway ${atGateway.length}`);
    if (reversed && atGateway.length > 0 && !v.gwRev.has(atGateway[0]!.id))
      violations.push(`${agentId} ${key}: reversal never reached the gateway`);
  }
  for (const a of input.agents) {
    for (const e of withoutInjected(a, a.gateway))
      if (e.kind === 'withdrawal' && !told.has(`${a.agentId}|${keyOf(e.terminalId, e.stan, e.localDate)}`))
        violations.push(`${a.agentId} seq ${e.seq}: gateway holds a withdrawal no terminal asked for`);
  }
  return result(
    1,
    'every approved withdrawal is in its ledger and reached the gateway exactly once (attacked agents flagged instead)',
    checked,
    violations,
  );
}

/** 2: each gateway chain is the agent's own chain, entry by entry (hash), with nothing missing or extra. */
export function checkChains(input: CheckInput): InvariantResult {
  const violations: string[] = [];
  for (const a of input.agents) {
    a.gateway.forEach((e, i) => {
      if (e.seq !== i + 1) violations.push(`${a.agentId}: gateway entry ${i} has seq ${e.seq}`);
      if (a.ledger[i]?.hash !== e.hash)
        violations.push(`${a.agentId} seq ${e.seq}: gateway hash differs from the agent's ledger`);
    });
    if (a.role !== 'tampered' && a.gateway.length !== a.ledger.length)
      violations.push(`${a.agentId}: ledger holds ${a.ledger.length} entries, gateway ${a.gateway.length}`);
    if ((a.role === 'tampered' || a.role === 'cloned') && !a.flagged)
      violations.push(`${a.agentId}: attacked (${a.role}) but not flagged at the gateway`);
    if (a.role === 'honest' && a.flagged) violations.push(`${a.agentId}: honest agent flagged`);
  }
  return result(
    2,
    'no entry lost, reordered or altered between agent and gateway without detection',
    input.agents.length,
    violations,
  );
}

/** 3: no KPM drew more than credited (by the terminals' own tally and the gateway's positions). */
export function checkOverdraw(input: CheckInput): InvariantResult {
  const violations: string[] = [];
  const drawn = new Map<string, number>();
  for (const o of input.outcomes) {
    if (o.label === 'clone' || !o.toldApproved || o.kpmId === null || o.reversal?.code === '00') continue;
    drawn.set(o.kpmId, (drawn.get(o.kpmId) ?? 0) + o.amount);
  }
  for (const [kpmId, amount] of drawn)
    if (amount > (input.creditedOf.get(kpmId) ?? 0))
      violations.push(`${kpmId}: terminals paid ${amount}, credited ${input.creditedOf.get(kpmId) ?? 0}`);
  // The clone pays KPMs the victim already paid: those (and only those) may be overdrawn, and
  // every payout it was approved for must be counted as a fork withdrawal.
  const clonePaid = input.outcomes.filter((o) => o.label === 'clone' && o.toldApproved && o.reversal?.code !== '00');
  const cloneKpms = new Set(clonePaid.map((o) => o.kpmId));
  const overdrawn = input.counters.kpmByCategory.overdrawn.count;
  if (overdrawn > cloneKpms.size)
    violations.push(`gateway classifies ${overdrawn} KPM(s) as overdrawn (excess ${input.counters.overdrawnExcess})`);
  const fork = input.counters.withdrawalsByCategory.fork;
  const cloneAmount = clonePaid.reduce((n, o) => n + o.amount, 0);
  if (fork.count !== clonePaid.length || fork.amount !== cloneAmount)
    violations.push(
      `the cloned key paid ${clonePaid.length} withdrawal(s) (Rp ${cloneAmount}),` +
        ` the gateway counts ${fork.count} fork withdrawal(s) (Rp ${fork.amount})`,
    );
  return result(3, 'no KPM drew more than disbursed; injected double spends are flagged', drawn.size, violations);
}

/** 4: disbursed = withdrawn + unclaimed + failed + returned, equal to the banks' files and the terminals' tally. */
export function checkTotals(input: CheckInput, expectedWithdrawn: number): InvariantResult {
  const c = input.counters;
  const n = (k: 'disbursed' | 'credited' | 'failed' | 'returned' | 'withdrawn' | 'unclaimed'): number => c[k];
  const violations: string[] = [];
  if (n('disbursed') !== n('withdrawn') + n('unclaimed') + n('failed') + n('returned'))
    violations.push(
      `disbursed ${n('disbursed')} != withdrawn ${n('withdrawn')} + unclaimed ${n('unclaimed')}` +
        ` + failed ${n('failed')} + returned ${n('returned')}`,
    );
  for (const k of ['disbursed', 'credited', 'failed', 'returned'] as const)
    if (n(k) !== input.bankTotals[k]) violations.push(`${k}: gateway ${n(k)}, bank files ${input.bankTotals[k]}`);
  if (n('withdrawn') !== expectedWithdrawn)
    violations.push(
      `withdrawn: gateway ${n('withdrawn')}, terminals were paid ${expectedWithdrawn}` +
        ' at agents whose ledgers reached it',
    );
  if (!input.reconAgree) violations.push('full recompute disagrees with the continuous reconciliation');
  return result(
    4,
    'totals balance per tahap to the rupiah (and match the bank files and the terminals)',
    1,
    violations,
  );
}

/** 5: bad input got typed, coded errors and changed nothing. */
export function checkTypedErrors(input: CheckInput): InvariantResult {
  const violations = input.probes
    .filter((p) => !p.ok)
    .map((p) => `${p.name}: expected ${p.expected}, found ${p.found}`);
  if (!input.probesStateUnchanged) violations.push('a refused request changed the gateway state');
  const bad = input.malformedImport;
  if (
    bad.accepted !== 0 ||
    bad.rejected < 2 ||
    Object.keys(bad.rejectsByCode).some((code) => !code.startsWith('EDC_ERR_'))
  )
    violations.push(
      `malformed bank file: accepted ${bad.accepted}, rejected ${bad.rejected}` +
        ` (${Object.keys(bad.rejectsByCode).join(', ')})`,
    );
  for (const a of input.attacks)
    if (a.gatewayStatus >= 400 && (a.gatewayCode === undefined || !a.gatewayCode.startsWith('EDC_ERR_')))
      violations.push(`${a.name}: gateway answered ${a.gatewayStatus} without a code`);
  const untyped = input.outcomes.filter((o) => o.code !== 'timeout' && !/^[0-9A-Z]{2}$/.test(o.code));
  for (const o of untyped) violations.push(`${o.terminalId} stan ${o.stan}: response code ${o.code}`);
  return result(
    5,
    'bad input of any kind got a typed, coded error and changed no state',
    input.probes.length + input.outcomes.length + 1,
    violations,
  );
}

/**
 * What the gateway should count as withdrawn: the terminals' own tally at agents whose ledgers
 * reached it (the cloned key's device included: its branch is kept and counted), plus, for a
 * tampered agent, the intact prefix of its chain the gateway accepted (its own forwarder uploads
 * whole intact batches before the altered one).
 */
export function expectedWithdrawnOf(input: CheckInput): number {
  const perKpm = new Map<string, number>();
  const add = (kpmId: string, amount: number): void => void perKpm.set(kpmId, (perKpm.get(kpmId) ?? 0) + amount);
  for (const o of input.outcomes) {
    // The clone's payouts reached the KPMs' cards: drawn from them like the victim's (capped at the credit).
    if (!o.toldApproved || o.kpmId === null || o.reversal?.code === '00' || input.agents[o.agent]!.role === 'tampered')
      continue;
    add(o.kpmId, o.amount);
  }
  for (const a of input.agents) {
    if (a.role !== 'tampered') continue;
    const reversed = reversedIds(a.gateway);
    for (const e of a.gateway) if (e.kind === 'withdrawal' && !reversed.has(e.id)) add(e.kpmId, e.amount);
  }
  let total = 0;
  for (const [kpmId, amount] of perKpm) total += Math.min(amount, input.creditedOf.get(kpmId) ?? 0);
  return total;
}

export function checkAll(input: CheckInput): InvariantResult[] {
  return [
    checkApprovals(input),
    checkChains(input),
    checkOverdraw(input),
    checkTotals(input, expectedWithdrawnOf(input)),
    checkTypedErrors(input),
  ];
}
