/**
 * Agen: every agent with its last sync, the head the gateway holds, flags and revocation;
 * agents that are behind or flagged come first and stand out.
 */
import { useState } from 'preact/hooks';
import { dateTime, duration } from '../shared/format.ts';
import type { AgentOverview, Page } from './api.ts';
import { useApp } from './context.ts';
import { usePaged } from './hooks.ts';

const behindChoices = [1, 6, 24, 72] as const;

function trouble(a: AgentOverview): boolean {
  return a.sync === 'behind' || a.flagged || a.status === 'revoked';
}

function AgentRow({ a }: { a: AgentOverview }) {
  const { t, lang } = useApp();
  return (
    <tr class={trouble(a) ? 'trouble' : ''} data-testid="agent-row" data-agent={a.agentId} data-sync={a.sync}>
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
      <td class="num" data-label={t('gatewayHead')}>
        {a.gatewayHeadSeq}
      </td>
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
    'gatewayHead',
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
