import type { Currency } from './money.ts';
import type { FailureCode } from './payment-state.ts';
import type { Wallet } from './wallet.ts';

/**
 * The one small interface every wallet protocol implements (DESIGN.md). Connectors speak the wallet's
 * real protocol and map each answer to one of these outcomes in exactly one mapping function.
 * A timeout, a 5xx or an unreadable answer is `unknown`, never `failed`.
 */
export type PaymentOutcome =
  | { kind: 'succeeded'; walletTransactionId: string; paidAt: Date | null; buyerId?: string }
  | { kind: 'failed'; code: FailureCode; walletCode: string; message: string }
  /** The buyer is confirming (password) or the order waits for the buyer: ask again later. */
  | { kind: 'pending'; walletCode: string }
  /** The order is closed / reversed at the wallet and was not paid. */
  | { kind: 'closed'; walletCode: string }
  /** The wallet has no such order (the pay request never reached it). Only from `query`. */
  | { kind: 'not_found' }
  | { kind: 'unknown'; reason: string }
  /** The request never left: connection refused, DNS or TLS failure. The wallet did nothing. */
  | { kind: 'not_sent'; reason: string };

export type CancelOutcome =
  | { kind: 'cancelled' }
  /** The wallet says the order was paid (it cannot be cancelled): the payment succeeded. */
  | { kind: 'paid' }
  /** The wallet asks us to call cancel again (Alipay retry_flag=Y, WeChat recall=Y), or no answer. */
  | { kind: 'retry'; reason: string }
  | { kind: 'not_sent'; reason: string };

export type RefundOutcome =
  | { kind: 'succeeded'; walletRefundId: string | null; refundedAt: Date | null }
  | { kind: 'failed'; walletCode: string; message: string }
  | { kind: 'pending' }
  | { kind: 'not_found' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'not_sent'; reason: string };

export type QrOutcome =
  | { kind: 'created'; qrCode: string }
  | { kind: 'failed'; walletCode: string; message: string }
  | { kind: 'unknown'; reason: string }
  | { kind: 'not_sent'; reason: string };

/** Credentials a merchant holds at one wallet (the simulator issues them; real wallets would too). */
export interface AlipayCredentials {
  wallet: 'alipay';
  appId: string;
  appPrivateKey: string; // PEM, the merchant's key: signs requests
  alipayPublicKey: string; // PEM, the platform's key: verifies responses and notifications
}

export interface WechatCredentials {
  wallet: 'wechat';
  appId: string;
  mchId: string;
  apiKey: string; // signs requests and verifies responses (HMAC-SHA256)
}

export type WalletCredentials = AlipayCredentials | WechatCredentials;

export interface WalletContext {
  credentials: WalletCredentials;
  /** Called after every request with what happened, for the wallet-call log. */
  onCall?: (call: WalletCallRecord) => void;
}

export interface WalletCallRecord {
  wallet: Wallet;
  method: string; // alipay.trade.pay, /pay/micropay, …
  outcome: string; // succeeded, failed, pending, unknown, closed, not_found, cancelled, retry, created
  walletCode: string | null;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
}

export interface PayRequest {
  outTradeNo: string; // counterpay's payment id, the wallet's merchant order number
  authCode: string;
  amount: number; // minor units
  currency: Currency;
  subject: string;
  storeId?: string;
  terminalId?: string;
}

export interface QrRequest {
  outTradeNo: string;
  amount: number;
  currency: Currency;
  subject: string;
  expiresAt: Date;
  notifyUrl?: string;
}

export interface RefundRequest {
  outTradeNo: string;
  outRefundNo: string; // counterpay's refund id
  refundAmount: number;
  totalAmount: number;
  currency: Currency;
  reason?: string;
}

/** A wallet's asynchronous notification, read but not yet trusted. */
export interface WalletNotification {
  /** The order it is about (counterpay's payment id). */
  outTradeNo: string;
  /** Checks the signature with the merchant's credentials; false = forged or tampered. */
  verify(credentials: WalletCredentials): boolean;
}

export interface Connector {
  readonly wallet: Wallet;
  /** Reads a notification body (Alipay form, WeChat XML); null when it is not one. */
  readNotification(body: string): WalletNotification | null;
  /** What the wallet expects back: Alipay `success`, WeChat `<return_code>SUCCESS</return_code>`. */
  notificationAnswer(accepted: boolean): { contentType: string; body: string };
  pay(ctx: WalletContext, req: PayRequest): Promise<PaymentOutcome>;
  createQr(ctx: WalletContext, req: QrRequest): Promise<QrOutcome>;
  query(ctx: WalletContext, outTradeNo: string, currency: Currency): Promise<PaymentOutcome>;
  /** Barcode pay: cancel/reverse (refunds the buyer if it was paid in the meantime, per wallet rules). */
  cancel(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome>;
  /** QR orders: close an unpaid order. */
  close(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome>;
  refund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome>;
  queryRefund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome>;
}
