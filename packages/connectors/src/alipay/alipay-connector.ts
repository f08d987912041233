import { alipayNotificationAnswer, readAlipayNotification } from './alipay-notification.ts';
import type * as core from '@counterpay/core';
import type { AccountVerification, AlipayCredentials, ConnectorFlow, WalletContext, WalletCredentials } from '@counterpay/core';
import { paymentOutcomeAfterQuery } from '../answer-preamble.ts';
import { recordedCall, type CallReport } from '../wallet-http.ts';
import { verifyAlipayAccount } from './alipay-account-check.ts';
import { downloadAlipayStatement } from './alipay-statement.ts';
import { alipayAnswerError, alipayWalletCode, type AlipayAnswer, type AlipayFields, type AlipayMethod } from './alipay-answer.ts';
import { exchangeWithAlipay } from './alipay-exchange.ts';
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
export class AlipayConnector implements core.Connector {
  readonly wallet = 'alipay' as const;

  constructor(private readonly options: AlipayConnectorOptions) {}

  readonly readNotification = readAlipayNotification;
  readonly notificationAnswer = alipayNotificationAnswer;

  async pay(ctx: WalletContext, req: core.PayRequest): Promise<core.PaymentOutcome> {
    const decision = await this.call(ctx, 'alipay.trade.pay', tradePayRequest(req), TRADE_PAY_FIELDS, paymentOutcomeFromPay, this.options.notifyUrl?.());
    if (decision.kind !== 'ask_query') return decision;
    return paymentOutcomeAfterQuery(await this.query(ctx, req.outTradeNo, req.currency), 'Alipay', decision.walletCode);
  }

  createQr(ctx: WalletContext, req: core.QrRequest): Promise<core.QrOutcome> {
    const notifyUrl = req.notifyUrl ?? this.options.notifyUrl?.();
    return this.call(ctx, 'alipay.trade.precreate', tradePrecreateRequest(req), TRADE_PRECREATE_FIELDS, qrOutcomeFromPrecreate, notifyUrl);
  }

  /** `currency` is not needed: Alipay identifies the trade by out_trade_no alone. */
  query(ctx: WalletContext, outTradeNo: string, _currency?: core.Currency): Promise<core.PaymentOutcome> {
    return this.call(ctx, 'alipay.trade.query', tradeReferenceRequest(outTradeNo), TRADE_QUERY_FIELDS, paymentOutcomeFromQuery);
  }

  cancel(ctx: WalletContext, outTradeNo: string): Promise<core.CancelOutcome> {
    return this.call(ctx, 'alipay.trade.cancel', tradeReferenceRequest(outTradeNo), TRADE_CANCEL_FIELDS, cancelOutcomeFromCancel);
  }

  async close(ctx: WalletContext, outTradeNo: string): Promise<core.CancelOutcome> {
    const decision = await this.call(ctx, 'alipay.trade.close', tradeReferenceRequest(outTradeNo), TRADE_CLOSE_FIELDS, cancelOutcomeFromClose);
    if (decision.kind !== 'ask_query') return decision;
    return cancelOutcomeAfterQuery(await this.query(ctx, outTradeNo));
  }

  refund(ctx: WalletContext, req: core.RefundRequest): Promise<core.RefundOutcome> {
    return this.call(ctx, 'alipay.trade.refund', tradeRefundRequest(req), TRADE_REFUND_FIELDS, refundOutcomeFromRefund);
  }

  queryRefund(ctx: WalletContext, req: core.RefundRequest): Promise<core.RefundOutcome> {
    return this.call(ctx, 'alipay.trade.fastpay.refund.query', tradeRefundQueryRequest(req), TRADE_REFUND_QUERY_FIELDS, refundOutcomeFromRefundQuery);
  }

  verifyAccount(ctx: WalletContext): Promise<AccountVerification> {
    return verifyAlipayAccount(ctx, alipayCredentials(ctx), { defaultUrl: this.options.gatewayUrl, timeoutMs: this.options.timeoutMs });
  }

  /** Alipay needs no client certificate for any call. */
  missingCertificateFor(_credentials: WalletCredentials, _flow: ConnectorFlow): boolean {
    return false;
  }

  /** The trade bill: the download-URL query, then its zip (alipay-statement.ts). */
  downloadStatement(ctx: WalletContext, date: string): Promise<core.StatementOutcome> {
    return downloadAlipayStatement(ctx, { credentials: alipayCredentials(ctx), defaultUrl: this.options.gatewayUrl, timeoutMs: this.options.timeoutMs }, date);
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
    const { gatewayUrl: defaultUrl, timeoutMs } = this.options;
    return recordedCall(ctx, 'alipay', method, async (): Promise<CallReport<T>> => {
      const { answer, httpStatus } = await exchangeWithAlipay({ credentials, defaultUrl, timeoutMs, method, bizContent, fields, ...(notifyUrl ? { notifyUrl } : {}) });
      return { outcome: map(answer), walletCode: alipayWalletCode(answer), httpStatus, error: alipayAnswerError(answer) };
    });
  }
}

function alipayCredentials(ctx: WalletContext): AlipayCredentials {
  if (ctx.credentials.wallet !== 'alipay') throw new TypeError(`the Alipay connector was given ${ctx.credentials.wallet} credentials`);
  return ctx.credentials;
}
