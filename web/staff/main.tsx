/**
 * The staff web app: sign in with a staff token (kept in sessionStorage, so it leaves with the
 * tab), then Ringkasan, Pengaduan, Agen, Pengecualian, Gagal transfer and Ekspor as hash routes.
 * Errors from the gateway go to one assertive live region, confirmations to a polite one.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Lang } from '../shared/format.ts';
import { translator } from '../shared/dictionary.ts';
import { useLang } from '../shared/lang.ts';
import { AgentsScreen } from './agents.tsx';
import { ComplaintScreen } from './complaint.tsx';
import { Api, ApiError, type Me, type TahapList } from './api.ts';
import { App, useApp, type AppContext } from './context.ts';
import type { Filter } from './drill.tsx';
import { ExceptionsScreen } from './exceptions.tsx';
import { ExportScreen } from './export.tsx';
import { FailedCreditsScreen } from './failed.tsx';
import { SummaryScreen } from './summary.tsx';
import { staffText, type StaffTextKey } from './text.ts';
import './staff.css';

const tokenKey = 'edc.staffToken';
const routes = ['ringkasan', 'pengaduan', 'agen', 'pengecualian', 'gagal', 'ekspor'] as const;
type Route = (typeof routes)[number];
const navLabel: Record<Route, StaffTextKey> = {
  ringkasan: 'navSummary',
  pengaduan: 'navComplaint',
  agen: 'navAgents',
  pengecualian: 'navExceptions',
  gagal: 'navFailed',
  ekspor: 'navExport',
};

function routeOf(hash: string): Route {
  const name = hash.replace(/^#\/?/, '') as Route;
  return routes.includes(name) ? name : 'ringkasan';
}

function errorText(t: (k: StaffTextKey) => string, error: unknown): string {
  if (!(error instanceof ApiError)) return `${t('error_other')} ${String(error)}`;
  const key = `error_${error.code}` as StaffTextKey;
  const lead = key in staffText ? t(key) : t('error_other');
  return `${lead} (${error.code}) ${error.message}`;
}

function SignIn({
  t,
  onToken,
  problem,
}: {
  t: (k: StaffTextKey) => string;
  onToken: (token: string) => void;
  problem: string;
}) {
  const [token, setToken] = useState('');
  return (
    <form
      class="panel signin"
      onSubmit={(e) => {
        e.preventDefault();
        onToken(token.trim());
      }}
    >
      <h1>{t('signInTitle')}</h1>
      <label>
        {t('tokenLabel')}
        <input
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
        />
      </label>
      <p id="token-help" class="muted">
        {t('tokenHelp')}
      </p>
      <button type="submit" class="primary">
        {t('signIn')}
      </button>
      {problem !== '' && <p class="bad-text">{problem}</p>}
    </form>
  );
}

function Screens({ route, tahaps }: { route: Route; tahaps: TahapList }) {
  const first = tahaps.latest ?? tahaps.items[0]?.tahap;
  const [filter, setFilter] = useState<Filter>({ tahap: first ?? '', bank: '', region: '' });
  const names = tahaps.items.map((x) => x.tahap);
  const { t } = useApp();
  if (route === 'agen') return <AgentsScreen />;
  if (route === 'pengaduan') return <ComplaintScreen />;
  if (filter.tahap === '') return <p>{t('noTahap')}</p>;
  if (route === 'pengecualian') return <ExceptionsScreen filter={filter} tahaps={names} setFilter={setFilter} />;
  if (route === 'gagal') return <FailedCreditsScreen filter={filter} />;
  if (route === 'ekspor') return <ExportScreen filter={filter} tahaps={names} setFilter={setFilter} />;
  return <SummaryScreen filter={filter} tahaps={names} setFilter={setFilter} />;
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(routeOf(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(routeOf(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Shell({ ctx, onSignOut, setLang }: { ctx: AppContext; onSignOut: () => void; setLang: (l: Lang) => void }) {
  const route = useHashRoute();
  const [tahaps, setTahaps] = useState<TahapList | undefined>(undefined);
  useEffect(() => void ctx.api.get<TahapList>('/tahap').then(setTahaps, ctx.fail), [ctx.api]);
  const { t } = ctx;
  return (
    <App.Provider value={ctx}>
      <header class="top">
        <strong>{t('appTitle')}</strong>
        <span class="who" data-testid="who">
          {t('signedInAs')} {ctx.me.name} ({t(`role_${ctx.me.role}`)})
        </span>
        <button type="button" onClick={() => setLang(ctx.lang === 'id' ? 'en' : 'id')}>
          {t('language')}
        </button>
        <button type="button" onClick={onSignOut}>
          {t('signOut')}
        </button>
      </header>
      <nav aria-label={t('mainNav')}>
        {routes.map((r) => (
          <a key={r} href={`#/${r}`} aria-current={r === route ? 'page' : undefined}>
            {t(navLabel[r])}
          </a>
        ))}
      </nav>
      <main>{tahaps === undefined ? <p>{t('loading')}</p> : <Screens route={route} tahaps={tahaps} />}</main>
    </App.Provider>
  );
}

function Root() {
  const [lang, setLang] = useLang();
  const t = translator(staffText, lang);
  const [token, setToken] = useState(sessionStorage.getItem(tokenKey) ?? '');
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [alert, setAlert] = useState('');
  const [status, setStatus] = useState('');
  const api = useMemo(() => new Api(token), [token]);
  useEffect(() => {
    if (token === '') return setMe(undefined);
    api.get<Me>('/me').then(
      (m) => {
        sessionStorage.setItem(tokenKey, token);
        setAlert('');
        setMe(m);
      },
      (error: unknown) => {
        sessionStorage.removeItem(tokenKey);
        setAlert(errorText(t, error));
        setToken('');
      },
    );
  }, [api]);
  const signOut = (): void => {
    sessionStorage.removeItem(tokenKey);
    setToken('');
  };
  const ctx: AppContext | undefined =
    me === undefined
      ? undefined
      : { lang, t, api, me, fail: (e) => setAlert(errorText(t, e)), notify: (s) => (setAlert(''), setStatus(s)) };
  return (
    <>
      <div role="alert" aria-live="assertive" class={alert === '' ? 'sr-only' : 'alert'} data-testid="alert">
        {alert}
      </div>
      <div role="status" aria-live="polite" class="sr-only" data-testid="status">
        {status}
      </div>
      {ctx === undefined ? (
        <SignIn t={t} onToken={setToken} problem="" />
      ) : (
        <Shell ctx={ctx} onSignOut={signOut} setLang={setLang} />
      )}
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<Root />, root);
