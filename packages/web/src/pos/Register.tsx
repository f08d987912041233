import { useCallback, useEffect, useMemo, useState } from 'react';
import { NativeApi } from '../shared/api.ts';
import { History } from './History.tsx';
import { type RegisterSession, clearSession, loadSession, saveSession } from './session.ts';
import { SignIn } from './SignIn.tsx';
import { Till } from './Till.tsx';

type View = 'sell' | 'history';

/** /pos/history shows the recent payments; anything else under /pos is the till. */
function viewOf(pathname: string): View {
  return /^\/pos\/history\/?$/.test(pathname) ? 'history' : 'sell';
}

/** The cash register: sign-in, then the till and the terminal's recent payments. */
export function Register() {
  const [session, setSession] = useState<RegisterSession | null>(() => loadSession());
  const [view, setView] = useState<View>(() => viewOf(location.pathname));
  const [announcement, setAnnouncement] = useState('');
  const api = useMemo(() => (session ? new NativeApi(session.apiKey) : null), [session]);

  useEffect(() => {
    const onPop = () => setView(viewOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const go = useCallback((next: View) => {
    history.pushState(null, '', next === 'history' ? '/pos/history' : '/pos');
    setView(next);
  }, []);

  // One polite live region for the whole register: status changes are read out once, in order.
  const announce = useCallback((text: string) => {
    setAnnouncement('');
    requestAnimationFrame(() => setAnnouncement(text));
  }, []);

  const signIn = (next: RegisterSession) => {
    saveSession(next);
    setSession(next);
    announce(`Signed in at terminal ${next.terminalId}.`);
  };
  const signOut = () => {
    clearSession();
    setSession(null);
    announce('Signed out.');
  };

  return (
    <>
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {announcement}
      </div>
      {!session || !api ? (
        <SignIn onSignIn={signIn} />
      ) : (
        <div className="register">
          <header className="register-header no-print">
            <h1>Register</h1>
            <p className="who" aria-label="Signed in as">
              Store <strong>{session.storeId}</strong> · Terminal <strong>{session.terminalId}</strong>
              {session.operatorId ? (
                <>
                  {' '}· Operator <strong>{session.operatorId}</strong>
                </>
              ) : null}
            </p>
            <nav aria-label="Register">
              <a href="/pos" aria-current={view === 'sell' ? 'page' : undefined} onClick={(event) => { event.preventDefault(); go('sell'); }}>
                Sell
              </a>
              <a href="/pos/history" aria-current={view === 'history' ? 'page' : undefined} onClick={(event) => { event.preventDefault(); go('history'); }}>
                Recent payments
              </a>
            </nav>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </header>
          {view === 'sell' ? <Till api={api} session={session} announce={announce} /> : <History api={api} session={session} announce={announce} />}
        </div>
      )}
    </>
  );
}
