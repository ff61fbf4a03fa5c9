/**
 * Agen: every agent with its last sync, the head the gateway holds beside the head the agent
 * last reported (an upload's agentStatus) and its queue, flags and revocation; agents that are
 * behind (by last sync, or holding entries the gateway lacks) or flagged come first and stand out.
 */
import { useState } from 'preact/hooks';
import { dateTime, duration } from '../shared/format.ts';
import type { AgentOverview, Page } from './api.ts';
import { useApp } from './context.ts';
import { usePaged } from './hooks.ts';

const behindChoices = [1, 6, 24, 72] as const;

const unsentOf = (a: AgentOverview): number => a.reported?.unsent ?? 0;

function trouble(a: AgentOverview): boolean {
  return a.sync === 'behind' || a.flagged || a.status === 'revoked' || unsentOf(a) > 0;
}

function HeadCells({ a }: { a: AgentOverview }) {
  const { t, lang } = useApp();
  const r = a.reported;
  return (
    <>
      <td class="num" data-label={t('headVsReported')} data-testid="agent-heads">
        {a.gatewayHeadSeq} / {r === null ? <span class="muted">{t('notReported')}</span> : r.headSeq}
        {r !== null && (
          <div class="muted">
            {t('reportedAt')} {dateTime(r.at)}
          </div>
        )}
      </td>
      <td class="num" data-label={t('queue')} data-testid="agent-queue">
        {r === null ? (
          '-'
        ) : (
          <>
            <span class={r.unsent > 0 ? 'badge bad' : 'badge ok'}>
              {r.unsent} {t('queueUnsent')}
            </span>
            {r.unsent > 0 && r.oldestQueuedAt !== null && (
              <div class="muted">
                {t('queueOldest')} {duration(Date.now() - r.oldestQueuedAt, lang)}
              </div>
            )}
          </>
        )}
      </td>
    </>
  );
}

function AgentRow({ a }: { a: AgentOverview }) {
  const { t, lang } = useApp();
  return (
    <tr
      class={trouble(a) ? 'trouble' : ''}
      data-testid="agent-row"
      data-agent={a.agentId}
      data-sync={a.sync}
      data-unsent={unsentOf(a)}
    >
      <th scope="row">{a.agentId}</th>
      <td data-label={t('bank')}>{a.bank}</td>
      <td data-label={t('region').split(' (')[0]}>{a.regionCode}</td>
      <td data-label={t('status')}>
        <span class={`badge ${a.sync === 'behind' ? 'bad' : a.sync === 'ok' ? 'ok' : 'muted'}`}>
          {t(`sync_${a.sync}`)}
        </span>
      </td>
      <td data-label={t('lastSync')}>
        {dateTime(a.lastContactAt)}
        {a.lastContactAt !== null && <div class="muted">{duration(Date.now() - a.lastContactAt, lang)}</div>}
      </td>
      <td data-label={t('lastUpload')}>{dateTime(a.lastUploadAt)}</td>
      <td data-testid="agent-checkpoint" data-label={t('lastCheckpoint')}>
        {a.lastCheckpoint === null ? (
          '-'
        ) : (
          <>
            #{a.lastCheckpoint.seq} {dateTime(a.lastCheckpoint.receivedAt)}
            <div class="muted">{a.lastCheckpoint.sender}</div>
          </>
        )}
      </td>
      <HeadCells a={a} />
      <td data-label={t('flags')}>
        {a.flags.length === 0
          ? '-'
          : a.flags.map((f) => (
              <span class="badge bad" key={`${f.kind}${f.seq}`}>
                {t(`flag_${f.kind}`)} @{f.seq}
              </span>
            ))}
      </td>
      <td data-label={t('status')}>
        {a.status === 'active' ? t('active') : <strong class="bad-text">{t('revoked')}</strong>}
      </td>
    </tr>
  );
}

export function AgentsScreen() {
  const { t, api } = useApp();
  const [hours, setHours] = useState(24);
  const list = usePaged(
    (after) => api.get<Page<AgentOverview>>('/agents/overview', { after, limit: 100, behindAfterHours: hours }),
    [hours],
  );
  const sorted = [...list.items].sort((a, b) => Number(trouble(b)) - Number(trouble(a)));
  const troubled = sorted.filter(trouble).length;
  const heads = [
    'agent',
    'bank',
    'region',
    'status',
    'lastSync',
    'lastUpload',
    'lastCheckpoint',
    'headVsReported',
    'queue',
    'flags',
    'status',
  ] as const;
  return (
    <>
      <h1>{t('agentsTitle')}</h1>
      <div class="filters">
        <label>
          {t('behindAfter')}
          <select value={hours} onChange={(e) => setHours(Number(e.currentTarget.value))}>
            {behindChoices.map((h) => (
              <option key={h} value={h}>
                {h} {t('hours')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class={troubled > 0 ? 'badge bad' : 'badge ok'} data-testid="agents-trouble">
        {troubled} {t('agentsBehindCount')}
      </p>
      <div class="table-wrap">
        <table data-testid="agents-table" class="cards">
          <thead>
            <tr>
              {heads.map((h, i) => (
                <th scope="col" key={i}>
                  {h === 'region' ? t('region').split(' (')[0] : t(h)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.map((a) => (
              <AgentRow a={a} key={a.agentId} />
            ))}
          </tbody>
        </table>
      </div>
      {list.loading && <p>{t('loading')}</p>}
      {list.next !== undefined && !list.loading && (
        <button type="button" onClick={list.more}>
          {t('more')}
        </button>
      )}
    </>
  );
}
