/**
 * Pengecualian: exceptions of a tahap, paged on the server, filtered by state, kind, bank, region
 * and age, with their totals per kind (from the tahap's counters) and per ageing bucket (counted
 * on the server); each with its age and history.
 * Reconcilers move them (investigate, reopen, resolve with a reason from the list and a note),
 * one at a time or the selected ones together. Viewers only read.
 */
import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { count, dateTime, duration, rupiah } from '../shared/format.ts';
import {
  exceptionAgeBuckets,
  type ExceptionAgeBucket,
  type ExceptionAgeing,
  type ExceptionState,
  type ExceptionView,
  type Page,
  type ResolutionReason,
  type Summary,
} from './api.ts';
import { categoryLabel, useApp, type AppContext } from './context.ts';
import type { Filter } from './drill.tsx';
import { useLoad, usePaged } from './hooks.ts';
import { FilterBar } from './summary.tsx';
import { reasons, withdrawalCategories } from './text.ts';

type Move = { readonly to: ExceptionState; readonly ids: readonly string[] };

const movesFrom: Record<ExceptionState, readonly ExceptionState[]> = {
  open: ['investigating'],
  investigating: ['resolved', 'open'],
  resolved: [],
};
const verb: Record<ExceptionState, 'investigate' | 'reopen' | 'resolve'> = {
  investigating: 'investigate',
  open: 'reopen',
  resolved: 'resolve',
};

