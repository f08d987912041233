import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type NativeApi, newIdempotencyKey } from '../shared/api.ts';
import { currencyExponent, formatMoney, parseAmount } from '../shared/money.ts';
import { AmountKeypad, cleanAmountText } from './AmountKeypad.tsx';
import { usePaymentPolling } from './hooks.ts';
import { SaleStatus } from './SaleStatus.tsx';
import type { RegisterSession } from './session.ts';
import { type Payment, walletName } from './types.ts';

type Mode = 'barcode' | 'qr';
type QrWallet = '' | 'alipay' | 'wechat';

/** What the status panel shows for the sale under way. */
export type Sale =
  | { stage: 'idle' }
  | { stage: 'sending'; mode: Mode; amount: number }
  | { stage: 'payment'; payment: Payment }
  | { stage: 'error'; message: string; retry: boolean };

/** A sale's request, fixed when the cashier first presses Enter: retries send the very same one. */
interface PendingSale {
  idempotencyKey: string;
  body: Record<string, unknown>;
}

/** How long a QR code stays valid at the counter: the buyer pays now or not at all. */
const QR_EXPIRES_IN_S = 300;
/** A barcode charge answers after this long at most; a buyer still typing a password is then polled. */
const BARCODE_WAIT_S = 1;

function orderId(): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `pos-${Date.now().toString(36)}-${random}`;
}

function announcementFor(payment: Payment): string {
  const money = formatMoney(payment.amount, payment.currency);
  switch (payment.status) {
    case 'succeeded':
      return `Paid ${money} with ${walletName(payment.wallet)}.`;
    case 'failed':
      return `Payment of ${money} failed.`;
    case 'closed':
      return `Payment of ${money} cancelled; the buyer was not charged.`;
    default:
      return payment.flow === 'qr' ? `QR code for ${money} shown. Waiting for the buyer to scan and pay.` : `Waiting for the buyer's password for ${money}.`;
  }
}

