/**
 * The staff API as the web app uses it: every call carries the bearer token; an error answer
 * becomes an ApiError with the gateway's code and message (shown in the app's alert region).
 * Shapes follow gateway/README.md "Staff API" and /docs/json.
 */
export type Role = 'viewer' | 'reconciler' | 'admin';
/** A tahap's counters as the gateway sends them (gateway/README.md "Counters JSON"). */
export interface Counters {
  readonly [scalar: string]: number | Readonly<Record<string, Readonly<Record<string, number>>>>;
}
export type ExceptionState = 'open' | 'investigating' | 'resolved';
export type ResolutionReason = 'returned_to_treasury' | 'recovered_from_agent' | 'confirmed' | 'other';

export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}
export interface Me {
  readonly name: string;
  readonly role: Role;
}
export interface TahapList {
  readonly items: readonly { tahap: string; banks: readonly string[]; files: number }[];
  readonly latest: string | null;
}
export interface Summary {
  readonly tahap: string;
  readonly counters: Counters;
  readonly balanced: boolean;
}
export interface PositionView {
  readonly kpmId: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly category: string;
  readonly credited: number;
  readonly failed: number;
  readonly returned: number;
  readonly drawn: number;
  readonly withdrawn: number;
  readonly unclaimed: number;
  readonly overdrawnExcess: number;
}
export interface WithdrawalView {
  readonly agentId: string;
  readonly seq: number;
  readonly hash: string;
  readonly kpmId: string;
  readonly amount: number;
  readonly category: string;
  readonly bank: string;
  readonly regionCode: string;
}
export interface ExceptionEvent {
  readonly at: number;
  readonly actor: string;
  readonly from: ExceptionState;
  readonly to: ExceptionState;
  readonly reason?: ResolutionReason;
  readonly note: string;
}
export interface ExceptionView {
  readonly id: string;
  readonly tahap: string;
  readonly kind: string;
  readonly kpmId: string;
  readonly agentId?: string;
  readonly amount: number;
  readonly state: ExceptionState;
  readonly assignee?: string;
  readonly history: readonly ExceptionEvent[];
  /** EpochMs of its first assignment or transition; absent while nobody has worked it. */
  readonly openedAt?: number;
}
export const exceptionAgeBuckets = ['unworked', 'lt1d', 'd1to7', 'd7to30', 'gt30d'] as const;
export type ExceptionAgeBucket = (typeof exceptionAgeBuckets)[number];
/** GET /v1/staff/tahap/{tahap}/exceptions/ageing */
export interface ExceptionAgeing {
  readonly buckets: Readonly<Record<ExceptionAgeBucket, number>>;
  readonly complete: boolean;
}
export interface AgentOverview {
  readonly agentId: string;
  readonly bank: string;
  readonly regionCode: string;
  readonly status: 'active' | 'revoked';
  readonly flagged: boolean;
  readonly flags: readonly { at: number; kind: 'fork' | 'tampered'; seq: number }[];
  readonly gatewayHeadSeq: number;
  readonly lastContactAt: number | null;
  readonly lastUploadAt: number | null;
  readonly lastCheckpoint: {
    readonly seq: number;
    readonly at: number;
    readonly receivedAt: number;
    readonly withdrawn: number;
    readonly reversed: number;
    readonly sender: string;
  } | null;
  readonly sync: 'ok' | 'behind' | 'unknown';
  /** The agent's own head and queue from its last upload that carried them (null: none did). */
  readonly reported: {
    readonly at: number;
    readonly headSeq: number;
    readonly queued: number;
    readonly oldestQueuedAt: number | null;
    /** Reported head - gateway head, at least 0. */
    readonly unsent: number;
  } | null;
}

export type KpmLookupBy = 'nik' | 'kks' | 'kpmId';
export interface KpmWithdrawal extends WithdrawalView {
  readonly ref: string;
  readonly id: string;
  readonly terminalId: string;
  readonly stan: string;
  readonly localDate: string;
  readonly at: number;
  readonly receivedAt: number;
  readonly setId?: string;
  readonly settlement: 'payable' | 'disputed' | 'refused' | 'none';
}
export interface KpmTahap {
  readonly tahap: string;
  readonly position: PositionView;
  readonly rows: readonly {
    bank: string;
    reference: string;
    fileSha256: string;
    line: number;
    amount: number;
    status: 'credited' | 'failed' | 'returned' | 'redisbursed';
    regionCode: string;
  }[];
  readonly withdrawals: readonly KpmWithdrawal[];
  readonly reversals: readonly {
    agentId: string;
    seq: number;
    reverses: string;
    reversesSeq: number;
    amount: number;
  }[];
  readonly exceptions: readonly ExceptionView[];
}
/** POST /v1/staff/kpm/lookup: personal only for reconcilers and admins. */
export interface KpmDossier {
  readonly kpmId: string;
  readonly by: KpmLookupBy;
  readonly tahaps: readonly KpmTahap[];
  readonly personal?: { name: string; nik: string; cardsLast4: readonly string[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { code?: string; message?: string };
    return new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  }
}

export class Api {
  constructor(private readonly token: string) {}

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`/v1/staff${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (cause) {
      throw new ApiError(0, 'NETWORK', cause instanceof Error ? cause.message : String(cause));
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await this.request('GET', withQuery(path, query))).json()) as T;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await (await this.request('POST', path, body)).json()) as T;
  }

  /** Downloads a CSV the API streams (the token cannot ride on a plain link, so fetch, then save). */
  async download(path: string, query: Query, filename: string): Promise<void> {
    const blob = await (await this.request('GET', withQuery(path, query))).blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
