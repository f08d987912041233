import { readWechatNotification, wechatNotificationAnswer } from './wechatpay-notification.ts';
import type * as core from '@counterpay/core';
import type { AccountVerification, ConnectorFlow, WalletContext, WalletCredentials, WechatCredentials } from '@counterpay/core';
import { paymentOutcomeAfterQuery } from '../answer-preamble.ts';
import { recordedCall, type CallReport } from '../wallet-http.ts';
import { verifyWechatAccount } from './wechatpay-account-check.ts';
import { downloadWechatStatement } from './wechatpay-statement.ts';
import { certificateMissing, exchangeWithWechat, FLOW_ENDPOINTS } from './wechatpay-exchange.ts';
import type { WechatSignType } from './wechatpay-sign.ts';
import { wechatAnswerError, wechatWalletCode, type WechatAnswer, type WechatCommonResponse, type WechatEndpoint } from './wechatpay-answer.ts';
import { micropayRequest, orderReferenceRequest, paymentOutcomeFromMicropay, paymentOutcomeFromOrderQuery } from './wechatpay-payment-transformers.ts';
import { cancelOutcomeFromCloseOrder, cancelOutcomeFromReverse, qrOutcomeFromUnifiedOrder, unifiedOrderRequest } from './wechatpay-qr-cancel-transformers.ts';
import {
  refundOutcomeAfterAcceptance,
  refundOutcomeFromRefund,
  refundOutcomeFromRefundQuery,
  refundQueryRequest,
  refundRequest,
  type WechatRefundQueryResponse,
} from './wechatpay-refund-transformers.ts';

export interface WechatPayConnectorOptions {
  /** Base URL the v2 paths are appended to: `https://api.mch.weixin.qq.com` or `SIM_URL`. */
  baseUrl: string;
  /** Budget for one HTTP call; past it the outcome is unknown. */
  timeoutMs: number;
  /** Default `notify_url` of QR orders. */
  notifyUrl?: () => string | undefined;
  /** Signature algorithm of requests (WeChat answers in the same one). Default HMAC-SHA256. */
  signType?: WechatSignType;
  /** Ask for daily statements gzip-compressed (`tar_type=GZIP`). Default true. */
  statementGzip?: boolean;
}

/**
 * WeChat Pay v2 (XML over HTTPS; the exchange is in wechatpay-exchange.ts). Every request is signed with
 * the API key; every answer with return_code SUCCESS must carry a signature that verifies with it before
 * anything in it is believed.
 */
export class WechatPayConnector implements core.Connector {
  readonly wallet = 'wechat' as const;
  private readonly signType: WechatSignType;

  constructor(private readonly options: WechatPayConnectorOptions) {
    this.signType = options.signType ?? 'HMAC-SHA256';
  }

  readonly readNotification = readWechatNotification;
  readonly notificationAnswer = wechatNotificationAnswer;

  async pay(ctx: WalletContext, req: core.PayRequest): Promise<core.PaymentOutcome> {
    const decision = await this.call(ctx, '/pay/micropay', micropayRequest(req), paymentOutcomeFromMicropay);
    if (decision.kind !== 'ask_query') return decision;
    return paymentOutcomeAfterQuery(await this.query(ctx, req.outTradeNo, req.currency), 'WeChat Pay', decision.walletCode);
  }

  createQr(ctx: WalletContext, req: core.QrRequest): Promise<core.QrOutcome> {
    const notifyUrl = req.notifyUrl ?? this.options.notifyUrl?.();
    return this.call(ctx, '/pay/unifiedorder', unifiedOrderRequest(req, notifyUrl), qrOutcomeFromUnifiedOrder);
  }

  /** `currency` is not needed: WeChat identifies the order by out_trade_no alone. */
  query(ctx: WalletContext, outTradeNo: string, _currency?: core.Currency): Promise<core.PaymentOutcome> {
    return this.call(ctx, '/pay/orderquery', orderReferenceRequest(outTradeNo), paymentOutcomeFromOrderQuery);
  }

  cancel(ctx: WalletContext, outTradeNo: string): Promise<core.CancelOutcome> {
    return this.call(ctx, '/secapi/pay/reverse', orderReferenceRequest(outTradeNo), cancelOutcomeFromReverse);
  }

  close(ctx: WalletContext, outTradeNo: string): Promise<core.CancelOutcome> {
    return this.call(ctx, '/pay/closeorder', orderReferenceRequest(outTradeNo), cancelOutcomeFromCloseOrder);
  }

  async refund(ctx: WalletContext, req: core.RefundRequest): Promise<core.RefundOutcome> {
    const decision = await this.call(ctx, '/secapi/pay/refund', refundRequest(req), refundOutcomeFromRefund);
    if (decision.kind !== 'ask_refund_query') return decision;
    return refundOutcomeAfterAcceptance(await this.queryRefund(ctx, req));
  }

  queryRefund(ctx: WalletContext, req: core.RefundRequest): Promise<core.RefundOutcome> {
    return this.call(ctx, '/pay/refundquery', refundQueryRequest(req), (answer: WechatAnswer<WechatRefundQueryResponse>) =>
      refundOutcomeFromRefundQuery(answer, req.outRefundNo),
    );
  }

  verifyAccount(ctx: WalletContext): Promise<AccountVerification> {
    return verifyWechatAccount(ctx, wechatCredentials(ctx), { defaultUrl: this.options.baseUrl, timeoutMs: this.options.timeoutMs, signType: this.signType });
  }

  /** Reverse and refund (`/secapi/`) present a client certificate over HTTPS; without one nothing is sent. */
  missingCertificateFor(credentials: WalletCredentials, flow: ConnectorFlow): boolean {
    return credentials.wallet === 'wechat' && certificateMissing(credentials, this.options.baseUrl, FLOW_ENDPOINTS[flow]);
  }

  /** `/pay/downloadbill`, bill_type ALL (wechatpay-statement.ts). */
  downloadStatement(ctx: WalletContext, date: string): Promise<core.StatementOutcome> {
    const { baseUrl: defaultUrl, timeoutMs } = this.options;
    return downloadWechatStatement(ctx, { credentials: wechatCredentials(ctx), defaultUrl, timeoutMs, signType: this.signType, gzip: this.options.statementGzip ?? true }, date);
  }

  /** One recorded call: exchange, then the flow's mapping function. */
  private async call<R, T extends { kind: string }>(ctx: WalletContext, endpoint: WechatEndpoint, business: object, map: (answer: WechatAnswer<R>) => T): Promise<T> {
    const credentials = wechatCredentials(ctx);
    const { baseUrl: defaultUrl, timeoutMs } = this.options;
    return recordedCall(ctx, 'wechat', endpoint, async (): Promise<CallReport<T>> => {
      const { answer, httpStatus } = await exchangeWithWechat<R>({ credentials, defaultUrl, timeoutMs, signType: this.signType, endpoint, business });
      return { outcome: map(answer), walletCode: wechatWalletCode(answer as WechatAnswer<WechatCommonResponse>), httpStatus, error: wechatAnswerError(answer) };
    });
  }
}

function wechatCredentials(ctx: WalletContext): WechatCredentials {
  if (ctx.credentials.wallet !== 'wechat') throw new TypeError(`the WeChat Pay connector was given ${ctx.credentials.wallet} credentials`);
  return ctx.credentials;
}