export function History({ x }: { x: ExceptionView }) {
  const { t } = useApp();
  return (
    <details>
      <summary>
        {t('history')} ({x.history.length})
      </summary>
      {x.history.length === 0 ? (
        <p class="muted">{t('noHistory')}</p>
      ) : (
        <ol class="history">
          {x.history.map((e, i) => (
            <li key={i}>
              {dateTime(e.at)} · {e.actor}: {t(`state_${e.from}`)} → {t(`state_${e.to}`)}
              {e.reason !== undefined && ` (${t(`reason_${e.reason}`)})`} — {e.note}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

/** Applies one change to each exception in turn; stops at the first refusal. Returns how many were saved. */
async function applyMove(ctx: AppContext, move: Move, note: string, reason: ResolutionReason | ''): Promise<number> {
  let saved = 0;
  for (const id of move.ids) {
    try {
      const body = { to: move.to, note, ...(reason === '' ? {} : { reason }) };
      await ctx.api.post(`/exceptions/${encodeURIComponent(id)}/transition`, body);
      saved++;
    } catch (error) {
      ctx.fail(error);
      break;
    }
  }
  return saved;
}

function ReasonField(props: { value: string; set: (r: ResolutionReason) => void; first: Ref<HTMLSelectElement> }) {
  const { t } = useApp();
  return (
    <label>
      {t('reason')}
      <select
        ref={props.first}
        value={props.value}
        onChange={(e) => props.set(e.currentTarget.value as ResolutionReason)}
      >
        <option value="">{t('chooseReason')}</option>
        {reasons.map((r) => (
          <option key={r} value={r}>
            {t(`reason_${r}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

function MoveForm({ move, onDone, onCancel }: { move: Move; onDone: () => void; onCancel: () => void }) {
  const ctx = useApp();
  const { t } = ctx;
  const [reason, setReason] = useState<ResolutionReason | ''>('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLSelectElement & HTMLTextAreaElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = async (): Promise<void> => {
    if (move.to === 'resolved' && reason === '') return setProblem(t('reasonRequired'));
    if (note.trim() === '') return setProblem(t('noteRequired'));
    setBusy(true);
    const saved = await applyMove(ctx, move, note.trim(), reason);
    setBusy(false);
    ctx.notify(`${t('done')}: ${saved}/${move.ids.length}`);
    onDone();
  };
  return (
    <form
      class="panel move"
      data-testid="move-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2>
        {t(verb[move.to])} · {move.ids.length} {t('selected')}
      </h2>
      {move.to === 'resolved' && <ReasonField value={reason} set={setReason} first={first} />}
      <label>
        {t('note')}
        <textarea
          ref={move.to === 'resolved' ? undefined : first}
          maxLength={2000}
          rows={3}
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </label>
      {problem !== '' && (
        <p role="alert" class="bad-text" data-testid="move-problem">
          {problem}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {t('save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

function Row(props: {
  x: ExceptionView;
  canAct: boolean;
  checked: boolean;
  toggle: () => void;
  act: (m: Move) => void;
}) {
  const { t, lang } = useApp();
  const { x } = props;
  return (
    <tr data-testid="exception-row" data-state={x.state}>
      {props.canAct && (
        <td>
          <input
            type="checkbox"
            aria-label={`${t('select')} ${x.id}`}
            checked={props.checked}
            onChange={props.toggle}
          />
        </td>
      )}
      <td>{categoryLabel(t, x.kind)}</td>
      <td>{x.kpmId}</td>
      <td>{x.agentId ?? '-'}</td>
      <td class="num">{rupiah(x.amount)}</td>
      <td>
        <span class={`badge state-${x.state}`}>{t(`state_${x.state}`)}</span>
      </td>
      <td data-testid="assignee">{x.assignee ?? '-'}</td>
      <td data-testid="age" title={x.openedAt === undefined ? undefined : dateTime(x.openedAt)}>
        {x.openedAt === undefined ? t('age_unworked') : duration(Date.now() - x.openedAt, lang)}
      </td>
      <td>
        <History x={x} />
      </td>
      {props.canAct && (
        <td class="actions">
          {movesFrom[x.state].map((to) => (
            <button type="button" key={to} onClick={() => props.act({ to, ids: [x.id] })}>
              {t(verb[to])}
            </button>
          ))}
        </td>
      )}
    </tr>
  );
}

function BulkBar(props: {
  selected: readonly ExceptionView[];
  act: (m: Move) => void;
  assign: (ids: readonly string[], assignee: string | null) => void;
}) {
  const { t, me } = useApp();
  const { selected, act } = props;
  const open = selected.filter((x) => x.state !== 'resolved').map((x) => x.id);
  const ids = selected.map((x) => x.id);
  const all = (to: ExceptionState): boolean => selected.every((x) => movesFrom[x.state].includes(to));
  return (
    <div class="row bulk" role="group" aria-label={t('bulkAction')}>
      <span>
        {selected.length} {t('selected')}
      </span>
      {(['investigating', 'resolved', 'open'] as const).map((to) => (
        <button type="button" key={to} disabled={selected.length === 0 || !all(to)} onClick={() => act({ to, ids })}>
          {t(verb[to])}
        </button>
      ))}
      <button type="button" disabled={open.length === 0} onClick={() => props.assign(open, me.name)}>
        {t('assignToMe')}
      </button>
      <button type="button" disabled={open.length === 0} onClick={() => props.assign(open, null)}>
        {t('unassign')}
      </button>
    </div>
  );
}

/** Assigns each exception in turn; stops at the first refusal. Returns how many were saved. */
async function applyAssign(ctx: AppContext, ids: readonly string[], assignee: string | null): Promise<number> {
  let saved = 0;
  for (const id of ids) {
    try {
      await ctx.api.post(`/exceptions/${encodeURIComponent(id)}/assign`, { assignee });
      saved++;
    } catch (error) {
      ctx.fail(error);
      break;
    }
  }
  return saved;
}

function ExceptionTable(props: {
  items: readonly ExceptionView[];
  canAct: boolean;
  selected: ReadonlySet<string>;
  setSelected: (s: ReadonlySet<string>) => void;
  act: (m: Move) => void;
}) {
  const { t } = useApp();
  const { items, canAct, selected, setSelected } = props;
  const toggle = (id: string): void => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  return (
    <div class="table-wrap">
      <table data-testid="exceptions-table">
        <thead>
          <tr>
            {canAct && (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label={t('selectAll')}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(items.map((x) => x.id)) : new Set())}
                />
              </th>
            )}
            {(['kind', 'kpm', 'agent', 'amount', 'state', 'assignee', 'age', 'history'] as const).map((h) => (
              <th scope="col" key={h}>
                {t(h)}
              </th>
            ))}
            {canAct && <th scope="col">{t('bulkAction').split(' ')[0]}</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((x) => (
            <Row
              key={x.id}
              x={x}
              canAct={canAct}
              checked={selected.has(x.id)}
              toggle={() => toggle(x.id)}
              act={props.act}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const kpmKinds = ['overdrawn', 'unclaimed', 'no_disbursement'] as const;
const withdrawalKinds = withdrawalCategories.filter((c) => c !== 'ok' && c !== 'reversed');
const exceptionKinds = [...kpmKinds, ...withdrawalKinds];

/** Exceptions per kind under the bank and region filter, from the tahap's counters; a kind narrows the list. */
function KindTotals(props: { filter: Filter; kind: string; setKind: (k: string) => void }) {
  const { t, api } = useApp();
  const { filter } = props;
  const { data } = useLoad(
    () => api.get<Summary>(`/tahap/${filter.tahap}/summary`, { bank: filter.bank, region: filter.region }),
    [filter.tahap, filter.bank, filter.region],
  );
  if (data === undefined) return null;
  const tally = (group: string, kind: string): number =>
    (data.counters[group] as Record<string, Record<string, number>> | undefined)?.[kind]?.count ?? 0;
  const rows = exceptionKinds.map((k) => ({
    kind: k,
    count: tally((kpmKinds as readonly string[]).includes(k) ? 'kpmByCategory' : 'withdrawalsByCategory', k),
  }));
  const total = rows.reduce((n, r) => n + r.count, 0);
  return (
    <div class="table-wrap">
      <table data-testid="exception-totals" class="compact">
        <caption>
          {t('exceptionTotals')}: {count(total)}
        </caption>
        <tbody>
          {rows
            .filter((r) => r.count > 0)
            .map((r) => (
              <tr key={r.kind} data-kind={r.kind} class={r.kind === props.kind ? 'chosen' : ''}>
                <th scope="row">
                  <button type="button" class="link-button" onClick={() => props.setKind(r.kind)}>
                    {categoryLabel(t, r.kind)}
                  </button>
                </th>
                <td class="num">{count(r.count)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/** Exceptions per ageing bucket under every filter but age, counted on the server; a bucket narrows the list. */
function AgeingBuckets(props: {
  query: Readonly<Record<string, string | undefined>>;
  path: string;
  version: number;
  age: string;
  setAge: (a: ExceptionAgeBucket | '') => void;
}) {
  const { t, api } = useApp();
  const { data } = useLoad(
    () => api.get<ExceptionAgeing>(`${props.path}/ageing`, props.query),
    [props.path, JSON.stringify(props.query), props.version],
  );
  if (data === undefined) return null;
  return (
    <div class="table-wrap">
      <table data-testid="exception-ageing" class="compact">
        <caption>
          {t('exceptionAgeing')}
          {data.complete ? '' : ` (${t('ageingPartial')})`}
        </caption>
        <tbody>
          {exceptionAgeBuckets.map((b) => (
            <tr key={b} data-age={b} class={b === props.age ? 'chosen' : ''}>
              <th scope="row">
                <button type="button" class="link-button" onClick={() => props.setAge(b)}>
                  {t(`age_${b}`)}
                </button>
              </th>
              <td class="num">{count(data.buckets[b])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AgeFilter(props: { age: string; setAge: (a: ExceptionAgeBucket | '') => void }) {
  const { t } = useApp();
  return (
    <label>
      {t('age')}
      <select
        data-testid="age-filter"
        value={props.age}
        onChange={(e) => props.setAge(e.currentTarget.value as ExceptionAgeBucket | '')}
      >
        <option value="">{t('allAges')}</option>
        {exceptionAgeBuckets.map((b) => (
          <option key={b} value={b}>
            {t(`age_${b}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

function StateKindFilters(props: {
  state: ExceptionState | '';
  setState: (s: ExceptionState | '') => void;
  kind: string;
  setKind: (k: string) => void;
  /** Undefined for a viewer (nothing is assigned to one). */
  mine: boolean | undefined;
  setMine: (m: boolean) => void;
  age: string;
  setAge: (a: ExceptionAgeBucket | '') => void;
}) {
  const { t } = useApp();
  return (
    <div class="filters">
      <label>
        {t('state')}
        <select
          data-testid="state-filter"
          value={props.state}
          onChange={(e) => props.setState(e.currentTarget.value as ExceptionState | '')}
        >
          <option value="">{t('allStates')}</option>
          {(['open', 'investigating', 'resolved'] as const).map((s) => (
            <option key={s} value={s}>
              {t(`state_${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('kind')}
        <select data-testid="kind-filter" value={props.kind} onChange={(e) => props.setKind(e.currentTarget.value)}>
          <option value="">{t('allKinds')}</option>
          {exceptionKinds.map((k) => (
            <option key={k} value={k}>
              {categoryLabel(t, k)}
            </option>
          ))}
        </select>
      </label>
      <AgeFilter age={props.age} setAge={props.setAge} />
      {props.mine !== undefined && (
        <label class="check">
          <input
            type="checkbox"
            data-testid="mine-filter"
            checked={props.mine}
            onChange={(e) => props.setMine(e.currentTarget.checked)}
          />
          {t('onlyMine')}
        </label>
      )}
    </div>
  );
}

export function ExceptionsScreen(props: { filter: Filter; tahaps: readonly string[]; setFilter: (f: Filter) => void }) {
  const ctx = useApp();
  const { t, api, me } = ctx;
  const { filter } = props;
  const canAct = me.role !== 'viewer';
  const [state, setState] = useState<ExceptionState | ''>('');
  const [kind, setKind] = useState('');
  const [mine, setMine] = useState(false);
  const [age, setAge] = useState<ExceptionAgeBucket | ''>('');
  const [version, setVersion] = useState(0);
  const assignee = mine ? me.name : undefined;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [move, setMove] = useState<Move | undefined>(undefined);
  const path = `/tahap/${filter.tahap}/exceptions`;
  const list = usePaged(
    (after) =>
      api.get<Page<ExceptionView>>(path, {
        ...{ state, kind, assignee, age, after, limit: 50 },
        ...{ bank: filter.bank, region: filter.region },
      }),
    [path, state, kind, assignee, age, filter.bank, filter.region],
  );
  const done = (): void => {
    setMove(undefined);
    setSelected(new Set());
    setVersion((n) => n + 1);
    list.reload();
  };
  const ageingQuery = { state, kind, assignee, bank: filter.bank, region: filter.region };
  const assign = (ids: readonly string[], to: string | null): void =>
    void applyAssign(ctx, ids, to).then((saved) => {
      ctx.notify(`${t('done')}: ${saved}/${ids.length}`);
      done();
    });
  return (
    <>
      <h1>
        {t('exceptionsTitle')} {filter.tahap}
      </h1>
      <FilterBar filter={filter} tahaps={props.tahaps} onChange={props.setFilter} />
      <KindTotals filter={filter} kind={kind} setKind={setKind} />
      <AgeingBuckets query={ageingQuery} path={path} version={version} age={age} setAge={setAge} />
      <StateKindFilters
        {...{ state, setState, kind, setKind, setMine, age, setAge }}
        mine={canAct ? mine : undefined}
      />
      {canAct && <BulkBar selected={list.items.filter((x) => selected.has(x.id))} act={setMove} assign={assign} />}
      {move !== undefined && <MoveForm move={move} onDone={done} onCancel={() => setMove(undefined)} />}
      <p class="muted" aria-live="polite">
        {count(list.items.length)} {t('shown')}
        {list.next === undefined && !list.loading ? ` · ${t('end')}` : ''}
      </p>
      <ExceptionTable items={list.items} canAct={canAct} selected={selected} setSelected={setSelected} act={setMove} />
      {list.loading && <p>{t('loading')}</p>}
      {list.next !== undefined && !list.loading && (
        <button type="button" onClick={list.more}>
          {t('more')}
        </button>
      )}
    </>
  );
}
