import { useCallback, useEffect, useState } from 'react';
import { type Session, api } from './api.ts';
import { SignIn } from './SignIn.tsx';
import { Payments } from './Payments.tsx';
import { PaymentPage } from './PaymentPage.tsx';
import { Totals } from './Totals.tsx';
import { Settings } from './Settings.tsx';
import { Reconciliation } from './Reconciliation.tsx';

/** Screens live in the URL's hash (#/payments/pay_…): a reload or a shared link opens the same screen. */
function useHashRoute(): [string, (to: string) => void] {
  const read = () => window.location.hash.replace(/^#/, '') || '/payments';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return [route, (to: string) => (window.location.hash = to)];
}

const SECTIONS = [
  ['/payments', 'Payments'],
  ['/totals', 'Totals'],
  ['/reconciliation', 'Reconciliation'],
  ['/settings', 'Settings'],
] as const;

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, go] = useHashRoute();
  const [modeError, setModeError] = useState<string | null>(null);

  useEffect(() => {
    api<Session>('GET', '/dashboard/api/session').then(setSession, () => setSession(null));
  }, []);

  const switchMode = useCallback(async (livemode: boolean) => {
    setModeError(null);
    try {
      setSession(await api<Session>('POST', '/dashboard/api/mode', { livemode }));
    } catch (error) {
      setModeError((error as Error).message);
    }
  }, []);

  const signOut = useCallback(async () => {
    await api('DELETE', '/dashboard/session').catch(() => undefined);
    setSession(null);
  }, []);

  if (session === undefined) return <p className="dash-loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const modeKey = session.livemode ? 'live' : 'test';
  const paymentMatch = /^\/payments\/([\w-]+)$/.exec(route);
  let screen;
  if (paymentMatch) screen = <PaymentPage key={`${modeKey}-${paymentMatch[1]}`} id={paymentMatch[1]!} onBack={() => go('/payments')} />;
  else if (route.startsWith('/totals')) screen = <Totals key={modeKey} />;
  else if (route.startsWith('/settings')) screen = <Settings key={modeKey} livemode={session.livemode} />;
  else if (route.startsWith('/reconciliation')) screen = <Reconciliation key={modeKey} />;
  else screen = <Payments key={modeKey} onOpen={(id) => go(`/payments/${id}`)} />;

  return (
    <div className={`dash ${session.livemode ? 'dash-live' : 'dash-test'}`}>
      <header className="dash-header">
        <div className="dash-brand">
          <strong>counterpay</strong> <span>{session.merchant.name}</span>
        </div>
        <nav aria-label="Dashboard sections">
          <ul>
            {SECTIONS.map(([path, label]) => (
              <li key={path}>
                <a href={`#${path}`} aria-current={route.startsWith(path) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="dash-mode">
          <label>
            <input type="checkbox" role="switch" checked={session.livemode} onChange={(e) => void switchMode(e.target.checked)} aria-describedby="mode-help" />
            Live mode
          </label>
          <span id="mode-help" className="dash-mode-badge">{session.livemode ? 'Showing live data' : 'Showing test data'}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {modeError && (
        <p role="alert" className="dash-error">
          {modeError}
        </p>
      )}
      <main className="dash-main">{screen}</main>
    </div>
  );
}
