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
  readonly cashFloatLeft: number | null;
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
    cashFloatLeft: core.cashFloatLeft,
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
  const validUntil = core.entitlementSet === null ? undefined : when(core.entitlementSet.expiresAt, tz, '-');
  const expired = core.entitlementSet?.expired === true;
  const id = [
    `Status agen ${core.agentId}: ${input.running ? 'berjalan' : 'tidak berjalan'}`,
    `Gateway: ${online ? 'Terhubung' : 'Tidak ada sinyal'}`,
    `Terminal terhubung: ${connected.length}${silent > 0 ? ` (${silent} tanpa aktivitas)` : ''}`,
    `Antrean transaksi belum terkirim: ${core.queueDepth} (tertua ${age(core.oldestUnacknowledgedAgeMs)})`,
    `Terakhir sinkron: ${when(core.lastSyncAt, tz, 'belum pernah')}`,
    `Daftar bantuan berlaku sampai: ${validUntil ?? 'belum ada'}${expired ? ' (KEDALUWARSA, perlu sinkronisasi)' : ''}`,
    `Sisa uang tunai agen: ${core.cashFloatLeft === null ? '-' : rupiah(core.cashFloatLeft)}`,
    `Hari ini: ${core.today.approvedCount} tarik tunai disetujui, ${rupiah(core.today.approvedAmount)}`,
  ];
  const en = [
    `Agent ${core.agentId}: ${input.running ? 'running' : 'not running'}`,
    `Gateway: ${online ? 'online' : 'offline'}`,
    `Terminals connected: ${connected.length}${silent > 0 ? ` (${silent} silent)` : ''}`,
    `Unsent transactions queued: ${core.queueDepth} (oldest ${age(core.oldestUnacknowledgedAgeMs)})`,
    `Last synchronised: ${when(core.lastSyncAt, tz, 'never')}`,
    `Entitlements valid until: ${validUntil ?? 'none installed'}${expired ? ' (EXPIRED, sync needed)' : ''}`,
    `Agent cash float left: ${core.cashFloatLeft === null ? '-' : rupiah(core.cashFloatLeft)}`,
    `Today: ${core.today.approvedCount} withdrawals approved, ${rupiah(core.today.approvedAmount)}`,
  ];
  if (core.haltReason !== null) {
    id.push(`PENGIRIMAN DIHENTIKAN: ${core.haltReason} — hubungi operator`);
    en.push(`FORWARDING HALTED: ${core.haltReason} — call an operator`);
  }
  return { id, en };
}
