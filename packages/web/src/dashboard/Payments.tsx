import { type FormEvent, useEffect, useState } from 'react';
import { api, chinaTime, query } from './api.ts';
import { formatMoney } from '../shared/money.ts';
import { placeName, usePlaces } from './usePlaces.ts';

export interface PaymentLine {
  id: string;
  status: string;
  wallet: string | null;
  flow: string;
  amount: number;
  currency: string;
  amount_refunded: number;
  merchant_order_id: string;
  barcode: string | null;
  store_id: string | null;
  terminal_id: string | null;
  created_at: string;
  description: string | null;
}

interface Filters {
  status: string;
  wallet: string;
  store_id: string;
  terminal_id: string;
  from: string;
  to: string;
  q: string;
}

const EMPTY: Filters = { status: '', wallet: '', store_id: '', terminal_id: '', from: '', to: '', q: '' };
const PAGE = 20;

/** The payments list: filters, search, cursor pages (newest first) and the CSV of everything the filters match. */
export function Payments({ onOpen }: { onOpen: (id: string) => void }) {
  const { places } = usePlaces();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  /** The cursors of the pages before this one (the first page has none). */
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<{ data: PaymentLine[]; has_more: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const cursor = cursors.at(-1);
  useEffect(() => {
    setError(null);
    api<{ data: PaymentLine[]; has_more: boolean }>('GET', `/dashboard/api/payments${query({ ...filters, limit: String(PAGE), starting_after: cursor })}`).then(setPage, (e: Error) => setError(e.message));
  }, [filters, cursor]);

  function apply(event: FormEvent) {
    event.preventDefault();
    setCursors([]);
    setFilters(draft);
  }

  const set = (name: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });
  const terminals = places?.terminals.filter((t) => !draft.store_id || t.store_id === draft.store_id) ?? [];

  return (
    <section aria-labelledby="payments-title">
      <h1 id="payments-title">Payments</h1>
      <form className="dash-filters" onSubmit={apply} aria-label="Filter payments">
        <label>
          Search
          <input type="search" value={draft.q} onChange={set('q')} placeholder="Order id or last barcode digits" />
        </label>
        <label>
          Status
          <select value={draft.status} onChange={set('status')}>
            <option value="">Any</option>
            <option value="processing">Processing</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="closed">Closed</option>
          </select>
        </label>
        <label>
          Wallet
          <select value={draft.wallet} onChange={set('wallet')}>
            <option value="">Any</option>
            <option value="alipay">Alipay</option>
            <option value="wechat">WeChat Pay</option>
          </select>
        </label>
        <label>
          Store
          <select value={draft.store_id} onChange={(e) => setDraft({ ...draft, store_id: e.target.value, terminal_id: '' })}>
            <option value="">Any</option>
            {places?.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Terminal
          <select value={draft.terminal_id} onChange={set('terminal_id')}>
            <option value="">Any</option>
            {terminals.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From (China date)
          <input type="date" value={draft.from} onChange={set('from')} />
        </label>
        <label>
          To (China date)
          <input type="date" value={draft.to} onChange={set('to')} />
        </label>
        <div className="dash-filter-actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setCursors([]);
              setFilters(EMPTY);
            }}
          >
            Clear filters
          </button>
          <a className="dash-button" href={`/dashboard/api/payments.csv${query({ ...filters })}`} download>
            Export CSV
          </a>
        </div>
      </form>
      {error && (
        <p role="alert" className="dash-error">
          {error}
        </p>
      )}
      <table className="dash-table">
        <caption>{page ? `${page.data.length} payment${page.data.length === 1 ? '' : 's'} on this page, newest first` : 'Loading payments…'}</caption>
        <thead>
          <tr>
            <th scope="col">Created (China time)</th>
            <th scope="col">Order</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">Wallet</th>
            <th scope="col">Barcode</th>
            <th scope="col">Store</th>
            <th scope="col">Terminal</th>
          </tr>
        </thead>
        <tbody>
          {page?.data.map((p) => (
            <tr key={p.id}>
              <td>{chinaTime(p.created_at)}</td>
              <td>
                <a
                  href={`#/payments/${p.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    onOpen(p.id);
                  }}
                >
                  {p.merchant_order_id}
                </a>
              </td>
              <td className="dash-amount">
                {formatMoney(p.amount, p.currency)}
                {p.amount_refunded > 0 && <span className="dash-refunded"> ({formatMoney(p.amount_refunded, p.currency)} refunded)</span>}
              </td>
              <td>
                <span className={`dash-status dash-status-${p.status}`}>{p.status}</span>
              </td>
              <td>{p.wallet ?? '—'}</td>
              <td>{p.barcode ?? (p.flow === 'qr' ? 'QR code' : '—')}</td>
              <td>{placeName(places?.stores, p.store_id)}</td>
              <td>{placeName(places?.terminals, p.terminal_id)}</td>
            </tr>
          ))}
          {page && page.data.length === 0 && (
            <tr>
              <td colSpan={8}>No payments match.</td>
            </tr>
          )}
        </tbody>
      </table>
      <nav className="dash-pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length + 1}</span>
        <button type="button" disabled={!page?.has_more} onClick={() => page && setCursors([...cursors, page.data.at(-1)!.id])}>
          Next page
        </button>
      </nav>
    </section>
  );
}
