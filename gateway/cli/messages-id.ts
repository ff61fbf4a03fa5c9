/**
 * What each gateway error code means, in Bahasa Indonesia, for the command line's error line
 * `edc-gateway: CODE: <Bahasa Indonesia> / <English>`. Messages the CLI writes itself are
 * bilingual already; an error raised deeper (the store, the ingest) carries an English message,
 * and the CLI puts this sentence before it. A test holds the table equal to gatewayErrorRegistry.
 */
export const indonesianSummaries: Readonly<Record<string, string>> = {
  EDC_ERR_BODY_INVALID: 'Isi permintaan tidak sah',
  EDC_ERR_BODY_TOO_LARGE: 'Isi permintaan terlalu besar',
  EDC_ERR_AUTH_SIGNATURE: 'Tanda tangan permintaan agen tidak sah',
  EDC_ERR_AUTH_TIMESTAMP: 'Waktu permintaan agen di luar batas selisih jam',
  EDC_ERR_AUTH_REPLAY: 'Permintaan agen diulang (nonce sudah dipakai)',
  EDC_ERR_AUTH_AGENT: 'Agen tidak dikenal atau dicabut',
  EDC_ERR_MEDIA_TYPE: 'Isi permintaan harus application/json (UTF-8)',
  EDC_ERR_UPLOAD_FORK: 'Buku besar agen bercabang (fork): bukti disimpan, agen ditandai',
  EDC_ERR_UPLOAD_GAP: 'Unggahan tidak menyambung rantai yang tersimpan',
  EDC_ERR_UPLOAD_ENTRY_INVALID: 'Entri unggahan tidak sah',
  EDC_ERR_RATE_LIMITED: 'Terlalu banyak permintaan; coba lagi nanti',
  EDC_ERR_UNAVAILABLE: 'Gateway belum dapat melayani',
  EDC_ERR_NOT_FOUND: 'Tidak ditemukan',
  EDC_ERR_INTERNAL: 'Kesalahan tak terduga (lihat log)',
  EDC_ERR_POSITION_FULL: 'Posisi KPM sudah penuh untuk tahap ini',
  EDC_ERR_EVIDENCE_FULL: 'Bukti fork/tamper agen ini sudah mencapai batas (unggahan tidak disimpan)',
  EDC_ERR_STAFF_UNAUTHENTICATED: 'Token staf tidak ada atau tidak dikenal',
  EDC_ERR_STAFF_FORBIDDEN: 'Peran token staf tidak cukup',
  EDC_ERR_EXCEPTION_TRANSITION: 'Perubahan status pengecualian tidak diizinkan',
  EDC_ERR_TAHAP_UNKNOWN: 'Tahap tidak dikenal',
  EDC_ERR_NO_ENTITLEMENTS: 'Belum ada tahap untuk hak tarik',
  EDC_ERR_STORE_LOCKED: 'Penyimpanan gateway sedang dipakai proses lain (hentikan serve dahulu)',
  EDC_ERR_STORE_CLOSED: 'Penyimpanan gateway sudah ditutup',
  EDC_ERR_STORE_CORRUPT: 'Catatan tersimpan rusak',
  EDC_ERR_AGENT_EXISTS: 'Agen dengan id ini sudah terdaftar',
  EDC_ERR_AGENT_UNKNOWN: 'Agen tidak terdaftar',
  EDC_ERR_KPM_ALLOCATED: 'KPM sudah dialokasikan ke agen lain (pakai --move untuk memindahkan)',
  EDC_ERR_BUNDLE_INVALID: 'Bundel agen tidak sah',
  EDC_ERR_RECEIPT_MALFORMED: 'Kode struk atau teks QR tidak sah (salah ketik?)',
  EDC_ERR_RECEIPT_UNKNOWN: 'Struk tidak dikenal: agen tidak terdaftar atau transaksi belum diterima gateway',
  EDC_ERR_RECEIPT_FORGED: 'Struk PALSU: tidak dibuat oleh agen',
  EDC_ERR_RECEIPT_ALTERED: 'Struk DIUBAH: transaksi asli, tetapi isinya diganti',
  EDC_ERR_RECEIPT_CONFLICT: 'Struk bertentangan dengan catatan gateway (fork): simpan sebagai bukti',
  EDC_ERR_CONFIG_INVALID: 'Folder gateway tidak ada, atau konfigurasi/kuncinya tidak sah',
  EDC_ERR_CONFIG_EXISTS: 'Gateway sudah ada di folder ini (kunci tidak ditimpa)',
  EDC_ERR_CLI_USAGE: 'Perintah atau opsi salah',
  EDC_ERR_LISTEN: 'Tidak dapat membuka port',
  EDC_ERR_OUTPUT: 'Keluaran tidak dapat ditulis',
  EDC_ERR_IMPORT_FAILED: 'Berkas penyaluran tidak dapat diimpor',
  EDC_ERR_IMPORT_OPTIONS: 'Opsi impor tidak sah',
  EDC_ERR_IMPORT_LAYOUT: 'Tata letak berkas tidak dikenal atau tidak sah',
  EDC_ERR_IMPORT_READ: 'Berkas gagal dibaca',
  EDC_ERR_IMPORT_HEADER: 'Judul kolom tidak sesuai tata letak bank',
  EDC_ERR_IMPORT_CSV_SYNTAX: 'Format CSV rusak',
  EDC_ERR_IMPORT_RECORD_TOO_LONG: 'Satu baris terlalu panjang',
  EDC_ERR_IMPORT_TOO_MANY_ROWS: 'Berkas terlalu banyak baris',
  EDC_ERR_IMPORT_COLUMN_COUNT: 'Jumlah kolom baris salah',
  EDC_ERR_IMPORT_KPM_ID: 'ID KPM tidak sah',
  EDC_ERR_IMPORT_NIK: 'NIK tidak sah',
  EDC_ERR_IMPORT_PAN: 'Nomor KKS tidak sah',
  EDC_ERR_IMPORT_NAME: 'Nama tidak sah',
  EDC_ERR_IMPORT_REGION: 'Kode wilayah tidak sah',
  EDC_ERR_IMPORT_AMOUNT: 'Nominal tidak sah',
  EDC_ERR_IMPORT_STATUS: 'Status tidak dikenal',
  EDC_ERR_IMPORT_REFERENCE: 'Nomor referensi tidak sah',
  EDC_ERR_IMPORT_DATE: 'Tanggal tidak sah',
  EDC_ERR_IMPORT_BANK_MISMATCH: 'Bank pada berkas berbeda dengan --bank',
  EDC_ERR_IMPORT_TAHAP_MISMATCH: 'Tahap pada berkas berbeda dengan --tahap',
  EDC_ERR_IMPORT_DUPLICATE: 'Nomor referensi ganda',
};

/** The message as the CLI prints it: as is when already bilingual ("... / ..."), else after its code's summary. */
export function bilingualMessage(code: string, message: string): string {
  if (message.includes(' / ')) return message;
  const summary = indonesianSummaries[code];
  return summary === undefined ? message : `${summary} / ${message}`;
}
