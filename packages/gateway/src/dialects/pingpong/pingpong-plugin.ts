import type { FastifyPluginAsync } from 'fastify';
import { type Currency, type Wallet, detectWallet, isCurrency, parseDecimalAmountValue } from '@counterpay/core';
import type { DialectAccount } from '../../merchants/merchant-service.ts';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { translateToPingPong } from './pingpong-errors.ts';
import { paymentResult, refundResult } from './pingpong-results.ts';
import { rawTopLevelMembers } from '../shared/raw-json.ts';
import { readBodiesAsText } from '../shared/raw-bodies.ts';
import { PP, PingPongError, pingPongAnswer, verifyPingPongSignature } from './pingpong-protocol.ts';

type Biz = Record<string, any>;
/** A PingPong account (accId) of a merchant, in one mode, with its salt. */
type Account = DialectAccount;

/** The services the PingPong dialect uses. */
export type PingPongServices = Pick<Services, 'merchants' | 'payments' | 'qrPayments' | 'refunds'>;

/** Payment methods, their wallet and the currencies each accepts (PROTOCOLS.md §1). */
const METHODS: Record<string, { wallet: Wallet; currencies: Currency[] }> = {
  'Wechat-Offline': { wallet: 'wechat', currencies: ['CNY', 'HKD'] },
  'AlipayCN-Offline': { wallet: 'alipay', currencies: ['CNY'] },
  'AlipayHK-Offline': { wallet: 'alipay', currencies: ['HKD'] },
};
const WAIT_MS = 5000;

/**
 * PingPong v4 (seeds 000, 001): signed envelopes with `bizContent` as a string or an object, decimal
 * amounts parsed exactly, PingPong's codes and statuses; always HTTP 200 with a code, as PingPong does.
 */
