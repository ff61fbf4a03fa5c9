/**
 * The agent's status page at `/` on its local status port: phone first, Bahasa Indonesia first.
 * It reads GET /v1/status every few seconds and says, in large type, whether the agent is
 * connected, how much is waiting to be sent, and what to do in each bad state.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { count, dateTime, duration, rupiah, type Lang } from '../shared/format.ts';
import { translator } from '../shared/dictionary.ts';
import { useLang } from '../shared/lang.ts';
import { agentText, type AgentTextKey } from './text.ts';
import { adviceOf, exposureOf, linkProblem, shownFields, signalOf, type LinkLike, type StatusLike } from './status.ts';
import './agent.css';

export const refreshMs = 5000;
type T = (key: AgentTextKey) => string;

function LinkRow({ link, t }: { link: LinkLike; t: T }) {
  const problem = linkProblem(link);
  const stateKey = `state_${link.state ?? 'closed'}` as AgentTextKey;
  const label = link.terminalId ?? link.id ?? '?';
  return (
    <li class={problem ? 'link problem' : 'link'} data-testid="link">
      <strong>{label}</strong> <span class="muted">({link.kind ?? '?'})</span>{' '}
      <span>{agentText[stateKey] === undefined ? link.state : t(stateKey)}</span>
      {link.silent === true && <span> · {t('silent')}</span>}
      <div class="muted">
        {count(link.requests ?? 0)} {t('requests')} · {count(link.frameErrors ?? 0)} {t('frameErrors')}
      </div>
      {(link.lastError ?? null) !== null && (
        <div class="error-text">
          {t('lastError')}: {link.lastError}. {t('doCheckTerminal')}.
        </div>
      )}
    </li>
  );
}

function Details({ status, t }: { status: StatusLike; t: T }) {
  const extra = Object.entries(status).filter(([key]) => !shownFields.has(key));
  return (
    <details>
      <summary>{t('details')}</summary>
      <dl class="details">
        {extra.map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>
              <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function Figures({ status, t, lang }: { status: StatusLike; t: T; lang: Lang }) {
  const exposure = exposureOf(status);
  const expiresAt = status.entitlement?.expiresAt;
  return (
    <dl class="figures">
      <div data-testid="unsent">
        <dt>{t('unsent')}</dt>
        <dd class="big">{count(status.queue?.depth ?? 0)}</dd>
        <dd>
          {t('oldest')}: {duration(status.queue?.oldestUnacknowledgedAgeMs ?? null, lang)}
        </dd>
      </div>
      <div>
        <dt>{exposure === undefined ? t('cashFloat') : t('exposure')}</dt>
        <dd class="big">{rupiah(exposure ?? status.cashFloatLeft ?? 0)}</dd>
      </div>
      <div data-testid="last-sync">
        <dt>{t('lastSync')}</dt>
        <dd>{status.lastSyncAt == null ? t('never') : dateTime(status.lastSyncAt)}</dd>
      </div>
      <div>
        <dt>{t('validUntil')}</dt>
        <dd>
          {expiresAt === undefined ? t('noEntitlements') : dateTime(expiresAt)}
          {status.entitlement?.expired === true && <strong class="error-text"> {t('expired')}</strong>}
        </dd>
      </div>
      <div>
        <dt>{t('today')}</dt>
        <dd>
          {count(status.today?.approvedCount ?? 0)} {t('approved')}, {rupiah(status.today?.approvedAmount ?? 0)}
        </dd>
      </div>
    </dl>
  );
}

function StatusView({ status, t, lang }: { status: StatusLike; t: T; lang: Lang }) {
  const signal = signalOf(status);
  const links = (status.links ?? []).filter((l) => l.kind !== 'tcp-listener' || linkProblem(l));
  return (
    <>
      <section class={`signal ${signal}`} data-testid="signal" data-signal={signal}>
        <p class="signal-text">{t(signal)}</p>
        {signal === 'halted' && (
          <p>
            {t('reason')}: <code>{status.haltReason}</code>
          </p>
        )}
      </section>
      <section aria-labelledby="todo">
        <h2 id="todo">{t('whatToDo')}</h2>
        <ul class="advice" data-testid="advice">
          {adviceOf(status).map((a) => (
            <li key={a}>{t(a)}</li>
          ))}
        </ul>
      </section>
      <Figures status={status} t={t} lang={lang} />
      <section aria-labelledby="links">
        <h2 id="links">{t('terminals')}</h2>
        {links.length === 0 ? (
          <p>{t('noLinks')}</p>
        ) : (
          <ul class="links">
            {links.map((l) => (
              <LinkRow key={l.id} link={l} t={t} />
            ))}
          </ul>
        )}
      </section>
      <Details status={status} t={t} />
    </>
  );
}

function useStatus(): { status: StatusLike | undefined; failed: boolean; at: number | undefined } {
  const [state, setState] = useState<{ status: StatusLike | undefined; failed: boolean; at: number | undefined }>({
    status: undefined,
    failed: false,
    at: undefined,
  });
  useEffect(() => {
    let stopped = false;
    const load = async (): Promise<void> => {
      try {
        const response = await fetch('/v1/status', { cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const status = (await response.json()) as StatusLike;
        if (!stopped) setState({ status, failed: false, at: Date.now() });
      } catch {
        if (!stopped) setState((old) => ({ ...old, failed: true }));
      }
    };
    void load();
    const timer = setInterval(() => void load(), refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return state;
}

function App() {
  const [lang, setLang] = useLang();
  const t = translator(agentText, lang);
  const { status, failed, at } = useStatus();
  return (
    <main>
      <header>
        <h1>
          {t('title')} {status?.agentId ?? ''}
        </h1>
        <button type="button" class="lang" onClick={() => setLang(lang === 'id' ? 'en' : 'id')}>
          {lang === 'id' ? 'English' : 'Bahasa Indonesia'}
        </button>
      </header>
      <p role="status" aria-live="polite" class={failed ? 'alert' : 'updated'} data-testid="refresh">
        {failed ? t('unreachable') : at === undefined ? t('doWait') : `${t('updated')} ${dateTime(at).slice(11)}`}
      </p>
      {status !== undefined && <StatusView status={status} t={t} lang={lang} />}
    </main>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
