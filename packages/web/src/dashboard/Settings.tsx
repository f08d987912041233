import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, chinaTime } from './api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { placeName, usePlaces } from './usePlaces.ts';

/** Runs an action, showing its error in plain words; answers whether it worked. */
function useAction(): [string | null, (f: () => Promise<void>) => Promise<boolean>] {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  }, []);
  return [error, run];
}

function Problem({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" className="dash-error">
      {error}
    </p>
  ) : null;
}

function Card({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="dash-card">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

interface ApiKey {
  id: string;
  kind: string;
  label: string | null;
  prefix: string;
  terminal_id: string | null;
  created_at: string;
  revoked_at: string | null;
}

function ApiKeys({ livemode }: { livemode: boolean }) {
  const { places } = usePlaces();
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [kind, setKind] = useState('terminal');
  const [terminal, setTerminal] = useState('');
  const [labelText, setLabel] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [error, run] = useAction();
  const load = useCallback(() => void api<{ data: ApiKey[] }>('GET', '/dashboard/api/api_keys').then((r) => setKeys(r.data)), []);
  useEffect(load, [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const body: Record<string, string> = { kind };
      if (kind === 'terminal') body.terminal_id = terminal || places?.terminals[0]?.id || '';
      if (labelText.trim()) body.label = labelText.trim();
      const key = await api<{ key: string }>('POST', '/dashboard/api/api_keys', body);
      setCreated(key.key);
      setLabel('');
      load();
    });
  }

  return (
    <Card id="keys-title" title={`API keys (${livemode ? 'live' : 'test'} mode)`}>
      <table className="dash-table">
        <caption>Keys are shown by their first characters only.</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Kind</th>
            <th scope="col">Label</th>
            <th scope="col">Terminal</th>
            <th scope="col">Created</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} className={k.revoked_at ? 'dash-revoked' : undefined}>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.kind}</td>
              <td>{k.label ?? '—'}</td>
              <td>{k.terminal_id ? placeName(places?.terminals, k.terminal_id) : 'All'}</td>
              <td>{chinaTime(k.created_at)}</td>
              <td>
                {k.revoked_at ? (
                  `Revoked ${chinaTime(k.revoked_at)}`
                ) : (
                  <button type="button" onClick={() => setRevoking(k)} aria-label={`Revoke key ${k.prefix}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => void create(e)} className="dash-inline-form" aria-label="Create an API key">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="terminal">Terminal key (cash register: one terminal's payments)</option>
            <option value="secret">Secret key (everything)</option>
          </select>
        </label>
        {kind === 'terminal' && (
          <label>
            Terminal
            <select value={terminal} onChange={(e) => setTerminal(e.target.value)}>
              {places?.terminals.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({placeName(places.stores, t.store_id)})
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Label
          <input value={labelText} onChange={(e) => setLabel(e.target.value)} maxLength={64} />
        </label>
        <button type="submit">Create key</button>
      </form>
      {created && (
        <div role="status" className="dash-notice">
          New key, shown this once: <code data-testid="new-key">{created}</code>
        </div>
      )}
      <Problem error={error} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke key"
        cancelLabel="Keep the key"
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const key = revoking!;
          setRevoking(null);
          void run(async () => {
            await api('POST', `/dashboard/api/api_keys/${key.id}/revoke`, {});
            load();
          });
        }}
      >
        <p>Requests with {revoking?.prefix}… stop working at once.</p>
      </ConfirmDialog>
    </Card>
  );
}

interface Endpoint {
  id: string;
  url: string;
  event_types: string[];
  status: string;
  created_at: string;
}
interface Delivery {
  id: string;
  event: string;
  event_type: string;
  status: string;
  created_at: string;
  attempts: Array<{ at: string; http_status: number | null; latency_ms: number; error: string | null }>;
}

function Webhooks() {
  const [endpoints, setEndpoints] = useState<Endpoint[]>([]);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [log, setLog] = useState<{ endpoint: string; deliveries: Delivery[] } | null>(null);
  const [error, run] = useAction();
  const load = useCallback(() => void api<{ data: Endpoint[] }>('GET', '/dashboard/api/webhook_endpoints').then((r) => setEndpoints(r.data)), []);
  useEffect(load, [load]);

  return (
    <Card id="webhooks-title" title="Webhook endpoints">
      <table className="dash-table">
        <caption>Where counterpay sends signed events</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((e) => (
            <tr key={e.id}>
              <td>{e.url}</td>
              <td>{e.event_types.join(', ')}</td>
              <td>{e.status}</td>
              <td className="dash-row-actions">
                <button type="button" aria-label={`Delivery log of ${e.url}`} onClick={() => void run(async () => setLog({ endpoint: e.url, deliveries: (await api<{ data: Delivery[] }>('GET', `/dashboard/api/webhook_endpoints/${e.id}/deliveries`)).data }))}>
                  Delivery log
                </button>
                <button
                  type="button"
                  aria-label={`${e.status === 'disabled' ? 'Enable' : 'Disable'} ${e.url}`}
                  onClick={() =>
                    void run(async () => {
                      await api('POST', `/dashboard/api/webhook_endpoints/${e.id}`, { disabled: e.status !== 'disabled' });
                      load();
                    })
                  }
                >
                  {e.status === 'disabled' ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${e.url}`}
                  onClick={() =>
                    void run(async () => {
                      await api('DELETE', `/dashboard/api/webhook_endpoints/${e.id}`);
                      load();
                    })
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="dash-inline-form"
        aria-label="Add a webhook endpoint"
        onSubmit={(event) => {
          event.preventDefault();
          void run(async () => {
            const created = await api<{ secret: string }>('POST', '/dashboard/api/webhook_endpoints', { url });
            setSecret(created.secret);
            setUrl('');
            load();
          });
        }}
      >
        <label>
          Endpoint URL
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://shop.example/counterpay" />
        </label>
        <button type="submit">Add endpoint</button>
      </form>
      {secret && (
        <p role="status" className="dash-notice">
          Signing secret, shown this once: <code>{secret}</code>
        </p>
      )}
      {log && (
        <table className="dash-table">
          <caption>Latest deliveries to {log.endpoint}</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {log.deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.event_type} <small>{d.event}</small>
                </td>
                <td>{d.status}</td>
                <td>{d.attempts.map((a) => `${chinaTime(a.at)}: ${a.http_status !== null ? `HTTP ${a.http_status}` : (a.error ?? 'no answer')} in ${a.latency_ms} ms`).join('; ') || 'none yet'}</td>
              </tr>
            ))}
            {log.deliveries.length === 0 && (
              <tr>
                <td colSpan={3}>No deliveries yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <Problem error={error} />
    </Card>
  );
}

interface WalletAccount {
  wallet: string;
  endpoint: string;
  app_id: string | null;
  mch_id: string | null;
  has_client_certificate: boolean;
  certificates: Array<{ name: string; notAfter?: string | null }>;
  warnings: string[];
  updated_at: string;
}

const ALIPAY_FIELDS = [
  ['private_key', 'App private key (PEM)'],
  ['alipay_public_key', 'Alipay public key (PEM)'],
] as const;
const WECHAT_FIELDS = [
  ['mch_id', 'Merchant id (mch_id)'],
  ['api_key', 'API key'],
  ['cert_pem', 'Client certificate apiclient_cert.pem (optional)'],
  ['key_pem', 'Client key apiclient_key.pem (optional)'],
] as const;

function WalletAccounts() {
  const [accounts, setAccounts] = useState<WalletAccount[]>([]);
  const [wallet, setWallet] = useState<'alipay' | 'wechat'>('alipay');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [verify, setVerify] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, run] = useAction();
  const load = useCallback(() => void api<{ data: WalletAccount[] }>('GET', '/dashboard/api/wallet_accounts').then((r) => setAccounts(r.data)), []);
  useEffect(load, [load]);
  const extra = wallet === 'alipay' ? ALIPAY_FIELDS : WECHAT_FIELDS;

  return (
    <Card id="wallets-title" title="Connected wallet accounts">
      <table className="dash-table">
        <caption>Accounts of this mode (test mode uses the simulator when none is connected)</caption>
        <thead>
          <tr>
            <th scope="col">Wallet</th>
            <th scope="col">Account</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Certificates</th>
            <th scope="col">Warnings</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.wallet}>
              <td>{a.wallet}</td>
              <td>{[a.app_id, a.mch_id].filter(Boolean).join(' / ')}</td>
              <td>{a.endpoint}</td>
              <td>{a.certificates.map((c) => `${c.name}${c.notAfter ? ` until ${c.notAfter.slice(0, 10)}` : ''}`).join('; ') || (a.has_client_certificate ? 'client certificate' : 'none')}</td>
              <td>{a.warnings.join(' ') || 'none'}</td>
            </tr>
          ))}
          {accounts.length === 0 && (
            <tr>
              <td colSpan={5}>None connected.</td>
            </tr>
          )}
        </tbody>
      </table>
      <form
        className="dash-stack-form"
        aria-label="Connect a wallet account"
        onSubmit={(event) => {
          event.preventDefault();
          void run(async () => {
            const body: Record<string, unknown> = { wallet, verify };
            for (const [name, value] of Object.entries(fields)) if (value.trim()) body[name] = value.trim();
            await api('POST', '/dashboard/api/wallet_accounts', body);
            setNotice(`${wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} account connected${verify ? ' and verified with one signed call' : ''}.`);
            setFields({});
            load();
          });
        }}
      >
        <label>
          Wallet
          <select value={wallet} onChange={(e) => setWallet(e.target.value as 'alipay' | 'wechat')}>
            <option value="alipay">Alipay</option>
            <option value="wechat">WeChat Pay</option>
          </select>
        </label>
        <label>
          App id
          <input value={fields.app_id ?? ''} onChange={(e) => setFields({ ...fields, app_id: e.target.value })} required />
        </label>
        {extra.map(([name, text]) => (
          <label key={name}>
            {text}
            {name.endsWith('key') && name !== 'api_key' ? (
              <textarea rows={3} value={fields[name] ?? ''} onChange={(e) => setFields({ ...fields, [name]: e.target.value })} />
            ) : (
              <input value={fields[name] ?? ''} onChange={(e) => setFields({ ...fields, [name]: e.target.value })} />
            )}
          </label>
        ))}
        <label>
          Endpoint (production, sandbox, hk, or a URL; empty: the default of this mode)
          <input value={fields.endpoint ?? ''} onChange={(e) => setFields({ ...fields, endpoint: e.target.value })} />
        </label>
        <label className="dash-check">
          <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
          Verify with one harmless signed call before saving
        </label>
        <button type="submit">Connect account</button>
      </form>
      {notice && (
        <p role="status" className="dash-notice">
          {notice}
        </p>
      )}
      <Problem error={error} />
    </Card>
  );
}