export const pingPongPlugin =
  (services: PingPongServices): FastifyPluginAsync =>
  async (app) => {
    readBodiesAsText(app);
    app.setErrorHandler((error, request, reply) => {
      request.log.warn({ err: error }, 'PingPong request failed');
      void reply.status(200).type('application/json').send(pingPongAnswer(null, PP.invalidParameter, 'the request could not be read', null, { salt: null, signType: 'SHA256', bizAsString: true }));
    });

    const handlers: Record<string, (account: Account, biz: Biz) => Promise<{ code: string; description: string; biz: Biz }>> = {
      '/v4/payment/unifiedPay': unifiedPay,
      '/v4/payment/query': query,
      '/v4/payment/refund': refund,
      '/v4/refund/query': refundQuery,
    };
    for (const [path, handle] of Object.entries(handlers)) {
      app.post(path, async (request, reply) => {
        const raw = typeof request.body === 'string' ? request.body : '';
        const members = rawTopLevelMembers(raw);
        const answer = (account: Account | null, code: string, description: string, biz: Biz | null, signType = 'SHA256', bizAsString = true) =>
          reply.status(200).type('application/json').send(pingPongAnswer(account && { accId: account.accountId, clientId: account.clientId ?? '' }, code, description, biz, { salt: account?.secret.reveal() ?? null, signType, bizAsString }));
        if (!members) return answer(null, PP.invalidParameter, 'the body is not a JSON object', null);
        const envelope = JSON.parse(raw) as Record<string, unknown>;
        const signType = envelope.signType === 'MD5' ? 'MD5' : 'SHA256';
        const bizAsString = typeof envelope.bizContent === 'string';
        const account = await services.merchants.dialectAccount('pingpong', String(envelope.accId ?? ''));
        if (!account || account.clientId !== envelope.clientId) return answer(null, PP.authenticationFailed, 'unknown accId, or clientId does not match it', null, signType, bizAsString);
        // Every signed value is a string; an object bizContent is signed over its raw JSON text.
        const fields: Record<string, string> = {};
        for (const [key, value] of Object.entries(envelope)) {
          if (key === 'bizContent') fields[key] = bizAsString ? String(value) : (members.get('bizContent') ?? '');
          else if (value !== null && value !== undefined) fields[key] = typeof value === 'string' ? value : (members.get(key) ?? '');
        }
        if (!verifyPingPongSignature(fields, envelope.sign, account.secret.reveal(), signType)) return answer(account, PP.invalidSignature, 'invalid signature', null, signType, bizAsString);
        let biz: Biz;
        try {
          biz = bizAsString ? (JSON.parse(String(envelope.bizContent)) as Biz) : (envelope.bizContent as Biz);
          if (!biz || typeof biz !== 'object' || Array.isArray(biz)) throw new Error('not an object');
        } catch {
          return answer(account, PP.invalidParameter, 'bizContent must be a JSON object', null, signType, bizAsString);
        }
        try {
          const result = await handle(account, biz);
          return answer(account, result.code, result.description, result.biz, signType, bizAsString);
        } catch (error) {
          const { code, description } = translateToPingPong(error);
          if (code === PP.internal) request.log.error({ err: error }, 'PingPong handler failed');
          return answer(account, code, description, null, signType, bizAsString);
        }
      });
    }

    async function unifiedPay(account: Account, biz: Biz) {
      const method = METHODS[String(biz.paymentMethod?.type ?? '')];
      if (!method) throw new PingPongError(PP.invalidParameter, `paymentMethod.type must be one of ${Object.keys(METHODS).join(', ')}`);
      const currency = String(biz.currency ?? '');
      if (!isCurrency(currency) || !method.currencies.includes(currency)) throw new PingPongError(PP.invalidCurrency, `${biz.paymentMethod.type} accepts ${method.currencies.join(' or ')}`);
      const delay = biz.captureDelayHours ?? 0;
      if (delay !== 0 && delay !== '0') throw new PingPongError(PP.invalidParameter, 'captureDelayHours must be 0: in-store wallet payments are captured at once (manual capture, -1, is not offered)');
      const merchantTransactionId = text(biz, 'merchantTransactionId', 64);
      const requestId = text(biz, 'requestId', 64);
      const common = {
        amount: parseDecimalAmountValue(biz.amount, currency),
        currency,
        merchantOrderId: merchantTransactionId,
        description: typeof biz.goodsName === 'string' ? biz.goodsName : null,
        notifyUrl: typeof biz.notificationUrl === 'string' && /^https?:\/\//.test(biz.notificationUrl) ? biz.notificationUrl : null,
        dialect: 'pingpong',
        dialectData: { requestId, method: biz.paymentMethod.type, cashierDeviceId: biz.cashierDeviceId, remark: remark(biz, 255) },
      };
      const idempotencyKey = `pingpong:${requestId}`;
      // A scanned code makes it a barcode payment; cashierDeviceId alone (seed 001) makes a QR order.
      const scanned = biz.paymentMethod.scanCodeId !== undefined && biz.paymentMethod.scanCodeId !== null && biz.paymentMethod.scanCodeId !== '';
      if (!scanned && biz.cashierDeviceId !== undefined) {
        const expiresInS = biz.timeExpire === undefined ? undefined : services.qrPayments.checkExpiry(await secondsUntilClosing(account, merchantTransactionId, biz.timeExpire), 'timeExpire');
        const payment = await services.qrPayments.createQrPayment(account, { ...common, wallet: method.wallet, expiresInS }, { idempotencyKey });
        return paymentResult(payment);
      }
      const barcode = text(biz.paymentMethod, 'scanCodeId', 32);
      if (detectWallet(barcode) !== method.wallet) throw new PingPongError(PP.invalidParameter, `scanCodeId is not a ${biz.paymentMethod.type} payment code`);
      const payment = await services.payments.createBarcodePayment(account, { ...common, barcode }, { idempotencyKey, waitMs: WAIT_MS });
      return paymentResult(payment);
    }

    /**
     * `timeExpire` is the closing time in Unix seconds; the QR service takes seconds from the order's
     * creation. A retry of an order already made with that closing time keeps the original figure, so the
     * same request repeats its result instead of differing by the seconds that passed.
     */
    async function secondsUntilClosing(account: Account, merchantTransactionId: string, timeExpire: unknown): Promise<number> {
      const text = typeof timeExpire === 'number' ? String(timeExpire) : timeExpire;
      if (typeof text !== 'string' || !/^\d{1,10}$/.test(text)) throw new PingPongError(PP.invalidParameter, 'timeExpire must be a Unix timestamp in seconds');
      const closingMs = Number(text) * 1000;
      const existing = await services.payments.findByMerchantOrderId(account, merchantTransactionId);
      if (existing?.expires_at && Math.abs(Date.parse(existing.expires_at) - closingMs) < 1000) {
        return (Date.parse(existing.expires_at) - Date.parse(existing.created_at)) / 1000;
      }
      return Math.ceil((closingMs - Date.now()) / 1000);
    }

    async function findPayment(account: Account, biz: Biz): Promise<PaymentRow> {
      const byId = typeof biz.transactionId === 'string' ? await services.payments.findPayment(account, biz.transactionId) : null;
      const payment = byId ?? (typeof biz.merchantTransactionId === 'string' ? await services.payments.findByMerchantOrderId(account, biz.merchantTransactionId) : null);
      if (!payment) throw new PingPongError(PP.notFound, 'transaction does not exist');
      return payment;
    }

    async function query(account: Account, biz: Biz) {
      if (biz.transactionId === undefined && biz.merchantTransactionId === undefined) throw new PingPongError(PP.invalidParameter, 'send transactionId or merchantTransactionId');
      return paymentResult(await findPayment(account, biz));
    }

    async function refund(account: Account, biz: Biz) {
      const payment = await findPayment(account, biz).catch(() => {
        throw new PingPongError(PP.originalNotFound, 'original transaction does not exist');
      });
      if (biz.currency !== undefined && biz.currency !== payment.currency) throw new PingPongError(PP.invalidCurrency, `the transaction is in ${payment.currency}`);
      const merchantRefundId = text(biz, 'merchantRefundId', 64);
      const amount = biz.amount === undefined ? undefined : parseDecimalAmountValue(biz.amount, payment.currency as Currency);
      const result = await services.refunds.createRefund(
        account,
        payment.id,
        {
          amount,
          merchantRefundId: `pingpong:${merchantRefundId}`,
          notifyUrl: typeof biz.notificationUrl === 'string' && /^https?:\/\//.test(biz.notificationUrl) ? biz.notificationUrl : null,
          dialect: 'pingpong',
          dialectData: { merchantRefundId, cashierDeviceId: biz.cashierDeviceId, remark: remark(biz, 32) },
        },
        { waitMs: WAIT_MS },
      );
      return refundResult(result, payment, merchantRefundId);
    }

    async function refundQuery(account: Account, biz: Biz) {
      let row: RefundRow | null;
      if (typeof biz.refundId === 'string') row = await services.refunds.findRefund(account, biz.refundId);
      else if (typeof biz.merchantRefundId === 'string') row = await services.refunds.findByMerchantRefundId(account, `pingpong:${biz.merchantRefundId}`);
      else throw new PingPongError(PP.invalidParameter, 'send refundId, or merchantRefundId with merchantTransactionId');
      if (!row) throw new PingPongError(PP.notFound, 'refund does not exist');
      const payment = (await services.payments.findPayment(account, row.payment_id))!;
      return refundResult(row, payment, row.merchant_refund_id?.replace(/^pingpong:/, '') ?? '');
    }
  };

function text(object: Biz | undefined, name: string, max: number): string {
  const value = object?.[name];
  if (typeof value !== 'string' || value === '' || value.length > max) throw new PingPongError(PP.invalidParameter, `${name} is required (text of at most ${max} characters)`);
  return value;
}

/** The merchant's extension field, echoed as sent (PingPong: string(255) on payments, string(32) on refunds). */
function remark(biz: Biz, max: number): string | undefined {
  if (biz.remark === undefined || biz.remark === null || biz.remark === '') return undefined;
  if (typeof biz.remark !== 'string' || biz.remark.length > max) throw new PingPongError(PP.invalidParameter, `remark must be text of at most ${max} characters`);
  return biz.remark;
}
