/**
 * `edc-sim terminal` run in-process against a real agent (real core on LevelDB, real TCP
 * listener): typed sessions (re-asking only what was refused), the card's own PIN always
 * checked, and the struk of each answer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';
import { startTestAgent, type TestAgent } from '../support/agent.ts';

let agent: TestAgent;
let stanNext = 1;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => agent.close());

async function terminal(lines: string[], ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stopped: () => Promise.resolve(),
    stdin: Readable.from([lines.map((l) => l + '\n').join('')]),
  };
  // Each run takes fresh STANs, as a terminal that kept its counter would.
  const stan = String(stanNext);
  stanNext += 50;
  const status = await runSimCli(['terminal', '--tcp', `127.0.0.1:${agent.port}`, '--stan', stan, ...argv], io);
  return { status, out, err };
}

/** Struk text with wrapped values joined back onto their label's line. */
const flat = (text: string): string => text.replace(/\n {16}/g, ' ');

describe('edc-sim terminal, typed', () => {
  it('asks again only for what was refused, and prints each struk: 00 OFFLINE, 51 with Sisa Bantuan, 55', async () => {
    const [kpm0, kpm1] = agent.kpmIds;
    const [card0] = agent.cards;
    const result = await terminal(
      [kpm0!, '12', card0!.pin, 'Rp 700.000,50', 'Rp 500.000'].concat(
        [card0!.pan, card0!.pin, '300.000'],
        [kpm1!, '000000', '10000'],
        ['KPM-9999', ''],
      ),
      '--cards',
      agent.cardsFile,
      '--merchant-id',
      'AGT-001',
    );
    expect(result.status).toBe(0);
    expect(result.err).toContain('PIN tidak valid: PIN terdiri dari 4-12 digit');
    expect(result.err).toContain('Jumlah tidak valid: rupiah tidak memakai sen');
    expect(result.err).toContain('Kartu tidak bisa dipakai: ID KPM ini tidak ada di file --cards');
    // The refused amount was asked again (4 amount prompts for 3 transactions), the card was not.
    expect(result.err.match(/Jumlah, mis\. Rp 700\.000/g)).toHaveLength(4);
    expect(result.err.match(/Nomor kartu atau ID KPM/g)).toHaveLength(5);
    const struks = result.out.split(/={40}\n={40}/).map(flat);
    expect(struks).toHaveLength(3);
    expect(struks[0]).toMatch(/\*\*\* OFFLINE \*\*\*[\s\S]*Agen +: AGT-001\n[\s\S]*Jumlah +: Rp 500\.000/);
    expect(struks[0]).toMatch(/Status +: DISETUJUI[\s\S]*Sisa Bantuan +: Rp 250\.000/);
    expect(struks[1]).toMatch(/Status +: DITOLAK\nAlasan +: Saldo tidak mencukupi \(51\)\nSisa Bantuan +: Rp 250\.000/);
    expect(struks[2]).toMatch(/Alasan +: PIN salah \(55\)/);
    const entries = await agent.core.unacknowledged(10);
    expect(entries.map((e) => e.kind === 'withdrawal' && e.amount)).toEqual([500_000]);
  });

  it('without --cards or --card-pin refuses to start: a simulated card always has its own PIN', async () => {
    const result = await terminal([agent.cards[2]!.pan, '123456', '10000', '']);
    expect(result.status).toBe(2);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_USAGE: Expected --cards FILE or --card-pin PIN/);
  });

  it('with --card-pin, a card not in --cards has that PIN: a wrong PIN typed is 55, never approved', async () => {
    const card = agent.cards[2]!;
    const result = await terminal([card.pan, '111111', '10.000', ''], '--card-pin', card.pin, '--lang', 'en');
    expect(result.status).toBe(0);
    expect(flat(result.out)).toMatch(/Reason +: incorrect PIN \(55\)/);
    expect(result.err).toContain('Card number or KPM id (empty = quit)');
  });

  it('a card number that is in neither --cards nor --card-pin is refused and asked again', async () => {
    const result = await terminal(['6032980000000085', ''], '--cards', agent.cardsFile);
    expect(result.status).toBe(0);
    expect(result.err).toContain('PIN kartu tidak diketahui');
    expect(result.out).toBe('');
  });
});

describe('edc-sim terminal --script', () => {
  it("refuses a card step whose card's own PIN is unknown, before connecting (EDC_ERR_SIM_CONFIG)", async () => {
    const script = join(agent.dir, 'no-pin.json');
    const steps = [{ kind: 'withdraw', pan: '6032980000000085', pin: '123456', amount: 10_000 }];
    await writeFile(script, JSON.stringify({ v: 1, steps }));
    const result = await terminal([], '--script', script, '--cards', agent.cardsFile);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(
      /^edc-sim: EDC_ERR_SIM_CONFIG: .*steps\.0\.cardPin: expected cardPin, the card in --cards/,
    );
  });

  it('takes the card PIN from --cards: the right PIN is approved, a wrong one is 55', async () => {
    const card = agent.cards[1]!;
    const script = join(agent.dir, 'cards.json');
    const steps = [
      { kind: 'withdraw', pan: card.pan, pin: '999999', amount: 10_000 },
      { kind: 'balance', pan: card.pan, pin: card.pin },
    ];
    await writeFile(script, JSON.stringify({ v: 1, steps }));
    const result = await terminal([], '--script', script, '--cards', agent.cardsFile);
    expect(result.status).toBe(0);
    const [wrong, balance] = result.out.split(/={40}\n={40}/).map(flat);
    expect(wrong).toMatch(/Alasan +: PIN salah \(55\)/);
    expect(balance).toMatch(/STRUK CEK SALDO[\s\S]*Status +: DISETUJUI/);
  });

  it('--help names every flag in the usage lines, --card-pin and --cards included', async () => {
    const result = await terminal([], '--help');
    const usage = result.out.slice(0, result.out.indexOf('\n  Without'));
    for (const flag of ['--cards', '--card-pin', '--script', '--lang', '--agent-name', '--stan', '--seed'])
      expect(usage).toContain(flag);
  });
});