function Places() {
  const { places, reload } = usePlaces();
  const [store, setStore] = useState('');
  const [terminal, setTerminal] = useState({ name: '', store_id: '' });
  const [operator, setOperator] = useState('');
  const [error, run] = useAction();
  return (
    <Card id="places-title" title="Stores, terminals and operators">
      <table className="dash-table">
        <caption>Stores and their terminals</caption>
        <thead>
          <tr>
            <th scope="col">Store</th>
            <th scope="col">Store number</th>
            <th scope="col">Terminals</th>
          </tr>
        </thead>
        <tbody>
          {places?.stores.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>{s.store_no}</td>
              <td>
                {places.terminals
                  .filter((t) => t.store_id === s.id)
                  .map((t) => `${t.name} (${t.terminal_no})`)
                  .join(', ') || 'none'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>Operators: {places?.operators.map((o) => `${o.name} (${o.operator_no})`).join(', ') || 'none'}</p>
      <form
        className="dash-inline-form"
        aria-label="Add a store"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', '/dashboard/api/stores', { name: store });
            setStore('');
            reload();
          });
        }}
      >
        <label>
          New store name
          <input value={store} onChange={(e) => setStore(e.target.value)} required maxLength={64} />
        </label>
        <button type="submit">Add store</button>
      </form>
      <form
        className="dash-inline-form"
        aria-label="Add a terminal"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', '/dashboard/api/terminals', { name: terminal.name, store_id: terminal.store_id || places?.stores[0]?.id || '' });
            setTerminal({ name: '', store_id: terminal.store_id });
            reload();
          });
        }}
      >
        <label>
          New terminal name
          <input value={terminal.name} onChange={(e) => setTerminal({ ...terminal, name: e.target.value })} required maxLength={64} />
        </label>
        <label>
          In store
          <select value={terminal.store_id} onChange={(e) => setTerminal({ ...terminal, store_id: e.target.value })}>
            {places?.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Add terminal</button>
      </form>
      <form
        className="dash-inline-form"
        aria-label="Add an operator"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', '/dashboard/api/operators', { name: operator });
            setOperator('');
            reload();
          });
        }}
      >
        <label>
          New operator name
          <input value={operator} onChange={(e) => setOperator(e.target.value)} required maxLength={64} />
        </label>
        <button type="submit">Add operator</button>
      </form>
      <Problem error={error} />
    </Card>
  );
}

export function Settings({ livemode }: { livemode: boolean }) {
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ApiKeys livemode={livemode} />
      <Webhooks />
      <WalletAccounts />
      <Places />
    </section>
  );
}
