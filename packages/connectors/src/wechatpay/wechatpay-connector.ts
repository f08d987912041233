import { readWechatNotification, wechatNotificationAnswer } from './wechatpay-notification.ts';
import { randomBytes } from 'node:crypto';
import type {
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
  WechatCredentials,
} from '@counterpay/core';
import { paymentOutcomeAfterQuery } from '../answer-preamble.ts';
import { postToWallet, recordedCall, type CallReport } from '../wallet-http.ts';
import { isWechatSignType, signWechatParams, verifyWechatParams, type WechatSignType } from './wechatpay-sign.ts';
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
import { buildWechatXml, parseWechatXml } from './wechatpay-xml.ts';

export interface WechatPayConnectorOptions {
  /** Base URL the v2 paths are appended to: `https://api.mch.weixin.qq.com` or `SIM_URL`. */
  baseUrl: string;
  /** Budget for one HTTP call; past it the outcome is unknown. */
  timeoutMs: number;
  /** Default `notify_url` of QR orders. */
  notifyUrl?: () => string | undefined;
  /** Signature algorithm of requests (WeChat answers in the same one). Default HMAC-SHA256. */
  signType?: WechatSignType;
}

/**
 * WeChat Pay v2 (XML over HTTPS). Every request carries appid, mch_id, a fresh nonce_str, sign_type and
 * sign; every answer with return_code SUCCESS must carry a signature that verifies with the API key
 * before anything in it is believed.
 */
export class WechatPayConnector implements Connector {
  readonly wallet = 'wechat' as const;
  private readonly signType: WechatSignType;

  constructor(private readonly options: WechatPayConnectorOptions) {
    this.signType = options.signType ?? 'HMAC-SHA256';
  }

  readonly readNotification = readWechatNotification;
  readonly notificationAnswer = wechatNotificationAnswer;

  async pay(ctx: WalletContext, req: PayRequest): Promise<PaymentOutcome> {
    const decision = await this.call(ctx, '/pay/micropay', micropayRequest(req), paymentOutcomeFromMicropay);
    if (decision.kind !== 'ask_query') return decision;
    return paymentOutcomeAfterQuery(await this.query(ctx, req.outTradeNo, req.currency), 'WeChat Pay', decision.walletCode);
  }

  createQr(ctx: WalletContext, req: QrRequest): Promise<QrOutcome> {
    const notifyUrl = req.notifyUrl ?? this.options.notifyUrl?.();
    return this.call(ctx, '/pay/unifiedorder', unifiedOrderRequest(req, notifyUrl), qrOutcomeFromUnifiedOrder);
  }

  /** `currency` is not needed: WeChat identifies the order by out_trade_no alone. */
  query(ctx: WalletContext, outTradeNo: string, _currency?: Currency): Promise<PaymentOutcome> {
    return this.call(ctx, '/pay/orderquery', orderReferenceRequest(outTradeNo), paymentOutcomeFromOrderQuery);
  }

  cancel(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome> {
    return this.call(ctx, '/secapi/pay/reverse', orderReferenceRequest(outTradeNo), cancelOutcomeFromReverse);
  }

  close(ctx: WalletContext, outTradeNo: string): Promise<CancelOutcome> {
    return this.call(ctx, '/pay/closeorder', orderReferenceRequest(outTradeNo), cancelOutcomeFromCloseOrder);
  }

  async refund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome> {
    const decision = await this.call(ctx, '/secapi/pay/refund', refundRequest(req), refundOutcomeFromRefund);
    if (decision.kind !== 'ask_refund_query') return decision;
    return refundOutcomeAfterAcceptance(await this.queryRefund(ctx, req));
  }

  queryRefund(ctx: WalletContext, req: RefundRequest): Promise<RefundOutcome> {
    return this.call(ctx, '/pay/refundquery', refundQueryRequest(req), (answer: WechatAnswer<WechatRefundQueryResponse>) =>
      refundOutcomeFromRefundQuery(answer, req.outRefundNo),
    );
  }

  /** One recorded call: exchange, then the flow's mapping function. */
  private async call<R, T extends { kind: string }>(
    ctx: WalletContext,
    endpoint: WechatEndpoint,
    business: object,
    map: (answer: WechatAnswer<R>) => T,
  ): Promise<T> {
    const credentials = wechatCredentials(ctx);
    return recordedCall(ctx, 'wechat', endpoint, async (): Promise<CallReport<T>> => {
      const { answer, httpStatus } = await this.exchange<R>(credentials, endpoint, business as Record<string, string>);
      return { outcome: map(answer), walletCode: wechatWalletCode(answer as WechatAnswer<WechatCommonResponse>), httpStatus, error: wechatAnswerError(answer) };
    });
  }

  private async exchange<R>(
    credentials: WechatCredentials,
    endpoint: WechatEndpoint,
    business: Record<string, string>,
  ): Promise<{ answer: WechatAnswer<R>; httpStatus: number | null }> {
    const params: Record<string, string> = {
      appid: credentials.appId,
      mch_id: credentials.mchId,
      nonce_str: randomBytes(16).toString('hex'),
      sign_type: this.signType,
      ...business,
    };
    params.sign = signWechatParams(params, credentials.apiKey, this.signType);
    const result = await postToWallet({
      url: `${this.options.baseUrl.replace(/\/+$/, '')}${endpoint}`,
      body: buildWechatXml(params),
      contentType: 'text/xml; charset=utf-8',
      timeoutMs: this.options.timeoutMs,
    });
    if (result.kind === 'no_answer') return { answer: result, httpStatus: result.httpStatus };
    return { answer: this.verifiedAnswer<R>(result.body, credentials), httpStatus: result.httpStatus };
  }

  /**
   * Reads an answer only through its signature. return_code FAIL answers are unsigned by protocol and
   * only their return_msg is used. WeChat signs an answer with the request's sign_type; an answer that
   * names its own sign_type is checked with that one (both are keyed with the API key).
   */
  private verifiedAnswer<R>(body: string, credentials: WechatCredentials): WechatAnswer<R> {
    const fields = parseWechatXml(body);
    if (!fields) return { kind: 'no_answer', reason: 'unreadable answer: not a WeChat Pay XML body' };
    if (fields.return_code === 'FAIL') return { kind: 'refused', returnMsg: fields.return_msg ?? '' };
    if (fields.return_code !== 'SUCCESS') return { kind: 'no_answer', reason: 'unreadable answer: no return_code' };
    if (!fields.sign) return { kind: 'no_answer', reason: 'unsigned answer' };
    const signType = isWechatSignType(fields.sign_type) ? fields.sign_type : this.signType;
    if (!verifyWechatParams(fields, credentials.apiKey, signType)) {
      return { kind: 'no_answer', reason: 'answer signature does not verify with the API key' };
    }
    // A correctly signed answer about another merchant is still not an answer about this request.
    if ((fields.appid && fields.appid !== credentials.appId) || (fields.mch_id && fields.mch_id !== credentials.mchId)) {
      return { kind: 'no_answer', reason: 'answer is for another appid or mch_id' };
    }
    return { kind: 'answer', response: fields as R };
  }
}

function wechatCredentials(ctx: WalletContext): WechatCredentials {
  if (ctx.credentials.wallet !== 'wechat') throw new TypeError(`the WeChat Pay connector was given ${ctx.credentials.wallet} credentials`);
  return ctx.credentials;
}
