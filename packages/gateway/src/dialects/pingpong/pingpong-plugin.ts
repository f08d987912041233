import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import { type Currency, type PaymentStatus, type Wallet, detectWallet, isCurrency, isProcessing, parseDecimalAmountValue } from '@counterpay/core';
import type { DialectAccount } from '../../merchants/merchant-service.ts';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { translateToPingPong } from './pingpong-errors.ts';
import { merchantTransactionIdOf, paymentResult, refundResult } from './pingpong-results.ts';
import { rawTopLevelMembers } from '../shared/raw-json.ts';
import { readBodiesAsText } from '../shared/raw-bodies.ts';
import { PP, PingPongError, pingPongAnswer, verifyPingPongSignature } from './pingpong-protocol.ts';

type Biz = Record<string, any>;
/** A PingPong account (accId) of a merchant, in one mode, with its salt. */
type Account = DialectAccount;

/** The services the PingPong dialect uses. */
export type PingPongServices = Pick<Services, 'config' | 'merchants' | 'payments' | 'qrPayments' | 'refunds'>;

/** Payment methods, their wallet and the currencies each accepts (PROTOCOLS.md §1). */
const METHODS: Record<string, { wallet: Wallet; currencies: Currency[] }> = {
  'Wechat-Offline': { wallet: 'wechat', currencies: ['CNY', 'HKD'] },
  'AlipayCN-Offline': { wallet: 'alipay', currencies: ['CNY'] },
  'AlipayHK-Offline': { wallet: 'alipay', currencies: ['HKD'] },
};
const WAIT_MS = 5000;
/** Where a QR order's code is served as an image: PingPong's `qrUrl` is "the URL of the QR code image". */
const QR_IMAGE_PATH = '/v4/qr/';

/**
 * PingPong v4 (seeds 000, 001): signed envelopes with `bizContent` as a string or an object, decimal
 * amounts parsed exactly, PingPong's codes and statuses; always HTTP 200 with a code, as PingPong does.
 */
