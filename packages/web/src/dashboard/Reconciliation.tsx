import { useEffect, useState } from 'react';
import { formatMoney } from '../shared/money.ts';
import { api } from './api.ts';

interface Totals {
  currency: string;
  count: number;
  gross: number;
  refunds: number;
  fees: number;
  net: number;
}
interface Difference {
  kind: string;
  payment: string | null;
  refund: string | null;
  wallet: string;
  wallet_trade_no: string | null;
  amount: number;
  currency: string;
  repair: 'refunded' | 'settled' | 'none';
  detail: string;
}
interface Report {
  id: string;
  date: string;
  wallet: string;
  matched: number;
  differences: Difference[];
  unrepaired: number;
  totals: Totals[];
}

const WALLET_NAMES: Record<string, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };
const REPAIRS: Record<Difference['repair'], string> = { refunded: 'refunded to the buyer', settled: 'settled as paid', none: 'needs a person' };
/** Signed money (a day's net can be below zero). */
const money = (minor: number, currency: string) => (minor < 0 ? `−${formatMoney(-minor, currency)}` : formatMoney(minor, currency));

/** The daily reconciliation reports: each wallet's day, its totals, every difference and what was done about it. */
export function Reconciliation() {
  const [state, setState] = useState<'loading' | 'unavailable' | { data: Report[] }>('loading');
  useEffect(() => {
    api<{ data: Report[] }>('GET', '/dashboard/api/reconciliation_reports').then(setState, () => setState('unavailable'));
  }, []);
  if (state === 'loading' || state === 'unavailable' || state.data.length === 0) {
    return (
      <section aria-labelledby="recon-title">
        <h1 id="recon-title">Reconciliation</h1>
        <p>{state === 'loading' ? 'Loading…' : 'No reconciliation reports yet.'}</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="recon-title">
      <h1 id="recon-title">Reconciliation</h1>
      <p>Each wallet's statement of a day (China Standard Time), matched with your payments and refunds; newest first.</p>
      {state.data.map((report) => (
        <article key={report.id} aria-labelledby={`recon-${report.id}`}>
          <h2 id={`recon-${report.id}`}>
            {report.date} · {WALLET_NAMES[report.wallet] ?? report.wallet}
          </h2>
          <p>
            {report.matched} matched, {report.differences.length} difference{report.differences.length === 1 ? '' : 's'}
            {report.unrepaired > 0 ? `, ${report.unrepaired} need${report.unrepaired === 1 ? 's' : ''} a person` : ''}.{' '}
            <a href={`/dashboard/api/reconciliation_reports/${report.id}/settlement.csv`} download>
              Settlement CSV
            </a>
          </p>
          <table className="dash-table">
            <caption>Totals per currency</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Payments</th>
                <th scope="col">Gross</th>
                <th scope="col">Refunds</th>
                <th scope="col">Fees</th>
                <th scope="col">Net</th>
              </tr>
            </thead>
            <tbody>
              {report.totals.map((t) => (
                <tr key={t.currency}>
                  <td>{t.currency}</td>
                  <td>{t.count}</td>
                  <td>{money(t.gross, t.currency)}</td>
                  <td>{money(t.refunds, t.currency)}</td>
                  <td>{money(t.fees, t.currency)}</td>
                  <td>{money(t.net, t.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.differences.length > 0 && (
            <table className="dash-table">
              <caption>Differences</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Wallet trade</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Repair</th>
                  <th scope="col">What happened</th>
                </tr>
              </thead>
              <tbody>
                {report.differences.map((d, i) => (
                  <tr key={`${d.kind}-${d.payment ?? d.wallet_trade_no ?? i}-${d.refund ?? ''}`}>
                    <td>{d.kind.replace(/_/g, ' ')}</td>
                    <td>{d.payment ? <a href={`#/payments/${d.payment}`}>{d.payment}</a> : '—'}{d.refund ? ` (refund ${d.refund})` : ''}</td>
                    <td>{d.wallet_trade_no ?? '—'}</td>
                    <td>{money(d.amount, d.currency)}</td>
                    <td>{REPAIRS[d.repair]}</td>
                    <td>{d.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      ))}
    </section>
  );
}
