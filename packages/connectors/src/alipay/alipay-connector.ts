import { alipayNotificationAnswer, readAlipayNotification } from './alipay-notification.ts';
import type {
  AlipayCredentials,
  CancelOutcome,
  Connector,
  Currency,
  PaymentOutcome,
  PayRequest,
  QrOutcome,
  QrRequest,
  RefundOutcome,
  RefundRequest,
  WalletContext,
} from '@counterpay/core';
import { paymentOutcomeAfterQuery } from '../answer-preamble.ts';
import { formatShanghaiTime } from '../shanghai-time.ts';
import { postToWallet, recordedCall, type CallReport } from '../wallet-http.ts';
import { alipaySigningString, extractSignedResponse, signAlipayContent, verifyAlipayContent } from './alipay-sign.ts';
import { alipayAnswerError, alipayWalletCode, readAlipayResponse, type AlipayAnswer, type AlipayFields, type AlipayMethod } from './alipay-answer.ts';
import {
  paymentOutcomeFromPay,
  paymentOutcomeFromQuery,
  TRADE_PAY_FIELDS,
  TRADE_QUERY_FIELDS,
  tradePayRequest,
  tradeReferenceRequest,
} from './alipay-payment-transformers.ts';
import {
  cancelOutcomeAfterQuery,
  cancelOutcomeFromCancel,
  cancelOutcomeFromClose,
  qrOutcomeFromPrecreate,
  TRADE_CANCEL_FIELDS,
  TRADE_CLOSE_FIELDS,
  TRADE_PRECREATE_FIELDS,
  tradePrecreateRequest,
} from './alipay-qr-cancel-transformers.ts';
import { refundOutcomeFromRefund, refundOutcomeFromRefundQuery, TRADE_REFUND_FIELDS, TRADE_REFUND_QUERY_FIELDS, tradeRefundQueryRequest, tradeRefundRequest } from './alipay-refund-transformers.ts';

export interface AlipayConnectorOptions {
  /** The open platform gateway, e.g. `https://openapi.alipay.com/gateway.do` or `SIM_URL/gateway.do`. */
  gatewayUrl: string;
  /** Budget for one HTTP call; past it the outcome is unknown. */
  timeoutMs: number;
  /** Where Alipay should send asynchronous notifications (common parameter `notify_url`). */
  notifyUrl?: () => string | undefined;
}

/**
 * Alipay open platform, classic gateway call (what the official alipay-sdk's `exec` does): one POST per
 * method with the common parameters and `biz_content`, RSA2-signed, form-encoded; the answer's
 * `<method>_response` is verified against the platform key before anything in it is believed.
 */
export class AlipayConnector implements Connector {
  readonly wallet = 'alipay' as const;

  constructor(private readonly options: AlipayConnectorOptions) {}

  readonly readNotification = readAlipayNotification;
  readonly notificationAnswer = alipayNotificationAnswer;

  async pay(ctx: WalletContext, req: PayRequest): Promise<PaymentOutcome> {
    const decision = await this.call(ctx, 'alipay.trade.pay', tradePayRequest(req), TRADE_PAY_FIELDS, paymentOutcomeFromPay, this.options.notifyUrl?.());
    if (decision.kind !== 'ask_query') return decision;
    return paymentOutcomeAfterQuery(await this.query(ctx, req.outTradeNo, req.currency), 'Alipay', decision.walletCode);
  }

  createQr(ctx: WalletContext, req: QrRequest): Promise<QrOutcome> {
    const notifyUrl = req.notifyUrl ?? this.options.notifyUrl?.();
    return this.call(ctx, 'alipay.trade.precreate', tradePrecreateRequest(req), TRADE_PRECREATE_FIELDS, qrOutcomeFromPrecreate, notifyUrl);
  }

  /** `currency` is not needed: Alipay identifies the trade by out_trade_no alone. */
  query(ctx: WalletContext, outTradeNo: string, _currency?: Currency): Promise<PaymentOutcome> {
    return this.call(ctx, 'alipay.trade.query', tradeReferenceRequest(outTradeNo), TRADE_QUERY_FIELDS, paymentOutcomeFromQuery);
  }

