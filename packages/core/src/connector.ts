import type { Currency } from './money.ts';
import type { FailureCode } from './payment-state.ts';
import type { Wallet } from './wallet.ts';

/**
 * The one small interface every wallet protocol implements (DESIGN.md). Connectors speak the wallet's
 * real protocol and map each answer to one of these outcomes in exactly one mapping function.
 * A timeout, a 5xx or an unreadable answer is `unknown`, never `failed`.
 *
 * A `succeeded` outcome names the payer as the wallet's answer does, when it does: `buyerAccount` is the
 * masked login (Alipay `buyer_logon_id`, e.g. `158****1562`; WeChat Pay shows none), `buyerId` the
 * wallet's stable id (Alipay `buyer_user_id`, `2088…`; WeChat Pay `openid`).
 */
export type PaymentOutcome =
  | { kind: 'succeeded'; walletTransactionId: string; paidAt: Date | null; buyerAccount?: string; buyerId?: string }
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

/**
 * A merchant's account at a wallet: everything the wallet needs to accept our requests and everything
 * we need to trust its answers. Test mode gets one from the simulator; live mode from `wallets connect`.
 * `endpoint` is where the account lives: a URL or a name CONTRACT.md defines (`production`, Alipay
 * `sandbox`, WeChat Pay `hk`); absent, the connector's own URL (the simulator in test mode).
 */
interface AlipayAccount {
  wallet: 'alipay';
  appId: string;
  /** PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`): signs requests. */
  appPrivateKey: string;
  /** An ISV acting for a merchant: the merchant's authorization (common parameter `app_auth_token`). */
  appAuthToken?: string;
  /** The open platform gateway URL (`…/gateway.do`) or `production` / `sandbox`. */
  endpoint?: string;
}

/** Public key mode: the platform's public key (PEM) verifies answers and notifications. */
export interface AlipayPublicKeyCredentials extends AlipayAccount {
  alipayPublicKey: string;
  certificates?: undefined;
}

/**
 * Certificate mode: requests carry `app_cert_sn` and `alipay_root_cert_sn`; answers and notifications
 * are verified with the public key of `alipayCertPem`.
 */
export interface AlipayCertificateCredentials extends AlipayAccount {
  certificates: AlipayCertificates;
  alipayPublicKey?: undefined;
}

/** The three files Alipay's console issues in certificate mode, as PEM text. */
export interface AlipayCertificates {
  /** appCertPublicKey_<appId>.crt: the app's public key, certified by Alipay. */
  appCertPem: string;
  /** alipayCertPublicKey_RSA2.crt: Alipay's public key. */
  alipayCertPem: string;
  /** alipayRootCert.crt: Alipay's root certificates (several, not all RSA). */
  alipayRootCertPem: string;
}

export type AlipayCredentials = AlipayPublicKeyCredentials | AlipayCertificateCredentials;

/**
 * WeChat Pay's API client certificate, presented on `/secapi/` calls (reverse, refund): the PEM pair
 * (apiclient_cert.pem, apiclient_key.pem), or apiclient_cert.p12 as base64 (its password is the mch_id).
 */
export type WechatClientCertificate = { certPem: string; keyPem: string } | { p12: string };

export interface WechatCredentials {
  wallet: 'wechat';
  appId: string;
  /** The merchant's mch_id; in service-provider mode the partner's. */
  mchId: string;
  /** The 32-character API key: signs requests and verifies answers (MD5 / HMAC-SHA256). */
  apiKey: string;
  clientCertificate?: WechatClientCertificate;
  /** Service-provider mode: the sub-merchant this account acts for (`sub_mch_id`, and `sub_appid` if it has its own app). */
  subMchId?: string;
  subAppId?: string;
  /** The v2 API base URL or `production` / `hk`. */
  endpoint?: string;
}

export type WalletCredentials = AlipayCredentials | WechatCredentials;

/** What may be shown of an account (`wallets list`): ids, key fingerprints, certificate expiry; no secret. */
export interface WalletAccountSummary {
  wallet: Wallet;
  appId: string;
  mchId?: string;
  subMchId?: string;
  subAppId?: string;
  /** Alipay: how answers are verified. */
  alipayMode?: 'public_key' | 'certificate';
  /** Alipay: an app_auth_token is set (the account acts for another merchant). */
  actsForMerchant?: boolean;
  /** WeChat Pay: a client certificate is connected (refunds and reversals need one over HTTPS). */
  hasClientCertificate?: boolean;
  keys: KeySummary[];
  certificates: CertificateSummary[];
}

export interface KeySummary {
  /** `app private key`, `Alipay public key`, … */
  name: string;
  /** SHA-256 of the public key (SPKI DER), first 16 hex digits; null when the key cannot be read. */
  fingerprint: string | null;
  problem?: string;
}

