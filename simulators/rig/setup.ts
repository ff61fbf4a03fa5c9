/**
 * Setting up the field: the seeded KPM population, the banks' disbursement files (each bank in
 * its own layout, with gagal transfer and retur rows), imported through `edc-gateway import
 * disbursements`, one malformed file whose rows must all be rejected with codes, and the agents
 * enrolled with `edc-gateway agents add` so that each KPM is allocated to exactly one agent.
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Bank, DisbursementStatus } from '../../gateway/import/index.ts';
import { generateSigningKeyPair } from '../../protocol/crypto/index.ts';
import { disbursementRecords, generatePopulation, writeDisbursementFile, type Kpm } from '../bank/index.ts';
import type { Prng } from '../common/prng.ts';
import { gatewayCli, initGatewayDir } from './gateway.ts';
import type { RigOptions } from './options.ts';
import { agentOfKpm } from './plan.ts';

export const rigBanks: readonly Bank[] = ['BRI', 'BNI', 'BTN', 'MANDIRI'];

export interface BankTotals {
  rows: number;
  disbursed: number;
  credited: number;
  failed: number;
  returned: number;
}

export interface ImportResult {
  readonly bank: Bank;
  readonly accepted: number;
  readonly duplicates: number;
  readonly conflicts: number;
  readonly rejected: number;
  readonly rejectsByCode: Readonly<Record<string, number>>;
}

export interface AgentKeys {
  readonly agentId: string;
  readonly seed: string;
  readonly publicKey: string;
  readonly bank: Bank;
  readonly kpmIds: readonly string[];
}

export interface Field {
  readonly population: readonly Kpm[];
  readonly statusOf: ReadonlyMap<string, DisbursementStatus>;
  readonly bankTotals: BankTotals;
  readonly imports: readonly ImportResult[];
  readonly malformedImport: ImportResult;
  readonly agents: readonly AgentKeys[];
}

export function agentIdOf(index: number): string {
  return `AGT-${String(index + 1).padStart(3, '0')}`;
}

async function writeBankFile(population: readonly Kpm[], options: RigOptions, bank: Bank, path: string): Promise<void> {
  const out = createWriteStream(path);
  await writeDisbursementFile(
    population,
    {
      bank,
      tahap: options.tahap,
      failedRate: options.failedRate,
      returnedRate: options.returnedRate,
      seed: options.seed,
    },
    out,
  );
  out.end();
  await finished(out);
}

async function importFile(gatewayDir: string, file: string, bank: Bank, tahap: string): Promise<ImportResult> {
  const out = await gatewayCli([
    'import',
    'disbursements',
    file,
    '--dir',
    gatewayDir,
    '--bank',
    bank,
    '--tahap',
    tahap,
  ]);
  const parsed = JSON.parse(out.trim().split('\n').at(-1)!) as Omit<ImportResult, 'bank'>;
  return {
    bank,
    accepted: parsed.accepted,
    duplicates: parsed.duplicates,
    conflicts: parsed.conflicts,
    rejected: parsed.rejected,
    rejectsByCode: parsed.rejectsByCode,
  };
}

function tally(
  population: readonly Kpm[],
  options: RigOptions,
): { statusOf: Map<string, DisbursementStatus>; totals: BankTotals } {
  const statusOf = new Map<string, DisbursementStatus>();
  const totals: BankTotals = { rows: 0, disbursed: 0, credited: 0, failed: 0, returned: 0 };
  for (const bank of rigBanks) {
    for (const record of disbursementRecords(population, {
      bank,
      tahap: options.tahap,
      failedRate: options.failedRate,
      returnedRate: options.returnedRate,
      seed: options.seed,
    })) {
      statusOf.set(record.kpmId, record.status);
      totals.rows += 1;
      totals.disbursed += record.amount;
      totals[record.status === 'credited' ? 'credited' : record.status] += record.amount;
    }
  }
  return { statusOf, totals };
}

/** A file with the first bank's header and rows that cannot be parsed: every row must be rejected with a code. */
async function importMalformed(
  gatewayDir: string,
  bankFile: string,
  tahap: string,
  dir: string,
): Promise<ImportResult> {
  const header = (await readFile(bankFile, 'utf8')).split('\n')[0]!;
  const path = join(dir, 'malformed-BRI.csv');
  await writeFile(path, `${header}\nnot,a,row\n${header.replace(/[^,;|]/g, '9')}\n`);
  return importFile(gatewayDir, path, 'BRI', tahap);
}

export async function setUpField(prng: Prng, options: RigOptions, dir: string, gatewayDir: string): Promise<Field> {
  const population = generatePopulation({ seed: options.seed, size: options.kpm });
  await initGatewayDir(gatewayDir);
  const imports: ImportResult[] = [];
  for (const bank of rigBanks) {
    const file = join(dir, `disbursements-${bank}.csv`);
    await writeBankFile(population, options, bank, file);
    imports.push(await importFile(gatewayDir, file, bank, options.tahap));
  }
  const malformedImport = await importMalformed(gatewayDir, join(dir, 'disbursements-BRI.csv'), options.tahap, dir);
  const agents: AgentKeys[] = [];
  for (let index = 0; index < options.agents; index++) {
    const keys = generateSigningKeyPair((n) => prng.bytes(n));
    const mine = population.filter((k) => agentOfKpm(k.index, options.agents) === index);
    const agent: AgentKeys = {
      agentId: agentIdOf(index),
      seed: keys.seed,
      publicKey: keys.publicKey,
      bank: rigBanks[index % rigBanks.length]!,
      kpmIds: mine.map((k) => k.kpmId),
    };
    const kpmFile = join(dir, `${agent.agentId}.kpm`);
    await writeFile(kpmFile, agent.kpmIds.join('\n') + '\n');
    await gatewayCli([
      'agents',
      'add',
      '--dir',
      gatewayDir,
      '--id',
      agent.agentId,
      '--public-key',
      agent.publicKey,
      '--bank',
      agent.bank,
      '--region',
      mine[0]!.regionCode,
      '--kpm-file',
      kpmFile,
    ]);
    agents.push(agent);
  }
  const { statusOf, totals } = tally(population, options);
  return { population, statusOf, bankTotals: totals, imports, malformedImport, agents };
}