/** The till: amount, payment method, and the sale's live status. */
export function Till({ api, session, announce }: { api: NativeApi; session: RegisterSession; announce: (text: string) => void }) {
  const { currency } = session;
  const [amountText, setAmountText] = useState('');
  const [mode, setMode] = useState<Mode>('barcode');
  const [qrWallet, setQrWallet] = useState<QrWallet>('');
  const [barcode, setBarcode] = useState('');
  const [sale, setSale] = useState<Sale>({ stage: 'idle' });
  const [amountError, setAmountError] = useState<string | null>(null);
  const pending = useRef<PendingSale | null>(null);
  const inFlight = useRef(false);
  const amountInput = useRef<HTMLInputElement>(null);
  const barcodeInput = useRef<HTMLInputElement>(null);

  const amount = parseAmount(amountText, currency);
  const locked = sale.stage === 'sending' || (sale.stage === 'payment' && sale.payment.status === 'processing');
  const lastStatus = useRef<string | null>(null);

  const showPayment = useCallback(
    (payment: Payment) => {
      setSale({ stage: 'payment', payment });
      const key = `${payment.id}:${payment.status}`;
      if (lastStatus.current !== key) {
        lastStatus.current = key;
        announce(announcementFor(payment));
      }
    },
    [announce],
  );
  usePaymentPolling(api, sale.stage === 'payment' ? sale.payment : null, showPayment);

  const send = async (sale: PendingSale, saleMode: Mode, saleAmount: number) => {
    if (inFlight.current) return; // a second Enter while the first is on its way
    inFlight.current = true;
    setSale({ stage: 'sending', mode: saleMode, amount: saleAmount });
    announce(saleMode === 'qr' ? 'Creating the QR code…' : `Charging ${formatMoney(saleAmount, currency)}…`);
    try {
      showPayment(await api.post<Payment>('/payments', sale.body, sale.idempotencyKey));
    } catch (caught) {
      const network = caught instanceof ApiError && caught.status === 0;
      const message = caught instanceof Error ? caught.message : String(caught);
      setSale({ stage: 'error', message, retry: network });
      if (!network) pending.current = null; // refused: the next attempt is a new sale
      announce(`Not charged: ${message}`);
    } finally {
      inFlight.current = false;
    }
  };

  const checkAmount = (): number | null => {
    if (amount === null || amount <= 0) {
      const exponent = currencyExponent(currency);
      setAmountError(exponent === 0 ? `Enter an amount in whole ${currency}.` : `Enter an amount in ${currency} with up to ${exponent} decimals.`);
      amountInput.current?.focus();
      return null;
    }
    setAmountError(null);
    return amount;
  };

  const start = (saleMode: Mode) => {
    if (locked || inFlight.current) return;
    const saleAmount = checkAmount();
    if (saleAmount === null) return;
    const code = barcode.replace(/\s+/g, '');
    // A stray Enter (a scanner's, a cashier's) after a sale ended leaves its receipt on screen.
    if (saleMode === 'barcode' && code === '' && sale.stage === 'payment') return;
    if (saleMode === 'barcode' && !/^\d{10,32}$/.test(code)) {
      setSale({ stage: 'error', message: 'Scan the buyer\'s payment code (digits only).', retry: false });
      barcodeInput.current?.focus();
      return;
    }
    const common = { amount: saleAmount, currency, merchant_order_id: orderId(), store_id: session.storeId, terminal_id: session.terminalId, ...(session.operatorId ? { operator_id: session.operatorId } : {}) };
    pending.current = {
      idempotencyKey: newIdempotencyKey('pos'),
      body: saleMode === 'barcode' ? { ...common, barcode: code, wait_seconds: BARCODE_WAIT_S } : { ...common, qr: { ...(qrWallet ? { wallet: qrWallet } : {}), expires_in: QR_EXPIRES_IN_S } },
    };
    void send(pending.current, saleMode, saleAmount);
  };

  const retry = () => {
    if (pending.current) void send(pending.current, pending.current.body.qr ? 'qr' : 'barcode', pending.current.body.amount as number);
  };

  const cancel = async (payment: Payment) => {
    try {
      showPayment(await api.post<Payment>(`/payments/${encodeURIComponent(payment.id)}/cancel`, {}));
    } catch (caught) {
      announce(`Could not cancel: ${(caught as Error).message}`);
    }
  };

  const newSale = () => {
    pending.current = null;
    lastStatus.current = null;
    setSale({ stage: 'idle' });
    setAmountText('');
    setBarcode('');
    setAmountError(null);
    announce('Ready for a new sale.');
    requestAnimationFrame(() => amountInput.current?.focus());
  };

  // The till opens with the amount field focused (autoFocus alone loses to a focus still on the sign-in form).
  useEffect(() => {
    amountInput.current?.focus();
  }, []);

  // A sale that failed to reach the wallet keeps its amount; one that ended clears the code for the next.
  useEffect(() => {
    if (sale.stage === 'payment' && sale.payment.status !== 'processing') setBarcode('');
  }, [sale]);

  const onAmountKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (checkAmount() === null) return;
    if (mode === 'barcode') barcodeInput.current?.focus();
    else start('qr');
  };

  const onBarcodeKey = (event: KeyboardEvent<HTMLInputElement>) => {
    // A keyboard-wedge scanner types the digits, then Enter: that Enter charges at once.
    if (event.key !== 'Enter') return;
    event.preventDefault();
    start('barcode');
  };

  const money = amount !== null && amount > 0 ? formatMoney(amount, currency) : null;

  return (
    <main className="till">
      <section className="sale panel no-print" aria-labelledby="sale-title">
        <h2 id="sale-title">New sale</h2>
        <div className="field">
          <label htmlFor="amount">Amount ({currency})</label>
          <input
            id="amount"
            ref={amountInput}
            className="amount-input amount"
            inputMode="decimal"
            autoComplete="off"
            autoFocus
            value={amountText}
            placeholder={currencyExponent(currency) === 0 ? '0' : `0.${'0'.repeat(currencyExponent(currency))}`}
            disabled={locked}
            aria-invalid={amountError ? true : undefined}
            aria-describedby={amountError ? 'amount-error' : undefined}
            onChange={(event) => setAmountText(cleanAmountText(event.target.value, currency))}
            onKeyDown={onAmountKey}
          />
          {amountError ? (
            <p id="amount-error" className="field-error" role="alert">
              {amountError}
            </p>
          ) : null}
        </div>
        <AmountKeypad text={amountText} currency={currency} disabled={locked} onChange={(text) => setAmountText(text)} />
        <fieldset className="mode" disabled={locked}>
          <legend>Payment method</legend>
          <label className={mode === 'barcode' ? 'mode-option checked' : 'mode-option'}>
            <input type="radio" name="mode" value="barcode" checked={mode === 'barcode'} onChange={() => setMode('barcode')} />
            Scan buyer's code
          </label>
          <label className={mode === 'qr' ? 'mode-option checked' : 'mode-option'}>
            <input type="radio" name="mode" value="qr" checked={mode === 'qr'} onChange={() => setMode('qr')} />
            Show QR code
          </label>
        </fieldset>
        {mode === 'barcode' ? (
          <div className="charge">
            <div className="field">
              <label htmlFor="barcode">Buyer's payment code</label>
              <input
                id="barcode"
                ref={barcodeInput}
                className="mono"
                inputMode="numeric"
                autoComplete="off"
                spellCheck={false}
                placeholder="Scan or type, then Enter"
                value={barcode}
                disabled={locked}
                onChange={(event) => setBarcode(event.target.value.replace(/[^\d\s]/g, ''))}
                onKeyDown={onBarcodeKey}
              />
            </div>
            <button type="button" className="primary wide" disabled={locked} onClick={() => start('barcode')}>
              {money ? `Charge ${money}` : 'Charge'}
            </button>
          </div>
        ) : (
          <div className="charge">
            <div className="field">
              <label htmlFor="qr-wallet">Wallet</label>
              <select id="qr-wallet" value={qrWallet} disabled={locked} onChange={(event) => setQrWallet(event.target.value as QrWallet)}>
                <option value="">Any wallet (one code for all)</option>
                <option value="alipay">Alipay</option>
                <option value="wechat">WeChat Pay</option>
              </select>
            </div>
            <button type="button" className="primary wide" disabled={locked} onClick={() => start('qr')}>
              {money ? `Show QR code for ${money}` : 'Show QR code'}
            </button>
          </div>
        )}
      </section>
      <SaleStatus api={api} session={session} sale={sale} onCancel={cancel} onNewSale={newSale} onRetry={retry} />
    </main>
  );
}
