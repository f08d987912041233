import { useEffect, useRef, useState } from 'react';
import type { NativeApi } from '../shared/api.ts';
import { formatMoney } from '../shared/money.ts';
import { failureText } from './failure-text.ts';
import { minutesSeconds, useSecondsLeft } from './hooks.ts';
import { Receipt } from './Receipt.tsx';
import type { RegisterSession } from './session.ts';
import type { Sale } from './Till.tsx';
import { type Payment, walletName } from './types.ts';

interface Props {
  api: NativeApi;
  session: RegisterSession;
  sale: Sale;
  onCancel: (payment: Payment) => void;
  onNewSale: () => void;
  onRetry: () => void;
}

/** The right-hand panel: what the sale under way is doing, and what to do next. */
export function SaleStatus({ api, session, sale, onCancel, onNewSale, onRetry }: Props) {
  const next = useRef<HTMLButtonElement>(null);
  const final = sale.stage === 'payment' && sale.payment.status !== 'processing';
  // Once a sale ends, Enter starts the next one: focus waits on "New sale".
  useEffect(() => {
    if (final) next.current?.focus();
  }, [final]);

  return (
    <section className="status panel" aria-labelledby="status-title" data-stage={sale.stage === 'payment' ? sale.payment.status : sale.stage}>
      {sale.stage === 'idle' ? (
        <>
          <h2 id="status-title">Ready</h2>
          <p className="muted">Enter the amount, then scan the buyer's payment code, or choose "Show QR code" for the buyer to scan.</p>
        </>
      ) : sale.stage === 'sending' ? (
        <>
          <h2 id="status-title">{sale.mode === 'qr' ? 'Creating the QR code…' : `Charging ${formatMoney(sale.amount, session.currency)}…`}</h2>
          <div className="spinner" aria-hidden="true" />
        </>
      ) : sale.stage === 'error' ? (
        <>
          <h2 id="status-title">Not charged</h2>
          <p className="alert error">{sale.message}</p>
          <div className="actions no-print">
            {sale.retry ? (
              <button type="button" className="primary" onClick={onRetry}>
                Try again
              </button>
            ) : null}
            <button type="button" onClick={onNewSale}>
              New sale
            </button>
          </div>
        </>
      ) : sale.payment.status === 'processing' ? (
        sale.payment.flow === 'qr' ? (
          <QrWaiting api={api} payment={sale.payment} onCancel={onCancel} />
        ) : (
          <PasswordWaiting payment={sale.payment} onCancel={onCancel} />
        )
      ) : sale.payment.status === 'succeeded' ? (
        <>
          <h2 id="status-title" className="status-ok">
            Paid
          </h2>
          <p className="big-amount amount">{formatMoney(sale.payment.amount, sale.payment.currency)}</p>
          <p>with {walletName(sale.payment.wallet)}</p>
          <Receipt payment={sale.payment} session={session} />
          <div className="actions no-print">
            <button type="button" onClick={() => print()}>
              Print receipt
            </button>
            <button type="button" className="primary" ref={next} onClick={onNewSale}>
              New sale
            </button>
          </div>
        </>
      ) : (
        <>
          <h2 id="status-title" className="status-bad">
            {sale.payment.status === 'closed' ? 'Payment cancelled' : 'Payment failed'}
          </h2>
          <p className="big-amount amount">{formatMoney(sale.payment.amount, sale.payment.currency)}</p>
          <p className="alert error" data-testid="failure-reason">
            {failureText(sale.payment.failure_code, sale.payment.failure_message)}
          </p>
          <div className="actions no-print">
            <button type="button" className="primary" ref={next} onClick={onNewSale}>
              New sale
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function CancelButton({ payment, onCancel }: { payment: Payment; onCancel: (payment: Payment) => void }) {
  const [cancelling, setCancelling] = useState(false);
  return (
    <button
      type="button"
      className="danger"
      disabled={cancelling}
      onClick={() => {
        setCancelling(true);
        onCancel(payment);
      }}
    >
      {cancelling ? 'Cancelling…' : 'Cancel payment'}
    </button>
  );
}

function Countdown({ deadline, label }: { deadline: string | null; label: string }) {
  const left = useSecondsLeft(deadline);
  if (left === null) return null;
  // role="timer" is not announced every second (its live region is off); status changes are.
  return (
    <p className="countdown" role="timer" aria-label={`${label} ${minutesSeconds(left)}`}>
      {label} <strong className="amount">{minutesSeconds(left)}</strong>
    </p>
  );
}

function PasswordWaiting({ payment, onCancel }: { payment: Payment; onCancel: (payment: Payment) => void }) {
  return (
    <>
      <h2 id="status-title" className="status-wait">
        Waiting for the buyer's password
      </h2>
      <p className="big-amount amount">{formatMoney(payment.amount, payment.currency)}</p>
      <p>The buyer confirms the payment in {walletName(payment.wallet)}.</p>
      <Countdown deadline={payment.expires_at} label="Time left" />
      <div className="spinner" aria-hidden="true" />
      <div className="actions no-print">
        <CancelButton payment={payment} onCancel={onCancel} />
      </div>
    </>
  );
}

/** The QR image is an authenticated API resource: fetched with the key, shown as a data: URL (CSP allows those). */
function useQrImage(api: NativeApi, payment: Payment): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    api
      .request<unknown>(`/payments/${encodeURIComponent(payment.id)}/qr.svg`, { signal: controller.signal, raw: true })
      .then((svg) => setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(String(svg))}`))
      .catch(() => setSrc(null));
    return () => controller.abort();
  }, [api, payment.id]);
  return src;
}

function QrWaiting({ api, payment, onCancel }: { api: NativeApi; payment: Payment; onCancel: (payment: Payment) => void }) {
  const src = useQrImage(api, payment);
  const content = payment.qr_code ?? payment.qr_url ?? '';
  const money = formatMoney(payment.amount, payment.currency);
  return (
    <>
      <h2 id="status-title" className="status-wait">
        Scan to pay {money}
      </h2>
      <p>Ask the buyer to scan this code with {payment.wallet ? walletName(payment.wallet) : 'Alipay or WeChat Pay'}.</p>
      <div className="qr">{src ? <img src={src} alt={`QR code to pay ${money}`} width={280} height={280} /> : <div className="qr-placeholder" aria-hidden="true" />}</div>
      <p className="qr-content mono">
        <span className="sr-only">Code content: </span>
        <span data-testid="qr-content">{content}</span>
      </p>
      <Countdown deadline={payment.expires_at} label="Expires in" />
      <div className="actions no-print">
        <CancelButton payment={payment} onCancel={onCancel} />
      </div>
    </>
  );
}
