import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { CounterpayError, IdempotencyError, NotFoundError, StateError, type Wallet } from '@counterpay/core';
import type { PaymentRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { rawTopLevelMembers } from '../shared/raw-json.ts';
import { readBodiesAsText } from '../shared/raw-bodies.ts';
import { SFP, ScanForPayError, rfc3339Cst, scanForPayAnswer, verifyScanForPaySignature } from './scanforpay-protocol.ts';

interface Partner {
  merchantId: string;
  currency: string;
  signKey: string;
  partnerNo: string;
}

type Body = Record<string, unknown>;
const WAIT_MS = 5000;
const WALLET_NAMES: Record<Wallet, string> = { alipay: 'Alipay', wechat: 'Wechat' };

/**
 * ScanForPay (seed 002): every request is `{ request: { header, body }, signature }`, verified over the
 * raw `request` text; every answer is signed over the raw `response` text; failures carry its codes.
 */
export const scanForPayPlugin =
  (services: Services): FastifyPluginAsync =>
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
        const partner = await findPartner(partnerNo);
        if (!partner) return send(reply, partnerNo, reqMsgId, { code: SFP.unauthorised, msg: 'unknown partnerNo' }, null);
        if (!verifyScanForPaySignature(requestText, envelope.signature, partner.signKey)) {
          return send(reply, partnerNo, reqMsgId, { code: SFP.badSignature, msg: 'signature verification failed' }, partner.signKey);
        }
        try {
          return send(reply, partnerNo, reqMsgId, await handle(partner, envelope.request?.body ?? {}), partner.signKey);
        } catch (error) {
          const { code, msg } = translate(error);
          if (code === SFP.unknownError) request.log.error({ err: error }, 'ScanForPay handler failed');
          return send(reply, partnerNo, reqMsgId, { code, msg }, partner.signKey);
        }
      });
    }

    function send(reply: FastifyReply, partnerNo: string, reqMsgId: string, body: Body, signKey: string | null) {
      return reply.status(200).type('application/json; charset=utf-8').send(scanForPayAnswer(partnerNo, reqMsgId, body, signKey));
    }

    async function findPartner(partnerNo: string): Promise<Partner | null> {
      if (!partnerNo) return null;
      const row = await services.store.db
        .selectFrom('dialect_credentials')
        .innerJoin('merchants', 'merchants.id', 'dialect_credentials.merchant_id')
        .select(['dialect_credentials.merchant_id', 'dialect_credentials.secret_ciphertext', 'merchants.default_currency'])
        .where('dialect', '=', 'scanforpay')
        .where('account_id', '=', partnerNo)
        .executeTakeFirst();
      return row ? { merchantId: row.merchant_id, currency: row.default_currency, signKey: services.box.open(row.secret_ciphertext), partnerNo } : null;
    }

    async function storeOf(partner: Partner, body: Body) {
      const storeNo = requireText(body, 'storeNo', 15);
      const store = await services.store.db.selectFrom('stores').selectAll().where('merchant_id', '=', partner.merchantId).where('external_no', '=', storeNo).executeTakeFirst();
      if (!store) throw new ScanForPayError(SFP.merchantConfig, `storeNo ${storeNo} is not configured for this partner`);
      return store;
    }

    async function commonInput(partner: Partner, body: Body) {
      const store = await storeOf(partner, body);
      const terminalNo = optionalText(body, 'terminalNo', 20);
      const terminal = terminalNo ? await services.store.db.selectFrom('terminals').select('id').where('merchant_id', '=', partner.merchantId).where('external_no', '=', terminalNo).executeTakeFirst() : undefined;
      const notifyUrl = optionalText(body, 'notifyUrl', 200);
      return {
        amount: requireAmount(body, 'orderAmount'),
        currency: partner.currency,
        merchantOrderId: requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber),
        description: optionalText(body, 'orderTitle', 100) ?? null,
        storeId: store.id,
        terminalId: terminal?.id ?? null,
        notifyUrl: notifyUrl ?? null,
        dialect: 'scanforpay',
        dialectData: { storeNo: store.external_no, operatorId: optionalText(body, 'operatorId', 20), terminalNo },
      };
    }

    async function pay(partner: Partner, body: Body): Promise<Body> {
      const input = await commonInput(partner, body);
      const payment = await services.payments.createBarcodePayment(partner.merchantId, { ...input, barcode: requireText(body, 'barcode', 24) }, { waitMs: WAIT_MS });
      return orderBody(payment);
    }

    async function create(partner: Partner, body: Body): Promise<Body> {
      const input = await commonInput(partner, body);
      const walletText = optionalText(body, 'wallet', 10);
      const wallet = walletText === 'Wechat' ? 'wechat' : walletText === 'Alipay' ? 'alipay' : walletText === undefined ? undefined : null;
      if (wallet === null) throw new ScanForPayError(SFP.parameterInvalid, 'wallet must be Wechat or Alipay');
      const expireMinutes = body.expireMinutes === undefined ? undefined : Number(body.expireMinutes);
      if (expireMinutes !== undefined && (!Number.isInteger(expireMinutes) || expireMinutes < 1)) throw new ScanForPayError(SFP.parameterInvalid, 'expireMinutes must be a whole number of minutes');
      const payment = await services.qrPayments.createQrPayment(partner.merchantId, { ...input, wallet, expiresInS: expireMinutes === undefined ? undefined : expireMinutes * 60 }, {});
      return { ...orderBody(payment), qrCode: payment.qr_code ?? payment.qr_url, expireTime: payment.expires_at ? rfc3339Cst(payment.expires_at) : null };
    }

    async function query(partner: Partner, body: Body): Promise<Body> {
      const orderNo = optionalText(body, 'orderNo', 32);
      let payment: PaymentRow | null;
      if (orderNo) {
        payment = await services.store.getPayment(orderNo);
      } else {
        const store = await storeOf(partner, body);
        const partnerOrderNo = requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber);
        payment = (await services.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', partner.merchantId).where('merchant_order_id', '=', partnerOrderNo).where('store_id', '=', store.id).executeTakeFirst()) ?? null;
      }
      if (!payment || payment.merchant_id !== partner.merchantId) throw new ScanForPayError(SFP.orderNotFound, 'the order does not exist');
      return orderBody(payment);
    }

    async function refund(partner: Partner, body: Body): Promise<Body> {
      const partnerOrderNo = requireText(body, 'partnerOrderNo', 32, SFP.missingOrderNumber);
      const payment = await services.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', partner.merchantId).where('merchant_order_id', '=', partnerOrderNo).executeTakeFirst();
      if (!payment) throw new ScanForPayError(SFP.orderNotFound, 'the order does not exist');
      const refundNo = requireText(body, 'refundNo', 32);
      const result = await services.refunds.createRefund(
        partner.merchantId,
        payment.id,
        { amount: requireAmount(body, 'orderAmount'), merchantRefundId: `sfp-${refundNo}`, dialect: 'scanforpay', dialectData: { operatorId: body.operatorId, terminalNo: body.terminalNo } },
        { waitMs: WAIT_MS },
      );
      if (result.status === 'failed') throw new ScanForPayError(SFP.upstreamFailed, result.failure_message ?? 'the wallet refused the refund');
      const after = (await services.store.getPayment(payment.id))!;
      return { ...orderBody(after), code: result.status === 'succeeded' ? SFP.success : SFP.resultUnknown, msg: result.status === 'succeeded' ? 'success' : 'refund in progress: query later', refundNo, refundAmount: result.amount };
    }
  };

