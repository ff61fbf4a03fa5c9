/**
 * Link states for the status endpoint: one record per serial port and per TCP connection, plus
 * the TCP listener itself. "Last activity" is kept because a dropped serial line is otherwise
 * invisible until the next write: a port with no byte for silenceMaxMs shows as silent.
 */
import { ERR_LINK_FAILED } from './errors.ts';

export type LinkKind = 'serial' | 'tcp-listener' | 'tcp';
export type LinkState = 'connected' | 'listening' | 'opening' | 'reconnecting' | 'closed';

export interface LinkRecord {
  readonly id: string;
  readonly kind: LinkKind;
  state: LinkState;
  /** Terminal id (field 41) of the last request seen on this link. */
  terminalId: string | null;
  connectedAt: number | null;
  lastActivityAt: number | null;
  requests: number;
  frameErrors: number;
  lastError: { code: string; message: string } | null;
}

export interface LinkView extends Omit<LinkRecord, 'lastError'> {
  readonly lastError: { code: string; message: string } | null;
  /** No byte within silenceMaxMs on a link that should be talking. */
  readonly silent: boolean;
}

/** Closed TCP connections kept for status, so an operator sees a terminal that just dropped. */
const closedKeptMax = 32;

export class LinkRegistry {
  private readonly links = new Map<string, LinkRecord>();

  constructor(
    private readonly now: () => number,
    private readonly silenceMaxMs: number,
  ) {}

  open(id: string, kind: LinkKind, state: LinkState): LinkRecord {
    const record: LinkRecord = {
      id,
      kind,
      state,
      terminalId: null,
      connectedAt: state === 'connected' ? this.now() : null,
      lastActivityAt: null,
      requests: 0,
      frameErrors: 0,
      lastError: null,
    };
    this.links.set(id, record);
    this.trimClosed();
    return record;
  }

  /** The terminal id (field 41) of a request seen on the link; printable, at most 8 characters. */
  identify(record: LinkRecord, terminalId: unknown): void {
    if (typeof terminalId === 'string' && /^[\x20-\x7e]{1,8}$/.test(terminalId)) record.terminalId = terminalId;
  }

  touch(record: LinkRecord): void {
    record.lastActivityAt = this.now();
  }

  setState(record: LinkRecord, state: LinkState): void {
    record.state = state;
    if (state === 'connected') record.connectedAt = this.now();
  }

  fail(record: LinkRecord, error: { code?: unknown; message: string }): void {
    record.lastError = {
      code: typeof error.code === 'string' ? error.code : ERR_LINK_FAILED.code,
      message: error.message,
    };
  }

  list(): LinkView[] {
    const now = this.now();
    return [...this.links.values()].map((record) => ({
      ...record,
      silent:
        record.state === 'connected' && now - (record.lastActivityAt ?? record.connectedAt ?? now) > this.silenceMaxMs,
    }));
  }

  private trimClosed(): void {
    const closed = [...this.links.values()].filter((record) => record.kind === 'tcp' && record.state === 'closed');
    for (const record of closed.slice(0, Math.max(0, closed.length - closedKeptMax))) this.links.delete(record.id);
  }
}
