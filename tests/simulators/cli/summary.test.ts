import { describe, expect, it } from 'vitest';
import { formatSummary, type RigReport } from '../../../simulators/rig/index.ts';
import { nameCode } from '../../../simulators/rig/report.ts';

/** The parts of a report the summary reads; the rest of a real report does not matter here. */
function report(transactions: Record<string, unknown>): RigReport {
  const result = {
    options: { seed: 1, agents: 3, terminals: 2, kpm: 300, tahap: '2026-IV' },
    links: { tcpAgents: 3, serialAgents: 0 },
    outageWindows: 0,
    villages: [],
    transactions: { planned: 10, approved: 5, approvedAmount: 500_000, ...transactions },
    entries: [],
    reconciliation: { agree: true, kpm: {}, withdrawals: {}, totals: {} },
    attacks: [],
    invariants: [],
  };
  return { v: 1, ok: true, result, run: { wallMs: 1000 } } as unknown as RigReport;
}

describe('the rig summary names response codes from the protocol table', () => {
  it('nameCode() gives the Bahasa Indonesia and the English name', () => {
    expect(nameCode('14')).toBe('14 (Kartu tidak dikenali / invalid card number)');
    expect(nameCode('30')).toBe('30 (Format pesan salah / format error)');
    expect(nameCode('timeout')).toBe('timeout (tidak ada jawaban / no answer)');
    expect(nameCode('XX')).toBe('XX (unknown code)');
  });

  it('declines, reversals and faults are printed with their names', () => {
    const text = formatSummary(
      report({
        declinedByCode: { '14': 24, '51': 6 },
        reversals: { '00': 10 },
        byFault: { corrupt: { '30': 12 }, lostAck: { '00': 13, '55': 2 } },
      }),
    );
    expect(text).toMatch(/^ {2}declined 14 +24 {2}Kartu tidak dikenali \/ invalid card number$/m);
    expect(text).toMatch(/^ {2}declined 51 +6 {2}Saldo tidak mencukupi \/ insufficient funds$/m);
    expect(text).toMatch(/^ {2}reversal answered 00 +10 {2}Disetujui \/ approved$/m);
    expect(text).toMatch(/^ {2}fault corrupt +12 x 30 \(Format pesan salah \/ format error\)$/m);
    expect(text).toMatch(
      /^ {2}fault lostAck +13 x 00 \(Disetujui \/ approved\), 2 x 55 \(PIN salah \/ incorrect PIN\)$/m,
    );
  });
});
