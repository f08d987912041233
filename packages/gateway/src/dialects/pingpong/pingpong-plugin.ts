import type { FastifyPluginAsync } from 'fastify';
import {
  type Currency,
  CounterpayError,
  IdempotencyError,
  NotFoundError,
  StateError,
  type Wallet,
  detectWallet,
  formatDecimalAmount,
  isCurrency,
  parseDecimalAmountValue,
} from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { rawTopLevelMembers } from '../shared/raw-json.ts';
import { readBodiesAsText } from '../shared/raw-bodies.ts';
import { PP, PingPongError, pingPongAnswer, verifyPingPongSignature } from './pingpong-protocol.ts';

type Biz = Record<string, any>;
interface Account {
  merchantId: string;
  accId: string;
  clientId: string;
  salt: string;
}

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
  (services: Services): FastifyPluginAsync =>
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
          reply.status(200).type('application/json').send(pingPongAnswer(account, code, description, biz, { salt: account?.salt ?? null, signType, bizAsString }));
        if (!members) return answer(null, PP.invalidParameter, 'the body is not a JSON object', null);
        const envelope = JSON.parse(raw) as Record<string, unknown>;
        const signType = envelope.signType === 'MD5' ? 'MD5' : 'SHA256';
        const bizAsString = typeof envelope.bizContent === 'string';
        const account = await findAccount(String(envelope.accId ?? ''));
        if (!account || account.clientId !== envelope.clientId) return answer(null, PP.authenticationFailed, 'unknown accId, or clientId does not match it', null, signType, bizAsString);
        // Every signed value is a string; an object bizContent is signed over its raw JSON text.
        const fields: Record<string, string> = {};
        for (const [key, value] of Object.entries(envelope)) {
          if (key === 'bizContent') fields[key] = bizAsString ? String(value) : (members.get('bizContent') ?? '');
          else if (value !== null && value !== undefined) fields[key] = typeof value === 'string' ? value : (members.get(key) ?? '');
        }
        if (!verifyPingPongSignature(fields, envelope.sign, account.salt, signType)) return answer(account, PP.invalidSignature, 'invalid signature', null, signType, bizAsString);
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
          const { code, description } = translate(error);
          if (code === PP.internal) request.log.error({ err: error }, 'PingPong handler failed');
          return answer(account, code, description, null, signType, bizAsString);
        }
      });
    }

    async function findAccount(accId: string): Promise<Account | null> {
      if (!accId) return null;
      const row = await services.store.db.selectFrom('dialect_credentials').selectAll().where('dialect', '=', 'pingpong').where('account_id', '=', accId).executeTakeFirst();
      return row ? { merchantId: row.merchant_id, accId, clientId: row.client_id ?? '', salt: services.box.open(row.secret_ciphertext) } : null;
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
        dialectData: { requestId, method: biz.paymentMethod.type, cashierDeviceId: biz.cashierDeviceId },
      };
      const idempotencyKey = `pingpong:${requestId}`;
      if (biz.cashierDeviceId !== undefined) {
        const minutes = biz.timeExpire === undefined ? undefined : Number(biz.timeExpire);
        if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > 4320)) throw new PingPongError(PP.invalidParameter, 'timeExpire is minutes from 1 to 4320 (3 days)');
        const payment = await services.qrPayments.createQrPayment(account.merchantId, { ...common, wallet: method.wallet, expiresInS: minutes === undefined ? undefined : minutes * 60 }, { idempotencyKey });
        return paymentResult(payment);
      }
      const barcode = text(biz.paymentMethod, 'scanCodeId', 32);
      if (detectWallet(barcode) !== method.wallet) throw new PingPongError(PP.invalidParameter, `scanCodeId is not a ${biz.paymentMethod.type} payment code`);
      const payment = await services.payments.createBarcodePayment(account.merchantId, { ...common, barcode }, { idempotencyKey, waitMs: WAIT_MS });
      return paymentResult(payment);
    }

    async function findPayment(account: Account, biz: Biz): Promise<PaymentRow> {
      const byId = typeof biz.transactionId === 'string' ? await services.store.getPayment(biz.transactionId) : null;
      const payment =
        byId ??
        (typeof biz.merchantTransactionId === 'string'
          ? await services.store.db.selectFrom('payments').selectAll().where('merchant_id', '=', account.merchantId).where('merchant_order_id', '=', biz.merchantTransactionId).executeTakeFirst()
          : undefined);
      if (!payment || payment.merchant_id !== account.merchantId) throw new PingPongError(PP.notFound, 'transaction does not exist');
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
      // 108000: more than the original payment; 108003 (from the service): more than is left of it.
      if (amount !== undefined && amount > payment.amount) throw new PingPongError(PP.refundAboveAmount, 'the refund is above the original amount');
      const result = await services.refunds.createRefund(
        account.merchantId,
        payment.id,
        {
          amount,
          merchantRefundId: `pingpong:${merchantRefundId}`,
          notifyUrl: typeof biz.notificationUrl === 'string' && /^https?:\/\//.test(biz.notificationUrl) ? biz.notificationUrl : null,
          dialect: 'pingpong',
          dialectData: { merchantRefundId, cashierDeviceId: biz.cashierDeviceId },
        },
        { waitMs: WAIT_MS },
      );
      return refundResult(result, payment, merchantRefundId);
    }

    async function refundQuery(account: Account, biz: Biz) {
      let row: RefundRow | undefined;
      if (typeof biz.refundId === 'string') row = (await services.store.getRefund(biz.refundId)) ?? undefined;
      else if (typeof biz.merchantRefundId === 'string') {
        row = await services.store.db.selectFrom('refunds').selectAll().where('merchant_id', '=', account.merchantId).where('merchant_refund_id', '=', `pingpong:${biz.merchantRefundId}`).executeTakeFirst();
      } else throw new PingPongError(PP.invalidParameter, 'send refundId, or merchantRefundId with merchantTransactionId');
      if (!row || row.merchant_id !== account.merchantId) throw new PingPongError(PP.notFound, 'refund does not exist');
      const payment = (await services.store.getPayment(row.payment_id))!;
      return refundResult(row, payment, row.merchant_refund_id?.replace(/^pingpong:/, '') ?? '');
    }
  };

