import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  agentRefusalTexts,
  isApproved,
  isResponseCode,
  networkManagementKind,
  responseCodes,
} from '../../../protocol/iso8583/index.ts';
import { samples, withFields } from './samples.ts';

describe('responseCodes', () => {
  it('holds every code of the PKH reference list plus 95 for settlement', () => {
    const reference = ['00', '05', '12', '13', '14', '30', '51', '54', '55', '58', '61', '65', '91', '94', '96'];
    expect(Object.keys(responseCodes).sort()).toEqual([...reference, '95'].sort());
  });

  it('gives receipt texts in Bahasa Indonesia from the glossary', () => {
    expect(responseCodes['00'].id).toBe('Disetujui');
    expect(responseCodes['14'].id).toBe('Kartu tidak dikenali');
    expect(responseCodes['51'].id).toBe('Saldo tidak mencukupi');
    expect(responseCodes['55'].id).toBe('PIN salah');
    expect(responseCodes['61'].id).toBe('Melebihi batas transaksi');
    expect(responseCodes['91'].id).toBe('Perlu sinkronisasi terlebih dahulu');
  });

  it('keeps every text printable ASCII that fits field 62', () => {
    for (const { en, id } of [...Object.values(responseCodes), ...Object.values(agentRefusalTexts)]) {
      expect(id).toMatch(/^[\x20-\x7e]{1,120}$/);
      expect(en.length).toBeGreaterThan(0);
    }
  });

  it("lists the agent's own refusal texts in protocol/README.md Part 2 §10.7, with their English forms", () => {
    const readme = readFileSync(new URL('../../../protocol/README.md', import.meta.url), 'utf8');
    const section = readme.split('#### 10.7')[1]?.split('\n## ')[0] ?? '';
    const rows = [...section.matchAll(/^\| \d\d \| `([^`]+)` \| ([^|]+) \|$/gm)].map((m) => ({
      id: m[1],
      en: m[2]!.trim(),
    }));
    expect(rows).toEqual(Object.values(agentRefusalTexts).map(({ id, en }) => ({ id, en })));
  });

  it('only 00 approves; isResponseCode() knows only the table', () => {
    expect(isApproved('00')).toBe(true);
    expect(isApproved('05')).toBe(false);
    expect(isResponseCode('99')).toBe(false);
    expect(isResponseCode('toString')).toBe(false);
  });
});

describe('networkManagementKind()', () => {
  it('tells sign-on (70 = 001) from echo (70 = 301)', () => {
    expect(networkManagementKind(samples['0800'])).toBe('sign-on');
    expect(networkManagementKind(withFields(samples['0810'], { 70: '301' }))).toBe('echo');
    expect(() => networkManagementKind(samples['0200'])).toThrow(/0800 or 0810/);
  });
});
