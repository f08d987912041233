import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { type PaymentStatus, type RefundStatus, isProcessing, isRefundable } from '@counterpay/core';
import { ApiClient } from '../api-client.ts';
import { clientConfig } from '../client-config.ts';
import { readDemoMerchant } from '../demo-merchant.ts';

export interface ClientOptions {
  key?: string | undefined;
  url?: string | undefined;
}

interface Options extends ClientOptions {
  qr?: string | undefined;
  amount?: string | undefined;
  currency?: string | undefined;
  barcode?: string | undefined;
  order?: string | undefined;
  wait?: string | undefined;
  'expires-in'?: string | undefined;
  reason?: string | undefined;
  key?: string | undefined;
  url?: string | undefined;
  json?: boolean | undefined;
}

/** A QR code at a register is for the buyer in front of it: it expires after 5 minutes unless --expires-in says otherwise. */
const RETAIL_QR_EXPIRY_S = 300;
/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/** Exit codes: 0 done, 2 the payment or refund did not go through (or is still open when the wait ends). */
const PAYMENT_EXIT_CODES: Record<PaymentStatus, number> = { succeeded: 0, processing: 2, failed: 2, closed: 2 };
/** Cancel: 0 when the buyer was not charged; 2 when the buyer paid first (refund instead) or it is still closing. */
const CANCEL_EXIT_CODES: Record<PaymentStatus, number> = { closed: 0, failed: 0, succeeded: 2, processing: 2 };
const REFUND_EXIT_CODES: Record<RefundStatus, number> = { succeeded: 0, processing: 0, failed: 2 };

interface Payment {
  id: string;
  status: PaymentStatus;
  wallet: string;
  amount: number;
  currency: string;
  amount_refunded: number;
  failure_code: string | null;
  failure_message: string | null;
  qr_code?: string | null;
  qr_url?: string | null;
}

/** The native-API client for CLI commands: --key / COUNTERPAY_API_KEY / the demo merchant, --url / COUNTERPAY_URL. */
export function clientFor(values: ClientOptions): ApiClient {
  const config = clientConfig();
  const key = values.key ?? process.env.COUNTERPAY_API_KEY ?? readDemoMerchant(config.dataDir)?.secret_key;
  if (!key) throw new Error('no API key: pass --key sk_test_… or set COUNTERPAY_API_KEY (or run `counterpay start` once to make the demo merchant)');
  const url = values.url ?? process.env.COUNTERPAY_URL ?? `http://${config.host}:${config.port}`;
  return new ApiClient(url.replace(/\/$/, ''), key);
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a whole number in minor units (fen, cents), got "${text}"`);
  return Number(text);
}

/** Prints the code the buyer scans, in the terminal, with its URL (paste it into the consumer app). */
async function showQr(payment: Payment): Promise<void> {
  const content = payment.qr_code ?? payment.qr_url;
  if (!content) return;
  console.log(await QRCode.toString(content, { type: 'terminal', small: true }));
  console.log(`Scan with a wallet app, or paste into the simulator's consumer app: ${content}`);
}

function show(payment: Payment, json: boolean | undefined): void {
  if (json) return console.log(JSON.stringify(payment, null, 2));
  const failure = payment.failure_code ? ` — ${payment.failure_code}: ${payment.failure_message}` : '';
  const refunded = payment.amount_refunded ? `, refunded ${payment.amount_refunded}` : '';
  console.log(`${payment.id}  ${payment.status}  ${payment.wallet}  ${payment.amount} ${payment.currency}${refunded}${failure}`);
}

