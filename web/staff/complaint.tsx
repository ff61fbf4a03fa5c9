/**
 * Pengaduan: a KPM found by NIK, KKS card number or KPM id (the gateway looks NIK and card up by
 * keyed hash and audits each look-up), then its timeline in each tahap: the bank's rows (credit,
 * gagal transfer, retur) with file, line and reference, every withdrawal with agent, terminal,
 * STAN, times and set, reversals, and the exceptions with their notes. Name and NIK only reach
 * reconcilers and admins; a viewer sees the record without them.
 */
import { useState } from 'preact/hooks';
import { dateTime, rupiah } from '../shared/format.ts';
import type { KpmDossier, KpmLookupBy, KpmTahap } from './api.ts';
import { categoryLabel, useApp } from './context.ts';
import { History } from './exceptions.tsx';

const lookupKinds = ['nik', 'kks', 'kpmId'] as const;
const patterns: Record<KpmLookupBy, string> = {
  nik: '[0-9]{16}',
  kks: '[0-9]{16,19}',
  kpmId: '[A-Z0-9][A-Z0-9\\-]{3,31}',
};

function SearchForm({ onFound }: { onFound: (d: KpmDossier | undefined) => void }) {
  const { t, api, fail } = useApp();
  const [by, setBy] = useState<KpmLookupBy>('nik');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const search = async (): Promise<void> => {
    setBusy(true);
    onFound(undefined);
    try {
      onFound(await api.post<KpmDossier>('/kpm/lookup', { by, value: value.trim() }));
    } catch (error) {
      fail(error);
    }
    setBusy(false);
  };
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        void search();
      }}
    >
      <label>
        {t('lookupBy')}
        <select value={by} data-testid="lookup-by" onChange={(e) => setBy(e.currentTarget.value as KpmLookupBy)}>
          {lookupKinds.map((k) => (
            <option key={k} value={k}>
              {t(`lookup_${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('lookupValue')}
        <input
          required
          autoComplete="off"
          inputMode={by === 'kpmId' ? 'text' : 'numeric'}
          pattern={patterns[by]}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {t('search')}
      </button>
    </form>
  );
}

function Position({ x }: { x: KpmTahap }) {
  const { t } = useApp();
  const p = x.position;
  const cells = [
    ['credited', p.credited],
    ['failed', p.failed],
    ['returned', p.returned],
    ['withdrawn', p.withdrawn],
    ['unclaimed', p.unclaimed],
  ] as const;
  return (
    <dl class="facts" data-testid="kpm-position">
      <div>
        <dt>{t('category')}</dt>
        <dd>{categoryLabel(t, p.category)}</dd>
      </div>
      <div>
        <dt>{t('bank')}</dt>
        <dd>
          {p.bank} · {p.regionCode}
        </dd>
      </div>
      {cells.map(([k, v]) => (
        <div key={k}>
          <dt>{t(k)}</dt>
          <dd data-testid={`kpm-${k}`}>{rupiah(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Rows({ x }: { x: KpmTahap }) {
  const { t } = useApp();
  return (
    <>
      {x.rows.map((r) => (
        <li key={`${r.bank}${r.reference}`} class={`event row-${r.status}`} data-testid="timeline-row">
          <strong>{t(`row_${r.status}`)}</strong> {rupiah(r.amount)} · {r.bank} · {t('reference')} {r.reference}
          <div class="muted">
            {t('file')} {r.fileSha256.slice(0, 12)}… {t('line')} {r.line} · {r.regionCode}
          </div>
        </li>
      ))}
    </>
  );
}

function Withdrawals({ x }: { x: KpmTahap }) {
  const { t } = useApp();
  const reversedBy = new Map(x.reversals.map((r) => [r.reverses, r]));
  return (
    <>
      {x.withdrawals.map((w) => {
        const rev = reversedBy.get(w.id);
        return (
          <li key={w.ref} class="event" data-testid="timeline-withdrawal" data-category={w.category}>
            <strong>{t('withdrawal')}</strong> {rupiah(w.amount)} · {dateTime(w.at)} ·{' '}
            <span class={w.category === 'ok' ? 'badge ok' : 'badge bad'}>{categoryLabel(t, w.category)}</span>
            <div class="muted">
              {t('agent')} {w.agentId} #{w.seq} · {t('terminal')} {w.terminalId} · STAN {w.stan} · {t('localDate')}{' '}
              {w.localDate} · {t('received')} {dateTime(w.receivedAt)} · {t('set')} {w.setId ?? '-'} ·{' '}
              {t(`settlement_${w.settlement}`)}
            </div>
            {rev !== undefined && (
              <div class="warn-text" data-testid="timeline-reversal">
                {t('reversedBy')} {rev.agentId} #{rev.seq}
              </div>
            )}
          </li>
        );
      })}
    </>
  );
}

function TahapTimeline({ x }: { x: KpmTahap }) {
  const { t } = useApp();
  return (
    <section class="panel" data-testid="kpm-tahap" data-tahap={x.tahap}>
      <h2>
        {t('tahap')} {x.tahap}
      </h2>
      <Position x={x} />
      <h3>{t('timeline')}</h3>
      <ol class="timeline">
        <Rows x={x} />
        <Withdrawals x={x} />
      </ol>
      <h3>{t('exceptionsTitle')}</h3>
      {x.exceptions.length === 0 ? (
        <p class="muted">{t('nothing')}</p>
      ) : (
        <ul class="timeline">
          {x.exceptions.map((e) => (
            <li key={e.id} class="event" data-testid="kpm-exception" data-state={e.state}>
              <strong>{categoryLabel(t, e.kind)}</strong> {rupiah(e.amount)} ·{' '}
              <span class={`state-${e.state}`}>{t(`state_${e.state}`)}</span>
              <History x={e} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Found({ d }: { d: KpmDossier }) {
  const { t } = useApp();
  return (
    <>
      <h2 data-testid="kpm-found">
        {t('kpm')} {d.kpmId}
      </h2>
      {d.personal === undefined ? (
        <p class="muted" data-testid="personal-hidden">
          {t('personalHidden')}
        </p>
      ) : (
        <dl class="facts" data-testid="personal">
          <div>
            <dt>{t('name')}</dt>
            <dd>{d.personal.name}</dd>
          </div>
          <div>
            <dt>NIK</dt>
            <dd>{d.personal.nik}</dd>
          </div>
          <div>
            <dt>{t('cards')}</dt>
            <dd>{d.personal.cardsLast4.map((c) => `•••• ${c}`).join(', ')}</dd>
          </div>
        </dl>
      )}
      {[...d.tahaps].reverse().map((x) => (
        <TahapTimeline x={x} key={x.tahap} />
      ))}
    </>
  );
}

export function ComplaintScreen() {
  const { t } = useApp();
  const [found, setFound] = useState<KpmDossier | undefined>(undefined);
  return (
    <>
      <h1>{t('complaintTitle')}</h1>
      <p class="muted">{t('complaintHelp')}</p>
      <SearchForm onFound={setFound} />
      {found !== undefined && <Found d={found} />}
    </>
  );
}
