/**
 * Gagal transfer and retur: the tahap's failed bank rows with their state, and the steps a
 * reconciler takes (validasi ulang, salurkan ulang with the new transfer's reference, retur kas
 * negara), each with a note. The tahap's figures sit above the list and reload after every step,
 * so the clerk sees the amount move from failed to credited or returned.
 */
import { useState } from 'preact/hooks';
import { rupiah } from '../shared/format.ts';
import type { Filter } from './drill.tsx';
import type { Page, Summary } from './api.ts';
import { useApp } from './context.ts';
import { useLoad, usePaged } from './hooks.ts';
import type { StaffTextKey } from './text.ts';

type State = 'failed' | 'revalidated' | 'redisbursed' | 'returned';
type Action = 'revalidate' | 'redisburse' | 'return';
export interface FailedCredit {
  readonly kpmId: string;
  readonly bank: string;
  readonly reference: string;
  readonly regionCode: string;
  readonly amount: number;
  readonly state: State;
  readonly newReference?: string;
  readonly history: readonly { action: Action | 'bank_return'; actor: string; at: number; note: string }[];
}

const actionsFrom: Record<State, readonly Action[]> = {
  failed: ['revalidate', 'return'],
  revalidated: ['redisburse', 'return'],
  redisbursed: [],
  returned: [],
};

function Figures({ tahap, tick }: { tahap: string; tick: number }) {
  const { t, api } = useApp();
  const { data } = useLoad(() => api.get<Summary>(`/tahap/${tahap}/summary`), [tahap, tick]);
  if (data === undefined) return <p>{t('loading')}</p>;
  const keys = ['disbursed', 'credited', 'failed', 'returned'] as const;
  return (
    <dl class="figures" data-testid="failed-figures">
      {keys.map((key) => (
        <div key={key}>
          <dt>{t(key)}</dt>
          <dd data-testid={`failed-figure-${key}`}>{rupiah(Number(data.counters[key] ?? 0))}</dd>
        </div>
      ))}
    </dl>
  );
}

function Steps({ tahap, credit, done }: { tahap: string; credit: FailedCredit; done: () => void }) {
  const { t, api, fail, notify } = useApp();
  const [note, setNote] = useState('');
  const [newReference, setNewReference] = useState('');
  const allowed = actionsFrom[credit.state];
  if (allowed.length === 0) return null;
  const id = `fc-${credit.kpmId}-${credit.reference}`.replace(/[^A-Za-z0-9-]/g, '_');
  const run = (action: Action): void => {
    const body = {
      kpmId: credit.kpmId,
      bank: credit.bank,
      reference: credit.reference,
      action,
      note,
      ...(action === 'redisburse' ? { newReference: newReference.trim() } : {}),
    };
    api.post(`/tahap/${tahap}/failed-credits/step`, body).then(() => {
      notify(`${t(`fcAction_${action}`)}: ${credit.kpmId}`);
      setNote('');
      done();
    }, fail);
  };
  return (
    <div class="fc-steps">
      <label for={`${id}-note`}>{t('fcNote')}</label>
      <input id={`${id}-note`} value={note} maxLength={500} onInput={(e) => setNote(e.currentTarget.value)} />
      {allowed.includes('redisburse') && (
        <>
          <label for={`${id}-ref`}>{t('fcNewReference')}</label>
          <input id={`${id}-ref`} value={newReference} onInput={(e) => setNewReference(e.currentTarget.value)} />
        </>
      )}
      {allowed.map((action) => (
        <button key={action} type="button" data-testid={`fc-${action}`} onClick={() => run(action)}>
          {t(`fcAction_${action}`)}
        </button>
      ))}
    </div>
  );
}

function CreditRow({ tahap, credit, done }: { tahap: string; credit: FailedCredit; done: () => void }) {
  const { t } = useApp();
  return (
    <tr data-testid="failed-credit" data-kpm={credit.kpmId} data-state={credit.state}>
      <td>{credit.kpmId}</td>
      <td>
        {credit.bank} · {credit.reference}
        {credit.newReference !== undefined && ` → ${credit.newReference}`}
      </td>
      <td class="num">{rupiah(credit.amount)}</td>
      <td data-testid="fc-state">{t(`fcState_${credit.state}` as StaffTextKey)}</td>
      <td>
        {credit.history.map((e, i) => (
          <div key={i} class="muted">
            {t(`fcAction_${e.action}`)} · {e.actor} · {e.note}
          </div>
        ))}
        <Steps tahap={tahap} credit={credit} done={done} />
      </td>
    </tr>
  );
}

export function FailedCreditsScreen({ filter }: { filter: Filter }) {
  const { t, api, me } = useApp();
  const [tick, setTick] = useState(0);
  const page = usePaged(
    (after) => api.get<Page<FailedCredit>>(`/tahap/${filter.tahap}/failed-credits`, { after, limit: 100 }),
    [filter.tahap, tick],
  );
  if (me.role === 'viewer') return <p>{t('fcViewerOnly')}</p>;
  return (
    <section>
      <h1>{t('navFailed')}</h1>
      <p class="muted">{t('fcHelp')}</p>
      <Figures tahap={filter.tahap} tick={tick} />
      <table>
        <thead>
          <tr>
            <th>KPM</th>
            <th>{t('reference')}</th>
            <th>{t('fcAmount')}</th>
            <th>{t('fcState')}</th>
            <th>{t('fcStepsTitle')}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((c) => (
            <CreditRow
              key={`${c.kpmId}|${c.bank}|${c.reference}`}
              tahap={filter.tahap}
              credit={c}
              done={() => setTick((n) => n + 1)}
            />
          ))}
        </tbody>
      </table>
      {!page.loading && page.items.length === 0 && <p>{t('fcNone')}</p>}
      {page.next !== undefined && (
        <button type="button" onClick={page.more}>
          {t('more')}
        </button>
      )}
    </section>
  );
}