export const pingPongPlugin =
  (services: PingPongServices): FastifyPluginAsync =>
  async (app) => {
    readBodiesAsText(app);
    const qrImageUrl = (payment: PaymentRow) => `${services.config.publicUrl}${QR_IMAGE_PATH}${payment.id}.png`;
    const result = (payment: PaymentRow) => paymentResult(payment, qrImageUrl(payment));

    // `qrUrl`: the code as a PNG a register can show as it is. The payment id is the capability, as for
    // the code's own page (`/q/:id`), which shows the same content to anyone who scans it.
    app.get<{ Params: { file: string } }>(`${QR_IMAGE_PATH}:file`, { schema: { hide: true } }, async (request, reply) => {
      const id = /^(pay_[A-Za-z0-9]+)\.png$/.exec(request.params.file)?.[1];
      const payment = id ? await services.qrPayments.findForQrPage(id) : null;
      const content = payment?.flow === 'qr' && payment.dialect === 'pingpong' ? (payment.qr_code ?? payment.qr_url) : null;
      if (!payment || !content) return reply.status(404).type('text/plain').send('no such QR code');
      if (!isProcessing(payment.status)) return reply.status(410).type('text/plain').send('this QR code is no longer valid');
      return reply.type('image/png').header('cache-control', 'no-store').send(await QRCode.toBuffer(content, { type: 'png', margin: 2, width: 320 }));
    });

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
      const amount = parseDecimalAmountValue(biz.amount, currency);
      const dialectData = { requestId, merchantTransactionId, method: biz.paymentMethod.type, cashierDeviceId: biz.cashierDeviceId, remark: remark(biz, 255) };
      const common = {
        amount,
        currency,
        merchantOrderId: await attemptOrderId(account, merchantTransactionId, requestId),
        description: typeof biz.goodsName === 'string' ? biz.goodsName : null,
        notifyUrl: typeof biz.notificationUrl === 'string' && /^https?:\/\//.test(biz.notificationUrl) ? biz.notificationUrl : null,
        dialect: 'pingpong',
        dialectData,
      };
      const idempotencyKey = `pingpong:${requestId}`;
      // A scanned code makes it a barcode payment; cashierDeviceId alone (seed 001) makes a QR order.
      const scanned = biz.paymentMethod.scanCodeId !== undefined && biz.paymentMethod.scanCodeId !== null && biz.paymentMethod.scanCodeId !== '';
      if (!scanned && biz.cashierDeviceId !== undefined) {
        const expiresInS = biz.timeExpire === undefined ? undefined : services.qrPayments.checkExpiry(await secondsUntilClosing(account, common.merchantOrderId, biz.timeExpire), 'timeExpire');
        const payment = await services.qrPayments.createQrPayment(account, { ...common, wallet: method.wallet, expiresInS }, { idempotencyKey });
        return result(payment);
      }
      const barcode = text(biz.paymentMethod, 'scanCodeId', 32);
      if (detectWallet(barcode) !== method.wallet) throw new PingPongError(PP.invalidParameter, `scanCodeId is not a ${biz.paymentMethod.type} payment code`);
      const payment = await services.payments.createBarcodePayment(account, { ...common, barcode }, { idempotencyKey, waitMs: WAIT_MS });
      return result(payment);
    }

    /**
     * A merchant order's payments, oldest first, and the first free attempt number. PingPong lets a
     * FAILED order be paid again with a new requestId ("For the same payment order, it is allowed to
     * continue initiating payment requests until it is successfully paid"; FAILED: "the user can retry
     * the payment"), while counterpay keeps one payment per merchant_order_id. So attempt n of order X is
     * the native order `X` (n = 1) or `X#n`, and answers name X (kept in dialect_data). Rows are never
     * deleted and an attempt takes the first free number, so a gap ends the search; a number taken by
     * another order (a merchant whose own order id is `X#2`) is skipped.
     */
    async function orderAttempts(account: Account, merchantTransactionId: string): Promise<{ attempts: PaymentRow[]; free: number }> {
      const attempts: PaymentRow[] = [];
      for (let n = 1; n <= MAX_ATTEMPTS; n++) {
        const row = await services.payments.findByMerchantOrderId(account, nativeOrderId(merchantTransactionId, n));
        if (!row) return { attempts, free: n };
        if (merchantTransactionIdOf(row) === merchantTransactionId) attempts.push(row);
      }
      throw new PingPongError(PP.duplicate, `merchantTransactionId ${merchantTransactionId} has been tried ${MAX_ATTEMPTS} times; use a new one`);
    }

    /**
     * The native order id this request pays: its own attempt again when the requestId was seen (a retry
     * repeats its result), a new attempt when the order's last payment FAILED, else the order's payment
     * (the same content answers it; other content is a duplicate, 107000).
     */
    async function attemptOrderId(account: Account, merchantTransactionId: string, requestId: string): Promise<string> {
      const { attempts, free } = await orderAttempts(account, merchantTransactionId);
      const retried = attempts.find((row) => (JSON.parse(row.dialect_data) as { requestId?: unknown }).requestId === requestId);
      if (retried) return retried.merchant_order_id;
      const latest = attempts.at(-1);
      if (!latest) return nativeOrderId(merchantTransactionId, free);
      return MAY_PAY_AGAIN[latest.status] ? nativeOrderId(merchantTransactionId, free) : latest.merchant_order_id;
    }

    /**
     * `timeExpire` is the closing time in Unix seconds; the QR service takes seconds from the order's
     * creation. A retry of an order already made with that closing time keeps the original figure, so the
     * same request repeats its result instead of differing by the seconds that passed.
     */
    async function secondsUntilClosing(account: Account, nativeOrder: string, timeExpire: unknown): Promise<number> {
      const text = typeof timeExpire === 'number' ? String(timeExpire) : timeExpire;
      if (typeof text !== 'string' || !/^\d{1,10}$/.test(text)) throw new PingPongError(PP.invalidParameter, 'timeExpire must be a Unix timestamp in seconds');
      const closingMs = Number(text) * 1000;
      const existing = await services.payments.findByMerchantOrderId(account, nativeOrder);
      if (existing?.expires_at && Math.abs(Date.parse(existing.expires_at) - closingMs) < 1000) {
        return (Date.parse(existing.expires_at) - Date.parse(existing.created_at)) / 1000;
      }
      return Math.ceil((closingMs - Date.now()) / 1000);
    }

    async function findPayment(account: Account, biz: Biz): Promise<PaymentRow> {
      const byId = typeof biz.transactionId === 'string' ? await services.payments.findPayment(account, biz.transactionId) : null;
      // By the merchant's order id: its latest attempt (only a FAILED one is followed by another).
      const payment = byId ?? (typeof biz.merchantTransactionId === 'string' ? ((await orderAttempts(account, biz.merchantTransactionId)).attempts.at(-1) ?? null) : null);
      if (!payment) throw new PingPongError(PP.notFound, 'transaction does not exist');
      return payment;
    }

    async function query(account: Account, biz: Biz) {
      if (biz.transactionId === undefined && biz.merchantTransactionId === undefined) throw new PingPongError(PP.invalidParameter, 'send transactionId or merchantTransactionId');
      return result(await findPayment(account, biz));
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

const MAX_ATTEMPTS = 100;

/** Which of an order's outcomes PingPong lets a new requestId pay again: only FAILED ("the user can retry"). */
const MAY_PAY_AGAIN: Record<PaymentStatus, boolean> = { processing: false, succeeded: false, failed: true, closed: false };

/** Attempt n of a merchant order as a native order id: the merchant's own id first, then `id#2`, `id#3`… */
function nativeOrderId(merchantTransactionId: string, attempt: number): string {
  return attempt === 1 ? merchantTransactionId : `${merchantTransactionId}#${attempt}`;
}

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
