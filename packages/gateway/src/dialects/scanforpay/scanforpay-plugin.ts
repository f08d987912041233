import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RefundStatus } from '@counterpay/core';
import type { DialectAccount } from '../../merchants/merchant-service.ts';
import type { PaymentRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { translateToScanForPay } from './scanforpay-errors.ts';
import { orderBody } from './scanforpay-order.ts';
import { rawTopLevelMembers } from '../shared/raw-json.ts';
import { readBodiesAsText } from '../shared/raw-bodies.ts';
import { SFP, ScanForPayError, rfc3339Cst, scanForPayAnswer, verifyScanForPaySignature } from './scanforpay-protocol.ts';

/** A ScanForPay partner (partnerNo) of a merchant, in one mode, with its sign key. */
type Partner = DialectAccount;

/** The services the ScanForPay dialect uses. */
export type ScanForPayServices = Pick<Services, 'config' | 'merchants' | 'payments' | 'qrPayments' | 'refunds'>;

type Body = Record<string, unknown>;

/** How a refund's status is answered; a failed refund (null) is an upstream failure. */
const REFUND_ANSWER: Record<RefundStatus, { code: number; msg: string } | null> = {
  processing: { code: SFP.resultUnknown, msg: 'refund in progress: query later' },
  succeeded: { code: SFP.success, msg: 'success' },
  failed: null,
};

/**
 * ScanForPay (seed 002): every request is `{ request: { header, body }, signature }`, verified over the
 * raw `request` text; every answer is signed over the raw `response` text; failures carry its codes.
 */
export const scanForPayPlugin =
  (services: ScanForPayServices): FastifyPluginAsync =>
  async (app) => {
    readBodiesAsText(app);
    app.setErrorHandler((error, request, reply) => {
      request.log.warn({ err: error }, 'ScanForPay request failed');
      const tooLarge = (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
      void send(reply, '', '', { code: tooLarge ? SFP.parameterInvalid : SFP.unknownError, msg: tooLarge ? 'request too large' : 'unknown error' }, null);
    });

    const handlers: Record<string, (partner: Partner, body: Body) => Promise<Body>> = {
      '/api/offline/pay': (partner, body) => pay(partner, body),
      '/api/offline/create': (partner, body) => create(partner, body),
      '/api/common/payQuery': (partner, body) => query(partner, body),
      '/api/common/refund': (partner, body) => refund(partner, body),
    };
    for (const [path, handle] of Object.entries(handlers)) {
      app.post(path, async (request, reply) => {
        const raw = typeof request.body === 'string' ? request.body : '';
        const members = rawTopLevelMembers(raw);
        const requestText = members?.get('request');
        if (!members || !requestText) return send(reply, '', '', { code: SFP.malformedJson, msg: 'the request is not the ScanForPay JSON envelope' }, null);
        const envelope = JSON.parse(raw) as { request?: { header?: Body; body?: Body }; signature?: unknown };
        const header = envelope.request?.header ?? {};
        const partnerNo = String(header.partnerNo ?? '');
        const reqMsgId = String(header.reqMsgId ?? '');
        const partner = await services.merchants.dialectAccount('scanforpay', partnerNo);
        if (!partner) return send(reply, partnerNo, reqMsgId, { code: SFP.unauthorised, msg: 'unknown partnerNo' }, null);
        if (!verifyScanForPaySignature(requestText, envelope.signature, partner.secret.reveal())) {
          return send(reply, partnerNo, reqMsgId, { code: SFP.badSignature, msg: 'signature verification failed' }, partner.secret.reveal());
        }
        try {
          return send(reply, partnerNo, reqMsgId, await handle(partner, envelope.request?.body ?? {}), partner.secret.reveal());
        } catch (error) {
          const { code, msg } = translateToScanForPay(error);
          if (code === SFP.unknownError) request.log.error({ err: error }, 'ScanForPay handler failed');
          return send(reply, partnerNo, reqMsgId, { code, msg }, partner.secret.reveal());
        }
      });
    }

    function send(reply: FastifyReply, partnerNo: string, reqMsgId: string, body: Body, signKey: string | null) {
      return reply.status(200).type('application/json; charset=utf-8').send(scanForPayAnswer(partnerNo, reqMsgId, body, signKey));
    }

    async function storeOf(partner: Partner, body: Body) {
      const storeNo = requireText(body, 'storeNo', 15);
      const store = await services.merchants.findStore(partner.merchantId, storeNo);
      if (!store) throw new ScanForPayError(SFP.merchantConfig, `storeNo ${storeNo} is not configured for this partner`);
      return store;
    }

    /** The terminal and operator a request names, both optional; one the merchant has not set up is a config error (40), never dropped. */
    async function counterOf(partner: Partner, body: Body) {
      const terminalNo = optionalText(body, 'terminalNo', 20);
      const operatorNo = optionalText(body, 'operatorId', 20);
      const terminalId = terminalNo ? await services.merchants.findTerminalId(partner.merchantId, terminalNo) : null;
      if (terminalNo && !terminalId) throw new ScanForPayError(SFP.merchantConfig, `terminalNo ${terminalNo} is not configured for this partner`);
      const operatorId = operatorNo ? await services.merchants.findOperatorId(partner.merchantId, operatorNo) : null;
      if (operatorNo && !operatorId) throw new ScanForPayError(SFP.merchantConfig, `operatorId ${operatorNo} is not an operator of this partner`);
      return { terminalNo, terminalId, operatorNo, operatorId };
    }

    async function commonInput(partner: Partner, body: Body) {
      const store = await storeOf(partner, body);
      const { terminalNo, terminalId, operatorNo, operatorId } = await counterOf(partner, body);
      const notifyUrl = optionalText(body, 'notifyUrl', 200);
      return {
        amount: requireAmount(body, 'orderAmount'),
        currency: partner.defaultCurrency,
        merchantOrderId: requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber),
        description: optionalText(body, 'orderTitle', 100) ?? null,
        storeId: store.id,
        terminalId,
        operatorId,
        notifyUrl: notifyUrl ?? null,
        dialect: 'scanforpay',
        dialectData: { storeNo: store.external_no, operatorId: operatorNo, terminalNo },
      };
    }

    async function pay(partner: Partner, body: Body): Promise<Body> {
      // Waits the gateway's PAYMENT_WAIT_S for a final status; past it the answer is pending (code 1, status 0).
      const input = await commonInput(partner, body);
      const payment = await services.payments.createBarcodePayment(partner, { ...input, barcode: requireText(body, 'barcode', 24) }, { waitMs: services.config.defaultWaitMs });
      return orderBody(payment);
    }

    async function create(partner: Partner, body: Body): Promise<Body> {
      const input = await commonInput(partner, body);
      const walletText = optionalText(body, 'wallet', 10);
      const wallet = walletText === 'Wechat' ? 'wechat' : walletText === 'Alipay' ? 'alipay' : walletText === undefined ? undefined : null;
      if (wallet === null) throw new ScanForPayError(SFP.parameterInvalid, 'wallet must be Wechat or Alipay');
      const expireMinutes = body.expireMinutes === undefined ? undefined : Number(body.expireMinutes);
      if (expireMinutes !== undefined && (!Number.isInteger(expireMinutes) || expireMinutes < 1)) throw new ScanForPayError(SFP.parameterInvalid, 'expireMinutes must be a whole number of minutes');
      const payment = await services.qrPayments.createQrPayment(partner, { ...input, wallet, expiresInS: expireMinutes === undefined ? undefined : expireMinutes * 60 }, {});
      return { ...orderBody(payment), qrCode: payment.qr_code ?? payment.qr_url, expireTime: payment.expires_at ? rfc3339Cst(payment.expires_at) : null };
    }

    async function query(partner: Partner, body: Body): Promise<Body> {
      const orderNo = optionalText(body, 'orderNo', 32);
      let payment: PaymentRow | null;
      if (orderNo) {
        payment = await services.payments.findPayment(partner, orderNo);
      } else {
        const store = await storeOf(partner, body);
        const partnerOrderNo = requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber);
        payment = await services.payments.findByMerchantOrderId(partner, partnerOrderNo, { storeId: store.id });
      }
      if (!payment) throw new ScanForPayError(SFP.orderNotFound, 'the order does not exist');
      return orderBody(payment);
    }

    async function refund(partner: Partner, body: Body): Promise<Body> {
      const partnerOrderNo = requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber);
      const payment = await services.payments.findByMerchantOrderId(partner, partnerOrderNo);
      if (!payment) throw new ScanForPayError(SFP.orderNotFound, 'the order does not exist');
      const refundNo = requireText(body, 'refundNo', 32);
      const { terminalNo, operatorNo } = await counterOf(partner, body);
      const result = await services.refunds.createRefund(
        partner,
        payment.id,
        { amount: requireAmount(body, 'orderAmount'), merchantRefundId: `sfp-${refundNo}`, dialect: 'scanforpay', dialectData: { operatorId: operatorNo, terminalNo } },
        { waitMs: services.config.defaultWaitMs },
      );
      const shown = REFUND_ANSWER[result.status];
      if (!shown) throw new ScanForPayError(SFP.upstreamFailed, result.failure_message ?? 'the wallet refused the refund');
      const after = (await services.payments.findPayment(partner, payment.id))!;
      return { ...orderBody(after), ...shown, refundNo, refundAmount: result.amount };
    }
  };

function requireText(body: Body, name: string, max: number, missingCode: number = SFP.parameterMissing): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') throw new ScanForPayError(missingCode, `${name} is required`);
  if (typeof value !== 'string' || value.length > max) throw new ScanForPayError(SFP.parameterInvalid, `${name} must be text of at most ${max} characters`);
  return value;
}

function optionalText(body: Body, name: string, max: number): string | undefined {
  return body[name] === undefined || body[name] === null || body[name] === '' ? undefined : requireText(body, name, max);
}

function requireAmount(body: Body, name: string): number {
  const value = body[name];
  if (value === undefined) throw new ScanForPayError(SFP.parameterMissing, `${name} is required`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new ScanForPayError(SFP.parameterInvalid, `${name} must be a positive integer in the currency's minor unit`);
  return value;
}
