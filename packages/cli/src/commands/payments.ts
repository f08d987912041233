import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { type PaymentStatus, type RefundStatus, isProcessing } from '@counterpay/core';
import { loadConfig } from '@counterpay/gateway';
import { ApiClient } from '../api-client.ts';
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
  reason?: string | undefined;
  key?: string | undefined;
  url?: string | undefined;
  json?: boolean | undefined;
}

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
  const config = loadConfig();
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

/** Takes a barcode payment and shows progress while the buyer confirms, until a final status. */
export async function pay(values: Options): Promise<number> {
  const amount = integer(values.amount, 'amount');
  if (amount === undefined || (!values.barcode && values.qr === undefined)) throw new Error('pay needs --amount (minor units) and --barcode CODE or --qr [alipay|wechat|any]');
  if (values.barcode && values.qr !== undefined) throw new Error('pay takes --barcode (the buyer shows a code) or --qr (the register shows one), not both');
  if (values.qr !== undefined && !['alipay', 'wechat', 'any', ''].includes(values.qr)) throw new Error(`--qr is alipay, wechat or any, got "${values.qr}"`);
  const api = clientFor(values);
  const common = { amount, currency: values.currency ?? 'CNY', merchant_order_id: values.order ?? `cli-${Date.now()}` };
  const body =
    values.qr !== undefined
      ? { ...common, qr: ['alipay', 'wechat'].includes(values.qr) ? { wallet: values.qr } : {} }
      : { ...common, barcode: values.barcode, wait_seconds: 5 };
  // One idempotency key per payment: a retried command never charges twice.
  let payment = await api.request<Payment>('POST', '/v1/payments', body, { 'idempotency-key': randomUUID() });
  if (values.qr !== undefined && !values.json) await showQr(payment);
  const deadline = Date.now() + (integer(values.wait, 'wait') ?? (values.qr !== undefined ? 600 : 120)) * 1000;
  while (isProcessing(payment.status) && Date.now() < deadline) {
    if (!values.json) process.stderr.write(`${payment.id} processing: waiting for the buyer / the wallet…\n`);
    await new Promise((r) => setTimeout(r, 2000));
    payment = await api.request<Payment>('GET', `/v1/payments/${payment.id}`);
  }
  show(payment, values.json);
  return PAYMENT_EXIT_CODES[payment.status];
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
