/**
 * The status report: what an agent (the shop keeper) and an operator need at a glance, as JSON
 * with English keys, led by a human summary in Bahasa Indonesia and then English. Built from the
 * core's status, the link registry and the forwarder's snapshot; the same builder serves the
 * running agent's endpoint and `edc-agent status` on a stopped agent (no links, no forwarder).
 */
import type { AgentCoreStatus } from '../core/types.ts';
import type { ForwarderSnapshot } from '../forward/loop.ts';
import type { LinkView } from '../link/registry.ts';

export interface StatusReport {
  readonly summary: { readonly id: readonly string[]; readonly en: readonly string[] };
  readonly agentId: string;
  readonly running: boolean;
  readonly generatedAt: number;
  readonly online: boolean;
  readonly links: readonly LinkView[];
  readonly queue: {
    readonly depth: number;
    readonly entriesMax: number | null;
    readonly oldestUnacknowledgedAgeMs: number | null;
  };
  readonly lastSyncAt: number | null;
  readonly entitlement: AgentCoreStatus['entitlementSet'];
  /** Approved and not yet acknowledged by the gateway, against the set's limit (left = max - amount). */
  readonly offlineExposure: { readonly amount: number; readonly max: number | null; readonly left: number | null };
  readonly authorization: AgentCoreStatus['authorization'];
  readonly clock: AgentCoreStatus['clock'];
  readonly today: AgentCoreStatus['today'];
  readonly haltReason: string | null;
  readonly ledger: { readonly head: AgentCoreStatus['head']; readonly ackHead: AgentCoreStatus['ackHead'] };
  readonly forwarder: ForwarderSnapshot | null;
}

export interface ReportInput {
  readonly core: AgentCoreStatus;
  readonly links: readonly LinkView[];
  readonly forwarder: ForwarderSnapshot | null;
  readonly running: boolean;
  readonly now: number;
  readonly utcOffsetMinutes: number;
}

export function buildReport(input: ReportInput): StatusReport {
  const { core } = input;
  // Online = the last forward pass succeeded and no failure came after it.
  const online =
    input.forwarder !== null &&
    input.forwarder.lastSuccessAt !== null &&
    input.forwarder.consecutiveFailures === 0 &&
    core.haltReason === null;
  return {
    summary: summarize(input, online),
    agentId: core.agentId,
    running: input.running,
    generatedAt: input.now,
    online,
    links: input.links,
    queue: {
      depth: core.queueDepth,
      entriesMax: core.queueEntriesMax,
      oldestUnacknowledgedAgeMs: core.oldestUnacknowledgedAgeMs,
    },
    lastSyncAt: core.lastSyncAt,
    entitlement: core.entitlementSet,
    offlineExposure: {
      ...core.offlineExposure,
      left: core.offlineExposure.max === null ? null : core.offlineExposure.max - core.offlineExposure.amount,
    },
    authorization: core.authorization,
    clock: core.clock,
    today: core.today,
    haltReason: core.haltReason,
    ledger: { head: core.head, ackHead: core.ackHead },
    forwarder: input.forwarder,
  };
}

/** "Rp 750.000" */
export function rupiah(amount: number): string {
  return `Rp ${String(Math.trunc(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

function when(at: number | null, offsetMinutes: number, never: string): string {
  if (at === null) return never;
  const local = new Date(at + offsetMinutes * 60_000).toISOString();
  return `${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)} ${local.slice(11, 16)}`;
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function summarize(input: ReportInput, online: boolean): { id: string[]; en: string[] } {
  const { core } = input;
  const tz = input.utcOffsetMinutes;
  const connected = input.links.filter((link) => link.state === 'connected' && link.kind !== 'tcp-listener');
  const silent = connected.filter((link) => link.silent).length;
  const set = core.entitlementSet;
  const validUntil = set === null ? undefined : when(set.expiresAt, tz, '-');
  const expired = set?.expired === true;
  const exposure = core.offlineExposure;
  const limit = exposure.max === null ? '' : ` / batas ${rupiah(exposure.max)}`;
  const limitEn = exposure.max === null ? '' : ` / limit ${rupiah(exposure.max)}`;
  const noKpm = set?.kpmCount === 0;
  const id = [
    `Status agen ${core.agentId}: ${input.running ? 'berjalan' : 'tidak berjalan'}`,
    ...(core.authorization.id === null ? [] : [`PERHATIAN: ${core.authorization.id}`]),
    `Gateway: ${online ? 'Terhubung' : 'Tidak ada sinyal'}`,
    ...skewLine(input, 'id'),
    `Terminal terhubung: ${connected.length}${silent > 0 ? ` (${silent} tanpa aktivitas)` : ''}`,
    `Antrean transaksi belum terkirim: ${core.queueDepth} (tertua ${age(core.oldestUnacknowledgedAgeMs)})`,
    `Transaksi belum terkirim (nilai): ${rupiah(exposure.amount)}${limit}`,
    `Terakhir sinkron: ${when(core.lastSyncAt, tz, 'belum pernah')}`,
    set === null
      ? 'Daftar bantuan: belum ada'
      : `Daftar bantuan: ${set.kpmCount} KPM${noKpm ? ' (periksa pendaftaran agen di gateway)' : ''}, ` +
        `berlaku sampai ${validUntil}${expired ? ' (KEDALUWARSA, perlu sinkronisasi)' : ''}`,
    `Hari ini: ${core.today.approvedCount} tarik tunai disetujui, ${rupiah(core.today.approvedAmount)}`,
  ];
  const en = [
    `Agent ${core.agentId}: ${input.running ? 'running' : 'not running'}`,
    ...(core.authorization.en === null ? [] : [`ATTENTION: ${core.authorization.en}`]),
    `Gateway: ${online ? 'online' : 'offline'}`,
    ...skewLine(input, 'en'),
    `Terminals connected: ${connected.length}${silent > 0 ? ` (${silent} silent)` : ''}`,
    `Unsent transactions queued: ${core.queueDepth} (oldest ${age(core.oldestUnacknowledgedAgeMs)})`,
    `Unsent transactions (amount): ${rupiah(exposure.amount)}${limitEn}`,
    `Last synchronised: ${when(core.lastSyncAt, tz, 'never')}`,
    set === null
      ? 'Entitlements: none installed'
      : `Entitlements: ${set.kpmCount} KPM${noKpm ? " (check the agent's enrolment at the gateway)" : ''}, ` +
        `valid until ${validUntil}${expired ? ' (EXPIRED, sync needed)' : ''}`,
    `Today: ${core.today.approvedCount} withdrawals approved, ${rupiah(core.today.approvedAmount)}`,
  ];
  if (core.haltReason !== null) {
    id.push(`PENGIRIMAN DIHENTIKAN: ${core.haltReason} — hubungi operator`);
    en.push(`FORWARDING HALTED: ${core.haltReason} — call an operator`);
  }
  return { id, en };
}

/** A clock the gateway refuses heals by itself once fixed, but the agent must know to fix it. */
function skewLine(input: ReportInput, language: 'id' | 'en'): string[] {
  if (input.forwarder?.lastError?.code !== 'EDC_ERR_FORWARD_CLOCK_SKEW') return [];
  return language === 'id'
    ? ['Jam agen berbeda dengan jam gateway - perbaiki jam komputer; pengiriman dicoba lagi otomatis']
    : ['Agent clock differs from the gateway clock - fix the clock; sending is retried by itself'];
}