  cancel(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome> {
    return this.call(ctx, 'alipay.trade.cancel', tradeReferenceRequest(outTradeNo), TRADE_CANCEL_FIELDS, cancelOutcomeFromCancel);
  }

  async close(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome> {
    const decision = await this.call(ctx, 'alipay.trade.close', tradeReferenceRequest(outTradeNo), TRADE_CLOSE_FIELDS, cancelOutcomeFromClose);
    if (decision.kind !== 'ask_query') return decision;
    return cancelOutcomeAfterQuery(await this.query(ctx, outTradeNo));
  }

  refund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome> {
    return this.call(ctx, 'alipay.trade.refund', tradeRefundRequest(req), TRADE_REFUND_FIELDS, refundOutcomeFromRefund);
  }

  queryRefund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome> {
    return this.call(ctx, 'alipay.trade.fastpay.refund.query', tradeRefundQueryRequest(req), TRADE_REFUND_QUERY_FIELDS, refundOutcomeFromRefundQuery);
  }

  /** One recorded gateway call: exchange, then the flow's mapping function. */
  private async call<K extends readonly string[], T extends { kind: string }>(
    ctx: WalletContext,
    method: AlipayMethod,
    bizContent: object,
    fields: K,
    map: (answer: AlipayAnswer<AlipayFields<K>>) => T,
    notifyUrl?: string,
  ): Promise<T> {
    const credentials = alipayCredentials(ctx);
    return recordedCall(ctx, 'alipay', method, async (): Promise<CallReport<T>> => {
      const { answer, httpStatus } = await this.exchange(credentials, method, bizContent, fields, notifyUrl);
      return { outcome: map(answer), walletCode: alipayWalletCode(answer), httpStatus, error: alipayAnswerError(answer) };
    });
  }

  private async exchange<K extends readonly string[]>(
    credentials: AlipayCredentials,
    method: AlipayMethod,
    bizContent: object,
    fields: K,
    notifyUrl: string | undefined,
  ): Promise<{ answer: AlipayAnswer<AlipayFields<K>>; httpStatus: number | null }> {
    const params: Record<string, string> = {
      app_id: credentials.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatShanghaiTime(new Date(), 'yyyy-MM-dd HH:mm:ss'),
      version: '1.0',
      ...(notifyUrl ? { notify_url: notifyUrl } : {}),
      biz_content: JSON.stringify(bizContent),
    };
    let sign: string;
    try {
      sign = signAlipayContent(alipaySigningString(params), credentials.appPrivateKey);
    } catch {
      // The error of a failed key parse is not repeated: it could quote key material.
      return { answer: { kind: 'sign_failed', reason: 'could not sign the request: the app private key is not a valid RSA key' }, httpStatus: null };
    }
    const result = await postToWallet({
      url: this.options.gatewayUrl,
      body: new URLSearchParams({ ...params, sign }).toString(),
      contentType: 'application/x-www-form-urlencoded;charset=utf-8',
      timeoutMs: this.options.timeoutMs,
    });
    if (result.kind === 'no_answer') return { answer: result, httpStatus: result.httpStatus };
    return { answer: verifiedAnswer(result.body, method, credentials.alipayPublicKey, fields), httpStatus: result.httpStatus };
  }
}

/**
 * Reads an answer only through its signature: the exact `<method>_response` text (or `error_response`)
 * must verify with the platform key. Anything else is `no_answer`, never trusted.
 */
function verifiedAnswer<K extends readonly string[]>(body: string, method: AlipayMethod, alipayPublicKey: string, fields: K): AlipayAnswer<AlipayFields<K>> {
  const signed = extractSignedResponse(body, `${method.replaceAll('.', '_')}_response`) ?? extractSignedResponse(body, 'error_response');
  if (!signed) return { kind: 'no_answer', reason: 'unreadable answer: no signed Alipay response in the body' };
  if (!signed.sign) return { kind: 'no_answer', reason: 'unsigned answer' };
  if (!verifyAlipayContent(signed.content, signed.sign, alipayPublicKey)) {
    return { kind: 'no_answer', reason: 'answer signature does not verify with the Alipay public key' };
  }
  let value: unknown;
  try {
    value = JSON.parse(signed.content);
  } catch {
    return { kind: 'no_answer', reason: 'unreadable answer: the signed response is not JSON' };
  }
  const response = readAlipayResponse(value, fields);
  if (!response) return { kind: 'no_answer', reason: 'unreadable answer: the signed response is not an object' };
  return { kind: 'answer', response };
}

function alipayCredentials(ctx: WalletContext): AlipayCredentials {
  if (ctx.credentials.wallet !== 'alipay') throw new TypeError(`the Alipay connector was given ${ctx.credentials.wallet} credentials`);
  return ctx.credentials;
}