export interface CertificateSummary {
  /** `app certificate`, `Alipay certificate`, `Alipay root certificate 2`, `client certificate`, … */
  name: string;
  subject: string | null;
  /** ISO 8601; null when the certificate cannot be read. */
  notAfter: string | null;
  /** SHA-256 of the certified public key, first 16 hex digits. */
  fingerprint: string | null;
  problem?: string;
}

/**
 * The verdict of `verifyAccount`: `ok`, or which credential is wrong. `wallet_refused` is any other
 * refusal of the check (its message quotes the wallet).
 */
export const ACCOUNT_VERDICTS = [
  'ok',
  'app_id_unknown',
  'signature_rejected',
  'response_unverifiable',
  'api_key_wrong',
  'certificate_not_accepted',
  'endpoint_unreachable',
  'tls_untrusted',
  'wallet_refused',
] as const;
export type AccountVerdict = (typeof ACCOUNT_VERDICTS)[number];

export interface AccountVerification {
  verdict: AccountVerdict;
  /** Plain words: which credential is wrong and what to check (never a key or signature). */
  message: string;
  summary: WalletAccountSummary;
}

/** The calls a connector makes, by the name of its method. */
export const CONNECTOR_FLOWS = ['pay', 'createQr', 'query', 'cancel', 'close', 'refund', 'queryRefund'] as const;
export type ConnectorFlow = (typeof CONNECTOR_FLOWS)[number];

export interface WalletContext {
  credentials: WalletCredentials;
  /** Called after every request with what happened, for the wallet-call log. */
  onCall?: (call: WalletCallRecord) => void;
}

export interface WalletCallRecord {
  wallet: Wallet;
  method: string; // alipay.trade.pay, /pay/micropay, …
  outcome: string; // succeeded, failed, pending, unknown, not_sent, closed, not_found, cancelled, retry, created
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
  /**
   * Checks an account before it is saved, with one harmless signed call (a query for an order that does
   * not exist; WeChat Pay with a client certificate also one `/secapi/` call).
   */
  verifyAccount(ctx: WalletContext): Promise<AccountVerification>;
  /**
   * True when `flow` needs a client certificate these credentials lack (WeChat Pay `/secapi/` over
   * HTTPS): the connector would answer `not_sent` with reason `wallet_certificate_missing` and send nothing.
   */
  missingCertificateFor(credentials: WalletCredentials, flow: ConnectorFlow): boolean;
  /**
   * The wallet's statement of one day, `date` `YYYY-MM-DD`, a China Standard Time calendar day (Alipay
   * trade bill, WeChat Pay `downloadbill` ALL): every payment completed and refund made that day, read
   * exactly. In service-provider mode (WeChat `subMchId`) the sub-merchant's lines only.
   *
   * How to treat the outcomes:
   * - `published`: the day's lines (Alipay publishes an empty day as a bill without lines).
   * - `not_published`: the wallet has no bill for the day (Alipay `isp.bill_not_exist`, WeChat Pay
   *   `No Bill Exist`). Before the wallet's publishing hour of the next day it means "not yet": ask again
   *   later, never read it as an empty day. WeChat Pay also answers it, for good, for a day without any
   *   trade; only once the publishing hour is well past may the caller take it as an empty day.
   * - `failed`: the request was refused (a future or malformed date, bad credentials): asking again
   *   the same way will not help.
   * - `unknown`: no answer, or a file that could not be read: ask again later.
   * - `not_sent`: the request never left.
   */
  downloadStatement(ctx: WalletContext, date: string): Promise<StatementOutcome>;
}

/**
 * One line of a wallet's daily statement (Alipay trade bill, WeChat Pay `downloadbill` ALL), read
 * exactly: amounts in minor units of the trade's currency, never a float.
 */
export interface StatementLine {
  kind: 'payment' | 'refund';
  /** The merchant order number (counterpay's payment id). */
  outTradeNo: string;
  walletTradeNo: string;
  /**
   * Refund lines: counterpay's refund id (Alipay 退款批次号/请求号, WeChat 商户退款单号) and the wallet's.
   * A refund line without `outRefundNo` is a reversal (a paid payment cancelled, refunded in full).
   */
  outRefundNo?: string;
  walletRefundId?: string;
  /** What the wallet charged (payment) or gave back (refund), minor units, always positive. */
  amount: number;
  /** The wallet's service fee for this line, minor units (a refund's fee is returned: negative). */
  fee: number;
  currency: string;
  storeId?: string;
  terminalId?: string;
  /** A service provider's statement: the sub-merchant the line is booked to (WeChat 特约商户号). */
  subMerchantId?: string;
  /** When the wallet completed it. */
  at: Date;
}

/** A day's statement: published (possibly empty), or not yet published (ask again later). */
export type StatementOutcome =
  | { kind: 'published'; date: string; lines: StatementLine[] }
  | { kind: 'not_published' }
  | { kind: 'failed'; walletCode: string; message: string }
  | { kind: 'unknown'; reason: string }
  | { kind: 'not_sent'; reason: string };