export function paymentResult(payment: PaymentRow) {
  const status = { processing: 'PROCESSING', succeeded: 'SUCCESS', failed: 'FAILED', closed: 'CLOSED' }[payment.status];
  const code = payment.status === 'processing' ? PP.processing : payment.status === 'failed' ? PP.externalError : PP.success;
  const data = JSON.parse(payment.dialect_data) as { requestId?: string; method?: string };
  const biz: Biz = {
    transactionId: payment.id,
    merchantTransactionId: payment.merchant_order_id,
    requestId: data.requestId,
    amount: formatDecimalAmount(payment.amount, payment.currency as Currency),
    currency: payment.currency,
    status,
    paymentMethod: { type: data.method },
    transactionTime: payment.paid_at ?? payment.created_at,
    ...(payment.failure_code ? { resultCode: payment.failure_code, resultDescription: payment.failure_message } : {}),
    ...(payment.flow === 'qr' ? { qrCode: payment.qr_code ?? payment.qr_url, qrUrl: payment.qr_url, qrCodeExpired: payment.expires_at } : {}),
  };
  return { code, description: status === 'FAILED' ? (payment.failure_message ?? 'failed') : status === 'PROCESSING' ? 'processing' : 'success', biz };
}

export function refundResult(refund: RefundRow, payment: PaymentRow, merchantRefundId: string) {
  const status = { processing: 'PROCESSING', succeeded: 'SUCCESS', failed: 'FAILED' }[refund.status];
  const code = refund.status === 'processing' ? PP.processing : refund.status === 'failed' ? PP.externalError : PP.success;
  return {
    code,
    description: status.toLowerCase(),
    biz: {
      refundId: refund.id,
      merchantRefundId,
      transactionId: payment.id,
      merchantTransactionId: payment.merchant_order_id,
      amount: formatDecimalAmount(refund.amount, refund.currency as Currency),
      currency: refund.currency,
      status,
      refundTime: refund.succeeded_at ?? refund.created_at,
    },
  };
}

function translate(error: unknown): { code: string; description: string } {
  if (error instanceof PingPongError) return { code: error.code, description: error.message };
  if (error instanceof IdempotencyError) return { code: PP.duplicate, description: error.message };
  if (error instanceof NotFoundError) return { code: PP.notFound, description: error.message };
  if (error instanceof StateError) {
    if (error.code === 'refund_exceeds_payment' || error.code === 'payment_fully_refunded') return { code: PP.refundAboveBalance, description: error.message };
    if (error.code === 'refund_window_expired') return { code: PP.refundOutOfTime, description: error.message };
    return { code: PP.invalidParameter, description: error.message };
  }
  if (error instanceof CounterpayError && error.statusCode < 500) {
    if (error.code === 'invalid_currency') return { code: PP.invalidCurrency, description: error.message };
    return { code: PP.invalidParameter, description: error.param ? `${error.param}: ${error.message}` : error.message };
  }
  if (error instanceof CounterpayError) return { code: PP.externalTimeout, description: error.message };
  return { code: PP.internal, description: 'internal error' };
}

function text(object: Biz | undefined, name: string, max: number): string {
  const value = object?.[name];
  if (typeof value !== 'string' || value === '' || value.length > max) throw new PingPongError(PP.invalidParameter, `${name} is required (text of at most ${max} characters)`);
  return value;
}