/** Takes a payment and shows progress while the buyer confirms (or scans), until a final status. */
export async function pay(values: Options): Promise<number> {
  const amount = integer(values.amount, 'amount');
  if (amount === undefined || (!values.barcode && values.qr === undefined)) throw new Error('pay needs --amount (minor units) and --barcode CODE or --qr [alipay|wechat|any]');
  if (values.barcode && values.qr !== undefined) throw new Error('pay takes --barcode (the buyer shows a code) or --qr (the register shows one), not both');
  if (values.qr !== undefined && !['alipay', 'wechat', 'any', ''].includes(values.qr)) throw new Error(`--qr is alipay, wechat or any, got "${values.qr}"`);
  if (values['expires-in'] !== undefined && values.qr === undefined) throw new Error('--expires-in is for QR payments (--qr)');
  const expiresIn = integer(values['expires-in'], 'expires-in') ?? RETAIL_QR_EXPIRY_S;
  const api = clientFor(values);
  const common = { amount, currency: values.currency ?? 'CNY', merchant_order_id: values.order ?? `cli-${Date.now()}` };
  const body =
    values.qr !== undefined
      ? { ...common, qr: { ...(['alipay', 'wechat'].includes(values.qr) ? { wallet: values.qr } : {}), expires_in: expiresIn } }
      : { ...common, barcode: values.barcode, wait_seconds: 5 };
  // Ctrl-C while a QR code waits for its buyer cancels the payment, so the code cannot be paid after the register gave up.
  const interrupt = values.qr !== undefined ? new Interrupt() : null;
  try {
    // One idempotency key per payment: a retried command never charges twice.
    let payment = await api.request<Payment>('POST', '/v1/payments', body, { 'idempotency-key': randomUUID() });
    if (values.qr !== undefined && !values.json) await showQr(payment);
    // A QR payment closes when its code expires: wait a little longer to show how it ended.
    const deadline = Date.now() + (integer(values.wait, 'wait') ?? (values.qr !== undefined ? expiresIn + 30 : 120)) * 1000;
    let hinted = false;
    while (isProcessing(payment.status) && !interrupt?.happened && Date.now() < deadline) {
      if (!values.json) process.stderr.write(`${payment.id} processing: waiting for the buyer / the wallet…${interrupt && !hinted ? ' (Ctrl-C cancels it)' : ''}\n`);
      hinted = true;
      await (interrupt ? interrupt.sleep(2000) : new Promise((r) => setTimeout(r, 2000)));
      if (interrupt?.happened) break;
      payment = await api.request<Payment>('GET', `/v1/payments/${payment.id}`);
    }
    if (interrupt?.happened && isProcessing(payment.status)) return await cancelAfterInterrupt(api, payment, values.json);
    show(payment, values.json);
    return PAYMENT_EXIT_CODES[payment.status];
  } finally {
    interrupt?.release();
  }
}

/** Ctrl-C (SIGINT) caught while a payment waits; a second Ctrl-C leaves at once. */
class Interrupt {
  happened = false;
  #wake: (() => void) | null = null;
  readonly #onSignal = () => {
    if (this.happened) {
      process.stderr.write('interrupted again: leaving without waiting for the cancel (see `counterpay status PAYMENT_ID`)\n');
      process.exit(INTERRUPTED);
    }
    this.happened = true;
    this.#wake?.();
  };

  constructor() {
    process.on('SIGINT', this.#onSignal);
  }

  /** Waits `ms`, or less if Ctrl-C comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  release(): void {
    process.off('SIGINT', this.#onSignal);
  }
}

/** The cashier pressed Ctrl-C: cancel the payment at the wallet and say how it ended, in one plain line. */
async function cancelAfterInterrupt(api: ApiClient, payment: Payment, json: boolean | undefined): Promise<number> {
  process.stderr.write(`\ninterrupted: cancelling ${payment.id}…\n`);
  const after = await api.request<Payment>('POST', `/v1/payments/${payment.id}/cancel`, { wait_seconds: 10 });
  if (json) console.log(JSON.stringify(after, null, 2));
  // The buyer paid before the cancel reached the wallet: the money arrived, so it can only be refunded.
  if (isRefundable(after)) {
    if (!json) console.log(`${after.id} was not cancelled: the buyer paid first (${after.amount} ${after.currency}); refund it if needed`);
    return PAYMENT_EXIT_CODES.succeeded;
  }
  if (!json) {
    console.log(
      isProcessing(after.status)
        ? `${after.id} cancel requested: the wallet is still closing it (see \`counterpay status ${after.id}\`)`
        : `${after.id} cancelled: the buyer was not charged (${after.status})`,
    );
  }
  return INTERRUPTED;
}

export async function refund(paymentId: string | undefined, values: Options): Promise<number> {
  if (!paymentId) throw new Error('refund needs a payment id: counterpay refund pay_… [--amount N]');
  const amount = integer(values.amount, 'amount');
  const result = await clientFor(values).request<{ id: string; status: RefundStatus; amount: number; currency: string }>(
    'POST',
    `/v1/payments/${paymentId}/refunds`,
    { ...(amount !== undefined ? { amount } : {}), ...(values.reason ? { reason: values.reason } : {}), wait_seconds: 10 },
    { 'idempotency-key': randomUUID() },
  );
  console.log(values.json ? JSON.stringify(result, null, 2) : `${result.id}  ${result.status}  ${result.amount} ${result.currency}`);
  return REFUND_EXIT_CODES[result.status];
}

/** The cashier gives up: cancels a processing payment at the wallet and shows how it ended. */
export async function cancel(paymentId: string | undefined, values: Options): Promise<number> {
  if (!paymentId) throw new Error('cancel needs a payment id: counterpay cancel pay_…');
  const payment = await clientFor(values).request<Payment>('POST', `/v1/payments/${paymentId}/cancel`, { wait_seconds: 10 });
  show(payment, values.json);
  return CANCEL_EXIT_CODES[payment.status];
}

export async function status(paymentId: string | undefined, values: Options): Promise<number> {
  if (!paymentId) throw new Error('status needs a payment id: counterpay status pay_…');
  show(await clientFor(values).request<Payment>('GET', `/v1/payments/${paymentId}`), values.json);
  return 0;
}
