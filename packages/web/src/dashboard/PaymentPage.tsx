import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, chinaTime } from './api.ts';
import { formatMoney, parseAmount } from '../shared/money.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import type { PaymentLine } from './Payments.tsx';
import { placeName, usePlaces } from './usePlaces.ts';

interface TimelineEntry {
  at: string;
  kind: string;
  title: string;
  detail: string | null;
  outcome: 'ok' | 'failed' | 'pending' | null;
  latency_ms: number | null;
  event_id: string | null;
}

interface Detail {
  payment: PaymentLine & { wallet_transaction_id: string | null; failure_message: string | null; paid_at: string | null; closed_at: string | null; operator_id: string | null; dialect: string; buyer: { account: string | null; id: string | null } | null };
  refunds: Array<{ id: string; amount: number; currency: string; status: string; reason: string | null; created_at: string; failure_message: string | null }>;
  timeline: TimelineEntry[];
  events: Array<{ id: string; type: string; created_at: string }>;
}

const OUTCOME_WORDS = { ok: 'OK', failed: 'Failed', pending: 'Pending' } as const;

/** One payment: its facts, its timeline, and the refund, cancel and redeliver actions. */
export function PaymentPage({ id, onBack }: { id: string; onBack: () => void }) {
  const { places } = usePlaces();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<null | { minor: number; text: string }>(null);
  const [cancelling, setCancelling] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api<Detail>('GET', `/dashboard/api/payments/${id}`).then(setDetail, (e: Error) => setError(e.message));
  }, [id]);
  useEffect(load, [load]);

  if (!detail) {
    return (
      <section aria-labelledby="payment-title">
        <h1 id="payment-title">Payment</h1>
        {error ? <p role="alert" className="dash-error">{error}</p> : <p>Loading…</p>}
      </section>
    );
  }
  const p = detail.payment;
  const left = p.amount - p.amount_refunded;
  const refundable = p.status === 'succeeded' && left > 0;

  function askRefund(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const text = amount.trim();
    const minor = text === '' ? left : parseAmount(text, p.currency);
    if (minor === null || minor <= 0) return setError(`Enter the amount to refund as a number in ${p.currency}, such as 2.50.`);
    if (minor > left) return setError(`At most ${formatMoney(left, p.currency)} is left to refund.`);
    setConfirming({ minor, text: text === '' ? '' : text });
  }

  async function refund() {
    if (!confirming) return;
    setBusy(true);
    setConfirming(null);
    try {
      const body: Record<string, string> = { idempotency_key: crypto.randomUUID() };
      if (confirming.text) body.amount = confirming.text;
      if (reason.trim()) body.reason = reason.trim();
      const r = await api<{ status: string; amount: number; currency: string; failure_message: string | null }>('POST', `/dashboard/api/payments/${id}/refunds`, body);
      setNotice(`Refund of ${formatMoney(r.amount, r.currency)}: ${r.status}${r.failure_message ? ` (${r.failure_message})` : ''}.`);
      setAmount('');
      setReason('');
      load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function cancel() {
    setCancelling(false);
    setBusy(true);
    try {
      const after = await api<PaymentLine>('POST', `/dashboard/api/payments/${id}/cancel`, {});
      setNotice(`Cancel requested: the payment is ${after.status}.`);
      load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function redeliver(eventId: string) {
    try {
      const r = await api<{ deliveries: number }>('POST', `/dashboard/api/events/${eventId}/redeliver`, {});
      setNotice(`Notification ${eventId} will be sent again to ${r.deliveries} target${r.deliveries === 1 ? '' : 's'}.`);
      setTimeout(load, 1500);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section aria-labelledby="payment-title">
      <button type="button" className="dash-link" onClick={onBack}>
        ← All payments
      </button>
      <h1 id="payment-title">
        Payment {p.merchant_order_id} <span className={`dash-status dash-status-${p.status}`}>{p.status}</span>
      </h1>
      <dl className="dash-facts">
        <dt>Amount</dt>
        <dd>{formatMoney(p.amount, p.currency)}</dd>
        <dt>Refunded</dt>
        <dd>{formatMoney(p.amount_refunded, p.currency)}</dd>
        <dt>Wallet</dt>
        <dd>{p.wallet ?? '—'}</dd>
        <dt>Barcode</dt>
        <dd>{p.barcode ?? (p.flow === 'qr' ? 'QR code' : '—')}</dd>
        <dt>Payment id</dt>
        <dd>{p.id}</dd>
        <dt>Wallet transaction</dt>
        <dd>{p.wallet_transaction_id ?? '—'}</dd>
        <dt>Buyer</dt>
        <dd>{p.buyer ? (p.buyer.account ?? p.buyer.id) : '—'}</dd>
        <dt>Store</dt>
        <dd>{placeName(places?.stores, p.store_id)}</dd>
        <dt>Terminal</dt>
        <dd>{placeName(places?.terminals, p.terminal_id)}</dd>
        <dt>Created</dt>
        <dd>{chinaTime(p.created_at)}</dd>
        <dt>Paid</dt>
        <dd>{chinaTime(p.paid_at)}</dd>
        {p.failure_message && (
          <>
            <dt>Why</dt>
            <dd>{p.failure_message}</dd>
          </>
        )}
      </dl>
      {notice && (
        <p role="status" className="dash-notice">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="dash-error">
          {error}
        </p>
      )}

      <div className="dash-actions">
        {refundable && (
          <form onSubmit={askRefund} aria-labelledby="refund-title" className="dash-card">
            <h2 id="refund-title">Refund</h2>
            <label>
              Refund amount ({p.currency})
              <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder={`All that is left: ${formatMoney(left, p.currency)}`} />
            </label>
            <label>
              Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={256} />
            </label>
            <button type="submit" disabled={busy}>
              Refund…
            </button>
          </form>
        )}
        {p.status === 'processing' && (
          <div className="dash-card">
            <h2>Cancel</h2>
            <p>The buyer has not paid yet. Cancelling closes the order at the wallet.</p>
            <button type="button" onClick={() => setCancelling(true)} disabled={busy}>
              Cancel payment…
            </button>
          </div>
        )}
      </div>

      <h2 id="timeline-title">Timeline</h2>
      <ol className="dash-timeline" aria-labelledby="timeline-title">
        {detail.timeline.map((entry, i) => (
          <li key={i} className={`dash-timeline-${entry.kind} ${entry.outcome ? `dash-outcome-${entry.outcome}` : ''}`}>
            <time dateTime={entry.at}>{chinaTime(entry.at)}</time>
            <span className="dash-timeline-title">{entry.title}</span>
            {entry.outcome && <span className="dash-outcome">{OUTCOME_WORDS[entry.outcome]}</span>}
            {entry.latency_ms !== null && <span className="dash-latency">{entry.latency_ms} ms</span>}
            {entry.detail && <span className="dash-timeline-detail">{entry.detail}</span>}
          </li>
        ))}
      </ol>

      {detail.events.length > 0 && (
        <>
          <h2>Notifications</h2>
          <ul className="dash-events">
            {detail.events.map((e) => (
              <li key={e.id}>
                {e.type} ({chinaTime(e.created_at)}){' '}
                <button type="button" onClick={() => void redeliver(e.id)} aria-label={`Redeliver ${e.type} notification`}>
                  Redeliver
                </button>
              </li>
            ))}
          </ul>
        </>
      )}

      {detail.refunds.length > 0 && (
        <table className="dash-table">
          <caption>Refunds</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Amount</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {detail.refunds.map((r) => (
              <tr key={r.id}>
                <td>{chinaTime(r.created_at)}</td>
                <td className="dash-amount">{formatMoney(r.amount, r.currency)}</td>
                <td>{r.status}{r.failure_message ? `: ${r.failure_message}` : ''}</td>
                <td>{r.reason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <ConfirmDialog
        open={confirming !== null}
        title="Refund this payment?"
        confirmLabel="Confirm refund"
        cancelLabel="Keep the money"
        onConfirm={() => void refund()}
        onCancel={() => setConfirming(null)}
      >
        {confirming && (
          <p>
            {formatMoney(confirming.minor, p.currency)} goes back to the buyer's {p.wallet === 'wechat' ? 'WeChat Pay' : 'Alipay'} account for order {p.merchant_order_id}. This cannot be undone.
          </p>
        )}
      </ConfirmDialog>
      <ConfirmDialog open={cancelling} title="Cancel this payment?" confirmLabel="Cancel payment" cancelLabel="Keep waiting" onConfirm={() => void cancel()} onCancel={() => setCancelling(false)}>
        <p>The order is closed at the wallet; the buyer can no longer pay it.</p>
      </ConfirmDialog>
    </section>
  );
}
