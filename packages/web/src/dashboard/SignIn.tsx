import { type FormEvent, useState } from 'react';
import { type Session, api } from './api.ts';

/** Sign-in with the merchant's secret key; the key goes to the server once and is never kept by the page. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/dashboard/session', { key });
      setKey('');
      onSignedIn(session);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="dash-signin">
      <h1>counterpay dashboard</h1>
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <label htmlFor="secret-key">Secret key</label>
        <input id="secret-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk_test_… or sk_live_…" required />
        <p className="dash-hint">A test key shows test mode; a live key shows both modes. The key is checked once and is not stored in this browser.</p>
        {error && (
          <p role="alert" className="dash-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
