/**
 * Response codes (field 39) this system answers with, from the PKH reference list
 * (shared/reference/pkh.json, copied here because protocol/ reads no files at run time), plus
 * 95 for a settlement whose totals disagree. `id` is the short Bahasa Indonesia text a terminal
 * prints on the receipt (struk); `en` is the ISO meaning.
 */

export const responseCodes = {
  '00': { en: 'approved', id: 'Disetujui' },
  '05': { en: 'do not honour', id: 'Ditolak' },
  '12': { en: 'invalid transaction', id: 'Transaksi tidak valid' },
  '13': { en: 'invalid amount', id: 'Jumlah tidak valid' },
  '14': { en: 'invalid card number', id: 'Kartu tidak dikenali' },
  '30': { en: 'format error', id: 'Format pesan salah' },
  '51': { en: 'insufficient funds', id: 'Saldo tidak mencukupi' },
  '54': { en: 'expired card', id: 'Kartu kedaluwarsa' },
  '55': { en: 'incorrect PIN', id: 'PIN salah' },
  '58': { en: 'transaction not permitted to terminal', id: 'Transaksi tidak diizinkan di terminal ini' },
  '61': { en: 'exceeds withdrawal amount limit', id: 'Melebihi batas transaksi' },
  '65': { en: 'exceeds withdrawal frequency limit', id: 'Melebihi batas frekuensi transaksi' },
  '91': { en: 'issuer or switch inoperative', id: 'Perlu sinkronisasi terlebih dahulu' },
  '94': { en: 'duplicate transmission', id: 'Transaksi ganda' },
  '95': { en: 'reconcile error', id: 'Total settlement tidak cocok' },
  '96': { en: 'system malfunction', id: 'Gangguan sistem' },
} as const satisfies Record<string, { readonly en: string; readonly id: string }>;

export type ResponseCode = keyof typeof responseCodes;

/**
 * Field 62 texts of the agent's own refusals (Part 2 §10), which the standard codes alone do not
 * explain: the agent sends the Bahasa Indonesia text; a terminal that prints in English shows
 * `en` for it. Each is printable ASCII of at most 120 characters.
 */
export const agentRefusalTexts = {
  /** 05: the offline exposure (approved, not yet acknowledged) would pass its limit. */
  offlineLimit: {
    id: 'Batas transaksi offline agen tercapai, perlu sinkronisasi',
    en: 'Agent offline limit reached, sync needed',
  },
  /** 91: the agent's clock runs behind the highest time it has seen. */
  clockBehind: { id: 'Jam agen mundur, perlu sinkronisasi', en: "Agent's clock is behind, sync needed" },
  /** 96: a ledger write failed; the agent is recovering. */
  storageFault: { id: 'Gangguan penyimpanan agen, coba lagi nanti', en: 'Agent storage fault, try again later' },
  /** 96: too many requests already wait for the agent's ledger; nothing was decided. */
  busy: { id: 'Agen sedang sibuk, coba lagi', en: 'Agent busy, try again' },
  /** 96: the ledger lost entries or fails verification; an operator must act. */
  ledgerDamaged: { id: 'Buku besar agen rusak, hubungi teknisi', en: "Agent's ledger is damaged, call a technician" },
} as const satisfies Record<string, { readonly id: string; readonly en: string }>;

/** The refusal whose Bahasa Indonesia text a field 62 carries, if it is one of the agent's own. */
export function agentRefusalOf(text: string | undefined): { readonly id: string; readonly en: string } | undefined {
  return Object.values(agentRefusalTexts).find((r) => r.id === text);
}

export function isResponseCode(value: unknown): value is ResponseCode {
  return typeof value === 'string' && Object.hasOwn(responseCodes, value);
}

/** Whether the code approves the request (only 00 does). */
export function isApproved(code: ResponseCode): boolean {
  return code === '00';
}
