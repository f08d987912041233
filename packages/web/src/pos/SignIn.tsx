import { type FormEvent, useState } from 'react';
import { ApiError, NativeApi } from '../shared/api.ts';
import { CURRENCIES } from '../shared/money.ts';
import type { RegisterSession } from './session.ts';

/** Sign in as a terminal of a store: the key is checked against the API before the till opens. */
export function SignIn({ onSignIn }: { onSignIn: (session: RegisterSession) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [storeId, setStoreId] = useState('');
  const [terminalId, setTerminalId] = useState('');
  const [operatorId, setOperatorId] = useState('');
  const [currency, setCurrency] = useState('CNY');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const session = { apiKey: apiKey.trim(), storeId: storeId.trim(), terminalId: terminalId.trim(), operatorId: operatorId.trim(), currency };
    if (!session.apiKey || !session.storeId || !session.terminalId) {
      setError('Enter the API key, the store ID and the terminal ID.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Any read proves the key: a terminal key may only list its own terminal's payments, which this is.
      await new NativeApi(session.apiKey).get('/payments', { limit: 1, terminal_id: session.terminalId });
      onSignIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'This API key is not valid. Use the merchant\'s secret key or a terminal key from the dashboard.' : (caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="panel" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">Sign in to the register</h1>
        <div className="field">
          <label htmlFor="signin-key">API key</label>
          <input id="signin-key" type="password" autoComplete="off" spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoFocus placeholder="sk_test_… or tk_…" />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="signin-store">Store ID</label>
            <input id="signin-store" autoComplete="off" value={storeId} onChange={(e) => setStoreId(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="signin-terminal">Terminal ID</label>
            <input id="signin-terminal" autoComplete="off" value={terminalId} onChange={(e) => setTerminalId(e.target.value)} />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="signin-operator">Operator ID</label>
            <input id="signin-operator" autoComplete="off" value={operatorId} onChange={(e) => setOperatorId(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="signin-currency">Currency</label>
            <select id="signin-currency" value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {CURRENCIES.map((code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ))}
            </select>
          </div>
        </div>
        {error ? (
          <p className="alert error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
