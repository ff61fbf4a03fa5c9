/**
 * Whether the core authorizes, and the line an agent reads when it does not. Three causes stop
 * withdrawals, each with its own way back:
 *   clock-behind    the wall clock is behind the trusted time (trusted-clock.ts): ends by itself
 *                   when the clock is fixed or a fresh gateway time shows it was right;
 *   storage-failed  a write or read failed: every writing request is answered 96 while the
 *                   ledger is reopened and re-verified (recovery.ts); ends by itself;
 *   ledger-damaged  the ledger lost entries it once had, or fails verification: refused until an
 *                   operator restores it (agent/README.md, "When the ledger is damaged").
 */
import type { EdcError } from '../../protocol/errors.ts';
import type { AuthorizationState, AuthorizationStateName } from './types.ts';

export const authorizationLines: Readonly<
  Record<Exclude<AuthorizationStateName, 'ok'>, { readonly id: string; readonly en: string }>
> = {
  'clock-behind': {
    id: 'Jam agen mundur - perbaiki jam komputer atau sinkronkan dengan gateway; tarik tunai ditolak',
    en: 'Agent clock went backwards - fix the clock or sync with the gateway; withdrawals are refused',
  },
  'storage-failed': {
    id: 'Penyimpanan gagal - transaksi ditolak sementara, agen memulihkan buku besar',
    en: 'Storage failed - transactions are refused while the agent recovers its ledger',
  },
  'ledger-damaged': {
    id: 'Buku besar rusak - hubungi teknisi',
    en: 'Ledger damaged - call a technician',
  },
};

export const authorizedState: AuthorizationState = Object.freeze({
  state: 'ok',
  code: null,
  message: null,
  id: null,
  en: null,
  since: null,
});

export function refusedState(
  state: Exclude<AuthorizationStateName, 'ok'>,
  error: Pick<EdcError, 'code' | 'message'>,
  since: number,
): AuthorizationState {
  const line = authorizationLines[state];
  return { state, code: error.code, message: error.message, id: line.id, en: line.en, since };
}
