/**
 * What the page reads from GET /v1/status. Every field is optional and checked before use: the
 * report grows (offline exposure, halt states, KPM count, per-link terminal ids) and an older or
 * newer agent must still get a page, with whatever it does not know shown under the details.
 */
export interface LinkLike {
  readonly id?: string;
  readonly kind?: string;
  readonly state?: string;
  readonly terminalId?: string | null;
  readonly lastActivityAt?: number | null;
  readonly requests?: number;
  readonly frameErrors?: number;
  readonly lastError?: string | null;
  readonly silent?: boolean;
}

export interface StatusLike {
  readonly agentId?: string;
  readonly running?: boolean;
  readonly generatedAt?: number;
  readonly online?: boolean;
  readonly links?: readonly LinkLike[];
  readonly queue?: { depth?: number; entriesMax?: number | null; oldestUnacknowledgedAgeMs?: number | null };
  readonly lastSyncAt?: number | null;
  readonly entitlement?: { expiresAt?: number; expired?: boolean; kpmCount?: number } | null;
  readonly cashFloatLeft?: number | null;
  readonly offlineExposure?: unknown;
  readonly today?: { approvedCount?: number; approvedAmount?: number; reversedCount?: number };
  readonly haltReason?: string | null;
  readonly [key: string]: unknown;
}

/** Fields the page shows in its own places; everything else goes to the details list. */
export const shownFields = new Set([
  'summary',
  'agentId',
  'running',
  'generatedAt',
  'online',
  'links',
  'queue',
  'lastSyncAt',
  'entitlement',
  'cashFloatLeft',
  'offlineExposure',
  'today',
  'haltReason',
]);

export type Signal = 'online' | 'offline' | 'halted' | 'stopped';

export function signalOf(status: StatusLike): Signal {
  if (typeof status.haltReason === 'string' && status.haltReason !== '') return 'halted';
  if (status.running === false) return 'stopped';
  return status.online === true ? 'online' : 'offline';
}

/** The unsent amount: a number, or the `amount` of an object, whichever the agent reports. */
export function exposureOf(status: StatusLike): number | undefined {
  const x = status.offlineExposure;
  if (typeof x === 'number') return x;
  if (typeof x === 'object' && x !== null && typeof (x as { amount?: unknown }).amount === 'number')
    return (x as { amount: number }).amount;
  return undefined;
}

export type Advice = 'doCallOperator' | 'doStart' | 'doSyncExpired' | 'doConnect' | 'doQueueFull' | 'allGood';

/** What the shop keeper should do, most urgent first. */
export function adviceOf(status: StatusLike): Advice[] {
  const signal = signalOf(status);
  const out: Advice[] = [];
  if (signal === 'halted') out.push('doCallOperator');
  if (signal === 'stopped') out.push('doStart');
  if (status.entitlement?.expired === true) out.push('doSyncExpired');
  else if (signal === 'offline') out.push('doConnect');
  const depth = status.queue?.depth ?? 0;
  const max = status.queue?.entriesMax ?? null;
  if (max !== null && max > 0 && depth >= 0.8 * max) out.push('doQueueFull');
  return out.length === 0 ? ['allGood'] : out;
}

/** A link has a problem when it is not connected (or listening), silent, or reports an error. */
export function linkProblem(link: LinkLike): boolean {
  const okState = link.state === 'connected' || link.state === 'listening';
  return !okState || link.silent === true || (link.lastError ?? null) !== null;
}