export function orderBody(payment: PaymentRow): Body {
  const code = payment.status === 'succeeded' ? SFP.success : payment.status === 'processing' ? SFP.resultUnknown : payment.status === 'closed' ? SFP.orderClosed : SFP.failed;
  const status = payment.status === 'succeeded' ? (payment.amount_refunded > 0 ? 3 : 1) : payment.status === 'processing' ? 0 : 2;
  return {
    code,
    msg: payment.status === 'succeeded' ? 'success' : payment.status === 'processing' ? 'result unknown: query later' : (payment.failure_message ?? payment.status),
    orderNo: payment.id,
    partnerOrderNo: payment.merchant_order_id,
    orderAmount: payment.amount,
    wallet: payment.wallet ? WALLET_NAMES[payment.wallet] : null,
    status,
    payTime: payment.paid_at ? rfc3339Cst(payment.paid_at) : null,
    currency: payment.currency,
    buyer: payment.barcode_masked,
    buyerId: payment.wallet_transaction_id,
  };
}

function translate(error: unknown): { code: number; msg: string } {
  if (error instanceof ScanForPayError) return { code: error.code, msg: error.message };
  if (error instanceof IdempotencyError) return { code: SFP.duplicateOrder, msg: error.message };
  if (error instanceof NotFoundError) return { code: SFP.orderNotFound, msg: error.message };
  if (error instanceof StateError) {
    if (error.code === 'refund_exceeds_payment' || error.code === 'payment_fully_refunded') return { code: SFP.refundExceeds, msg: error.message };
    return { code: SFP.illegalStatus, msg: error.message };
  }
  if (error instanceof CounterpayError && error.statusCode < 500) return { code: SFP.parameterInvalid, msg: error.param ? `${error.param}: ${error.message}` : error.message };
  if (error instanceof CounterpayError) return { code: SFP.upstreamFailed, msg: error.message };
  return { code: SFP.unknownError, msg: 'unknown error' };
}

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
