import { describe, expect, it } from 'vitest';
import { agentRefusalTexts, type IsoMessage } from '../../../protocol/iso8583/index.ts';
import { formatReceipt, receiptColumns, type ReceiptInput } from '../../../simulators/terminal/index.ts';

const pan = '6032980000000085';
const at = Date.UTC(2026, 10, 22, 7, 32); // 14:32 WIB
const echoed = {
  3: '010000',
  4: 700_000,
  11: '000042',
  12: '143210',
  13: '1122',
  41: 'EDCSIM01',
  42: 'AGT-BRI-0001   ',
};
const sisa = (amount: number) => [{ accountType: '00', amountType: '02', currency: '360', amount }] as const;

function response(mti: IsoMessage['mti'], fields: Record<number, unknown>): IsoMessage {
  return { tpdu: { destination: 0, source: 1 }, mti, fields: { ...echoed, ...fields } };
}
function struk(input: Partial<ReceiptInput> & Pick<ReceiptInput, 'response'>): string {
  return formatReceipt({ kind: 'withdrawal', pan, at, utcOffsetMinutes: 420, authorizedOffline: true, ...input });
}
/** The struk with wrapped values joined back onto their label's line. */
const flat = (text: string): string => text.replace(/\n {15,16}(?=\S)/g, ' '); // a value wrapped under its label
const approved = response('0210', { 37: '000000000007', 38: '41FQ5B', 39: '00', 54: sisa(650_000), 62: 'Disetujui' });

describe('formatReceipt() prints the struk', () => {
  it('lines every value up after labels of one width, Kode Otorisasi included, within the printer width', () => {
    for (const language of ['id', 'en'] as const) {
      const lines = struk({ response: approved, language, agentName: 'Toko Sumber Rejeki Makmur Jaya' }).split('\n');
      expect(lines.every((line) => line.length <= receiptColumns)).toBe(true);
      const columns = new Set(lines.filter((l) => /^\S[^:]*: /.test(l)).map((l) => l.indexOf(': ')));
      expect(columns.size).toBe(1);
    }
    expect(struk({ response: approved })).toMatch(/^Kode Otorisasi: 41FQ5B$/m);
    expect(struk({ response: approved })).toMatch(/^Jumlah {8}: Rp 700\.000$/m);
  });

  it('names the agent (field 42, and the shop name when known) and marks an offline approval', () => {
    const text = struk({ response: approved, agentName: 'Toko Sumber Rejeki' });
    expect(text).toMatch(/^Agen +: AGT-BRI-0001$/m);
    expect(text).toContain('Toko Sumber Rejeki');
    expect(text).toContain('*** OFFLINE ***');
    expect(text).toMatch(/^No\. Referensi : 000000000007$/m);
    expect(text).toMatch(/^No\. Trace +: 000042$/m);
    expect(text).toMatch(/^Sisa Bantuan +: Rp 650\.000$/m);
    expect(struk({ response: approved, authorizedOffline: false })).not.toContain('OFFLINE');
  });

  it('prints the decline reason once, with its code, and Sisa Bantuan on a 51', () => {
    const declined = response('0210', { 39: '51', 54: sisa(250_000), 62: 'Saldo tidak mencukupi' });
    const text = flat(struk({ response: declined }));
    expect(text).toMatch(/^Status +: DITOLAK$/m);
    expect(text.match(/Saldo tidak mencukupi/g)).toHaveLength(1);
    expect(text).toMatch(/^Alasan +: Saldo tidak mencukupi \(51\)$/m);
    expect(text).toMatch(/^Sisa Bantuan +: Rp 250\.000$/m);
    expect(text).not.toContain('OFFLINE');
    expect(text).not.toContain('Kode Otorisasi');
  });

  it("a 05 gives the agent's own reason once (offline limit), in English too; other 62 text is a note", () => {
    const limit = response('0210', { 39: '05', 62: agentRefusalTexts.offlineLimit.id });
    expect(flat(struk({ response: limit })).match(/Batas transaksi offline agen tercapai/g)).toHaveLength(1);
    expect(struk({ response: limit }).match(/Ditolak|Keterangan/g)).toBeNull();
    expect(flat(struk({ response: limit, language: 'en' }))).toContain('Agent offline limit reached, sync needed (05)');
    const noted = flat(struk({ response: response('0210', { 39: '91', 62: 'Sinkron dulu di kantor cabang' }) }));
    expect(noted).toMatch(/^Alasan +: Perlu sinkronisasi terlebih dahulu \(91\)$/m);
    expect(noted).toMatch(/^Keterangan +: Sinkron dulu di kantor cabang$/m);
  });

  it('gives a balance inquiry no reference number: its BI reference repeats across terminals', () => {
    const balance = response('0110', { 3: '310000', 37: 'BI1122000042', 39: '00', 54: sisa(700_000) });
    const text = struk({ kind: 'balance', response: balance });
    expect(text).toContain('STRUK CEK SALDO');
    expect(text).not.toContain('BI1122000042');
    expect(text).not.toContain('No. Referensi');
    expect(text).toMatch(/^Terminal +: EDCSIM01$/m);
    expect(text).not.toContain('Jumlah');
  });

  it('prints English with language en', () => {
    const text = struk({ response: approved, language: 'en' });
    expect(text).toContain('CASH WITHDRAWAL');
    expect(text).toMatch(/^Approval Code: 41FQ5B$/m);
    expect(text).toMatch(/^Remaining aid: Rp 650\.000$/m);
    expect(text).not.toMatch(/Tarik|Jumlah|Terima/);
  });
});
