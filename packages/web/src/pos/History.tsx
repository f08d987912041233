import { useCallback, useEffect, useRef, useState } from 'react';
import { type NativeApi, newIdempotencyKey } from '../shared/api.ts';
import { formatMinor, formatMoney, parseAmount } from '../shared/money.ts';
import type { RegisterSession } from './session.ts';
import { type List, type Payment, type Refund, walletName } from './types.ts';

const STATUS_TEXT: Record<string, string> = { processing: 'Waiting', succeeded: 'Paid', failed: 'Failed', closed: 'Cancelled' };

/** The terminal's recent payments, newest first, with refunds. */
export function History({ api, session, announce }: { api: NativeApi; session: RegisterSession; announce: (text: string) => void }) {
  const [payments, setPayments] = useState<Payment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<Payment | null>(null);

  const load = useCallback(async () => {
    try {
      const list = await api.get<List<Payment>>('/payments', { terminal_id: session.terminalId, limit: 25 });
      setPayments(list.data);
      setError(null);
    } catch (caught) {
      setError((caught as Error).message);
    }
  }, [api, session.terminalId]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <main className="history panel">
      <div className="history-head">
        <h2 id="history-title">Recent payments at terminal {session.terminalId}</h2>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
      {payments === null ? (
        <p className="muted">Loading…</p>
      ) : payments.length === 0 ? (
        <p className="muted">No payments at this terminal yet.</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="history-title">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Amount</th>
                <th scope="col">Wallet</th>
                <th scope="col">Status</th>
                <th scope="col">Refunded</th>
                <th scope="col">Order</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.map((payment) => {
                const refundable = payment.status === 'succeeded' && payment.amount_refunded < payment.amount;
                return (
                  <tr key={payment.id} data-payment-id={payment.id}>
                    <td>{new Date(payment.created_at).toLocaleTimeString()}</td>
                    <td className="amount">{formatMoney(payment.amount, payment.currency)}</td>
                    <td>{walletName(payment.wallet)}</td>
                    <td>{STATUS_TEXT[payment.status] ?? payment.status}</td>
                    <td className="amount">{payment.amount_refunded > 0 ? formatMoney(payment.amount_refunded, payment.currency) : '—'}</td>
                    <td className="mono small">{payment.merchant_order_id}</td>
                    <td>
                      {refundable ? (
                        <button type="button" aria-label={`Refund ${formatMoney(payment.amount, payment.currency)} payment ${payment.merchant_order_id}`} onClick={() => setRefunding(payment)}>
                          Refund
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {refunding ? (
        <RefundDialog
          api={api}
          payment={refunding}
          onClose={(refund) => {
            setRefunding(null);
            if (refund) {
              announce(refund.status === 'failed' ? 'The refund failed.' : `Refunded ${formatMoney(refund.amount, refund.currency)}.`);
              void load();
            }
          }}
        />
      ) : null}
    </main>
  );
}

/** Refund in two steps: the amount (all that is left, or less), then a confirmation that names it. */
function RefundDialog({ api, payment, onClose }: { api: NativeApi; payment: Payment; onClose: (refund: Refund | null) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const left = payment.amount - payment.amount_refunded;
  const [text, setText] = useState(formatMinor(left, payment.currency).replace(/,/g, ''));
  const [step, setStep] = useState<'amount' | 'confirm'>('amount');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per refund the cashier confirms: a double click refunds once.
  const key = useRef(newIdempotencyKey('pos_refund'));
  const amount = parseAmount(text, payment.currency);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const review = () => {
    if (amount === null || amount <= 0 || amount > left) {
      setError(`Enter an amount from ${formatMoney(1, payment.currency)} to ${formatMoney(left, payment.currency)}.`);
      return;
    }
    setError(null);
    setStep('confirm');
  };

  const confirm = async () => {
    if (busy || amount === null) return;
    setBusy(true);
    try {
      const refund = await api.post<Refund>(`/payments/${encodeURIComponent(payment.id)}/refunds`, { amount }, key.current);
      dialog.current?.close();
      onClose(refund);
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };

  const money = formatMoney(payment.amount, payment.currency);
  return (
    <dialog ref={dialog} className="refund-dialog" aria-labelledby="refund-title" onCancel={() => onClose(null)}>
      <h2 id="refund-title">Refund the {money} payment</h2>
      <p className="muted">
        {walletName(payment.wallet)} · order <span className="mono">{payment.merchant_order_id}</span>
        {payment.amount_refunded > 0 ? ` · already refunded ${formatMoney(payment.amount_refunded, payment.currency)}` : ''}
      </p>
      {step === 'amount' ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            review();
          }}
        >
          <div className="field">
            <label htmlFor="refund-amount">Refund amount ({payment.currency})</label>
            <input id="refund-amount" className="amount" inputMode="decimal" autoComplete="off" autoFocus value={text} onChange={(event) => setText(event.target.value.replace(/[^\d.]/g, ''))} />
            <p className="muted small">Up to {formatMoney(left, payment.currency)}.</p>
          </div>
          {error ? (
            <p className="alert error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" onClick={() => { dialog.current?.close(); onClose(null); }}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Continue
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="confirm-text">
            Refund <strong className="amount">{formatMoney(amount ?? 0, payment.currency)}</strong> of {money} to the buyer's {walletName(payment.wallet)}? This cannot be undone.
          </p>
          {error ? (
            <p className="alert error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" onClick={() => setStep('amount')} disabled={busy}>
              Back
            </button>
            <button type="button" className="danger" onClick={() => void confirm()} disabled={busy} autoFocus>
              {busy ? 'Refunding…' : 'Confirm refund'}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
