/** Help text of every command: Bahasa Indonesia first, then English. agent/README.md documents the same. */
export const helpTexts: Readonly<Record<string, string>> = {
  main: `edc-agent — agen EDC offline PKH / offline PKH EDC agent

Pemakaian / Usage: edc-agent <perintah/command> [opsi/options]

Perintah / Commands:
  init          Buat konfigurasi dan kunci agen / create agent config and key
  start         Jalankan agen: terminal, pengiriman, status / run the agent
  status        Tampilkan status agen / show agent status
  sync          Kirim transaksi sekarang (satu kali) / one forwarding pass now
  ledger verify Periksa seluruh buku besar / verify the whole ledger
  ledger export Ekspor bundel bertanda tangan / export a signed bundle
  resume        Lanjutkan pengiriman yang dihentikan / clear a forwarding halt
  public-key    Tampilkan kunci publik agen / print the agent public key

Setiap perintah menerima --help / every command accepts --help.
edc-agent --version mencetak versi / prints the version.`,
  ledger: `edc-agent ledger <verify|export> --dir D [opsi/options]

Perintah buku besar; agen harus berhenti. / Ledger commands; the agent must be stopped.

  ledger verify --dir D                            periksa seluruh buku besar / verify the whole ledger
  ledger export --dir D --out FILE [--from-seq N]  ekspor bundel bertanda tangan / export a signed bundle

Rincian / details: edc-agent ledger verify --help, edc-agent ledger export --help`,
  init: `edc-agent init --dir D --agent-id ID --gateway URL --gateway-public-key KEY
               [--gateway-ca FILE] [--serial PATH[:BAUD]]... [--tcp HOST:PORT] [--status-port N]

Membuat D/agent.json dan kunci Ed25519 di D/agent.key (izin 0600), lalu mencetak kunci publik
untuk didaftarkan di gateway. / Creates D/agent.json and the Ed25519 key D/agent.key (mode
0600), then prints the public key to enroll at the gateway.

  --dir D                  folder agen / agent folder (created if missing)
  --agent-id ID            id agen / agent id (3-32 of A-Z 0-9 -)
  --gateway URL            alamat gateway / gateway base URL (http or https)
  --gateway-public-key KEY kunci publik gateway / gateway Ed25519 public key, base64
  --gateway-ca FILE        CA (PEM) sertifikat HTTPS gateway: hanya CA ini dipercaya / PEM CA of the
                           gateway's HTTPS certificate: the only CA trusted (needs an https URL)
  --serial PATH[:BAUD]     port serial terminal, boleh berulang / terminal serial port, repeatable (baud default 9600)
  --tcp HOST:PORT          dengarkan terminal TCP / listen for TCP terminals (e.g. 127.0.0.1:7400)
  --status-port N          port status lokal / local status port (default 7420)`,
  start: `edc-agent start --dir D

Menjalankan agen: melayani terminal, mengirim ke gateway saat ada sinyal, dan membuka status di
http://127.0.0.1:PORT/v1/status. Berhenti dengan rapi pada SIGINT/SIGTERM. / Runs the agent:
serves terminals, forwards when the gateway is reachable, serves status; stops gracefully on
SIGINT/SIGTERM.

  --dir D   folder agen / agent folder`,
  status: `edc-agent status --dir D [--json]

Membaca status dari agen yang berjalan, atau langsung dari buku besar bila agen tidak berjalan.
/ Reads the running agent's status endpoint, or the ledger directly when it is not running.

  --dir D   folder agen / agent folder
  --json    cetak JSON lengkap / print the full JSON report`,
  sync: `edc-agent sync --dir D

Satu kali pengiriman sekarang (lewat agen yang berjalan, atau langsung bila tidak berjalan).
Keluar 0 bila berhasil, 1 bila gagal. / One forwarding pass now (through the running agent, or
directly when it is not running). Exits 0 on success, 1 on failure.

  --dir D   folder agen / agent folder`,
  'ledger verify': `edc-agent ledger verify --dir D

Memeriksa ulang setiap hash, tanda tangan, tautan, indeks dan perhitungan bantuan. Agen harus
berhenti. Keluar 1 bila ada masalah. / Re-checks every hash, signature, link, index and
entitlement arithmetic. The agent must be stopped. Exits 1 when problems are found.

  --dir D   folder agen / agent folder`,
  'ledger export': `edc-agent ledger export --dir D --out FILE [--from-seq N]

Menulis bundel bertanda tangan (JSON) untuk dibawa ke bank saat berminggu-minggu tanpa sinyal.
Agen harus berhenti; FILE tidak boleh sudah ada. / Writes a signed bundle (JSON) to carry to the
bank after weeks without signal. The agent must be stopped; FILE must not exist.

  --dir D        folder agen / agent folder
  --out FILE     berkas tujuan / output file
  --from-seq N   mulai dari seq N / first seq (default: the first unacknowledged)`,
  resume: `edc-agent resume --dir D

Menghapus alarm penghentian pengiriman (fork/gap/otorisasi/unggahan ditolak/tanda terima buruk)
setelah diperiksa operator; gangguan sementara (sinyal, gateway sibuk, jam) pulih sendiri tanpa
perintah ini. Agen harus berhenti. / Clears the forwarding halt (fork, gap, auth, rejected upload,
bad receipt) after an operator has investigated; transient causes (network, a busy gateway, the
clock) heal without it. The agent must be stopped.

  --dir D   folder agen / agent folder`,
  'public-key': `edc-agent public-key --dir D

Mencetak kunci publik Ed25519 agen (base64). / Prints the agent's Ed25519 public key (base64).

  --dir D   folder agen / agent folder`,
};
