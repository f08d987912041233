import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { alipayBuyer, alipayBuyerFields } from '../buyers.ts';
import { alipayTime, sleep } from '../clock.ts';
import { type FaultDecision, underFaults } from '../faults.ts';
import { decimalToMinor, minorToDecimal } from '../money.ts';
import type { SimContext } from '../sim-context.ts';
import type { Trade } from '../wallet-book.ts';
import { billDownloadUrl } from '../statements/alipay-downloadurl.ts';
import { certificateModeRefusal } from './alipay-certificates.ts';
import { rsa2Sign, rsa2Verify, signingString } from './alipay-crypto.ts';

type Biz = Record<string, unknown>;
type Answer = Record<string, unknown>;

const SUCCESS = { code: '10000', msg: 'Success' };
const fail = (sub_code: string, sub_msg: string): Answer => ({ code: '40004', msg: 'Business Failed', sub_code, sub_msg });

/**
 * Alipay open platform gateway (`POST /gateway.do`, PROTOCOLS.md §4). Parameters may come in the query
 * string and the form body (the official SDK splits them); every request's RSA2 signature is checked
 * with the merchant's public key, and every answer — errors included — is signed with the platform key.
 * In certificate mode (the request carries `app_cert_sn` and `alipay_root_cert_sn`) both SNs must name
 * the merchant's certificates, and the answer also carries `alipay_cert_sn`.
 */
export const alipayGateway =
  (sim: SimContext): FastifyPluginAsync =>
  async (app) => {
    app.post('/gateway.do', async (request, reply) => {
      const params: Record<string, string> = { ...(request.query as Record<string, string>), ...((request.body as Record<string, string>) ?? {}) };
      const method = params.method ?? '';
      // The store also finds merchants by WeChat mch_id: only the Alipay app id counts here.
      const found = sim.store.merchants.get(params.app_id ?? '');
      const merchant = found && found.alipay.appId === params.app_id ? found : undefined;
      const responseKey = method ? `${method.replace(/\./g, '_')}_response` : 'error_response';
      const decision = sim.faults.decide('alipay', method);
      // Certificate mode: the answer names the certificate whose key signed it, as Alipay's does.
      const certSn = merchant && params.app_cert_sn !== undefined ? (merchant.alipay.alipayCertSn ?? null) : null;
      const signing = { key: merchant?.alipay.platformPrivateKey ?? sim.fallbackPlatformKey(), responseKey, certSn };
      await respond(reply, decision, signing, sim.lostAnswerDelayMs, () => {
        if (!merchant) return { answer: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数 (unknown app_id)' }, hold: false };
        const refusal = certificateModeRefusal(params, merchant, () => sim.alipayCertificates().rootCertSn);
        if (refusal) return { answer: refusal, hold: false };
        if (!params.sign || !rsa2Verify(signingString(params), params.sign, merchant.alipay.merchantPublicKey)) {
          return { answer: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错 (the request signature does not verify with the app public key)' }, hold: false };
        }
        let biz: Biz;
        try {
          biz = JSON.parse(params.biz_content ?? '{}') as Biz;
        } catch {
          return { answer: fail('ACQ.INVALID_PARAMETER', 'biz_content is not JSON'), hold: false };
        }
        return handle(sim, merchant.alipay.appId, method, biz, params.notify_url ?? null);
      });
    });
  };

async function respond(
  reply: FastifyReply,
  decision: FaultDecision,
  signing: { key: string; responseKey: string; certSn: string | null },
  lostAnswerDelayMs: number,
  process: () => { answer: Answer; hold: boolean },
): Promise<void> {
  await underFaults(reply, decision, async () => {
    const { answer, hold } = process();
    // Test code 6: the trade is committed, but the first answer arrives too late for the caller.
    if (hold) await sleep(lostAnswerDelayMs);
    const text = JSON.stringify(answer);
    const certSn = signing.certSn ? `"alipay_cert_sn":${JSON.stringify(signing.certSn)},` : '';
    return { contentType: 'application/json; charset=utf-8', body: `{"${signing.responseKey}":${text},${certSn}"sign":"${rsa2Sign(text, signing.key)}"}` };
  });
}

function handle(sim: SimContext, appId: string, method: string, biz: Biz, notifyUrl: string | null): { answer: Answer; hold: boolean } {
  const outTradeNo = String(biz.out_trade_no ?? '');
  const none = { hold: false };
  switch (method) {
    case 'alipay.trade.pay':
      return tradePay(sim, appId, biz, notifyUrl);
    case 'alipay.trade.precreate': {
      const currency = String(biz.trans_currency ?? 'CNY');
      const amount = decimalToMinor(String(biz.total_amount ?? ''), currency);
      if (!outTradeNo || amount === null || amount <= 0) return { answer: fail('ACQ.INVALID_PARAMETER', 'out_trade_no and total_amount are required'), ...none };
      const result = sim.book.createQrOrder({ wallet: 'alipay', merchant: appId, outTradeNo, amount, currency, subject: String(biz.subject ?? ''), expiresAt: parseCst(biz.time_expire), notifyUrl });
      if (result.kind === 'inconsistent') return { answer: fail('ACQ.CONTEXT_INCONSISTENT', 'the order exists with other terms'), ...none };
      return { answer: { ...SUCCESS, out_trade_no: outTradeNo, qr_code: `${sim.baseUrl()}/qr/${result.trade.qrToken}` }, ...none };
    }
    case 'alipay.trade.query': {
      const trade = sim.book.find('alipay', appId, outTradeNo);
      if (!trade || trade.amount === 0) return { answer: fail('ACQ.TRADE_NOT_EXIST', 'trade does not exist'), ...none };
      return { answer: { ...SUCCESS, ...tradeFields(sim, trade), trade_status: tradeStatus(trade) }, ...none };
    }
    case 'alipay.trade.cancel': {
      const { action } = sim.book.cancel('alipay', appId, outTradeNo);
      const trade = sim.book.find('alipay', appId, outTradeNo)!;
      return { answer: { ...SUCCESS, out_trade_no: outTradeNo, trade_no: trade.tradeNo, retry_flag: 'N', action }, ...none };
    }
    case 'alipay.trade.close': {
      const trade = sim.book.find('alipay', appId, outTradeNo);
      if (!trade) return { answer: fail('ACQ.TRADE_NOT_EXIST', 'trade does not exist'), ...none };
      if (sim.book.close(trade) === 'paid') return { answer: fail('ACQ.TRADE_STATUS_ERROR', 'the trade is paid'), ...none };
      return { answer: { ...SUCCESS, out_trade_no: outTradeNo, trade_no: trade.tradeNo }, ...none };
    }
    case 'alipay.trade.refund':
      return { answer: tradeRefund(sim, appId, biz), ...none };
    case 'alipay.trade.fastpay.refund.query': {
      const trade = sim.book.find('alipay', appId, outTradeNo);
      const refund = trade && sim.book.findRefund(trade, String(biz.out_request_no ?? ''));
      if (!trade || !refund) return { answer: { ...SUCCESS, out_trade_no: outTradeNo }, ...none };
      return {
        answer: {
          ...SUCCESS,
          out_trade_no: outTradeNo,
          trade_no: trade.tradeNo,
          out_request_no: refund.outRefundNo,
          total_amount: minorToDecimal(trade.amount, trade.currency),
          refund_amount: minorToDecimal(refund.amount, refund.currency),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: alipayTime(new Date(refund.createdAt)),
        },
        ...none,
      };
    }
    case 'alipay.data.dataservice.bill.downloadurl.query':
      return { answer: billDownloadUrl(sim, appId, biz), ...none };
    default:
      return { answer: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: `unknown method ${method}` }, ...none };
  }
}

function tradePay(sim: SimContext, appId: string, biz: Biz, notifyUrl: string | null): { answer: Answer; hold: boolean } {
  const currency = String(biz.trans_currency ?? 'CNY');
  const amount = decimalToMinor(String(biz.total_amount ?? ''), currency);
  const outTradeNo = String(biz.out_trade_no ?? '');
  const authCode = String(biz.auth_code ?? '');
  if (!outTradeNo || amount === null || amount <= 0 || !authCode) {
    return { answer: fail('ACQ.INVALID_PARAMETER', 'out_trade_no, auth_code and a valid total_amount are required'), hold: false };
  }
  const result = sim.book.pay({ wallet: 'alipay', merchant: appId, outTradeNo, authCode, amount, currency, subject: String(biz.subject ?? ''), notifyUrl });
  if (result.kind === 'inconsistent') return { answer: fail('ACQ.CONTEXT_INCONSISTENT', 'the order exists with other terms'), hold: false };
  const { trade } = result;
  switch (trade.status) {
    case 'paid':
    case 'reversed':
      return { answer: { ...SUCCESS, ...tradeFields(sim, trade) }, hold: result.holdAnswer };
    case 'waiting':
      return { answer: { code: '10003', msg: 'Waiting for buyer confirmation', ...tradeFields(sim, trade) }, hold: false };
    case 'closed':
      return { answer: fail('ACQ.TRADE_HAS_CLOSE', 'the trade is closed'), hold: false };
    case 'failed':
      if (trade.failure === 'insufficient_balance') return { answer: fail('ACQ.BUYER_BALANCE_NOT_ENOUGH', 'the buyer\'s balance is not enough'), hold: false };
      if (trade.failure === 'code_expired') return { answer: fail('ACQ.PAYMENT_AUTH_CODE_INVALID', 'the payment code has expired (付款码过期)'), hold: false };
      return { answer: fail('ACQ.PAYMENT_AUTH_CODE_INVALID', 'the payment code is not valid'), hold: false };
  }
}

function tradeRefund(sim: SimContext, appId: string, biz: Biz): Answer {
  const trade = sim.book.find('alipay', appId, String(biz.out_trade_no ?? ''));
  if (!trade || trade.amount === 0) return fail('ACQ.TRADE_NOT_EXIST', 'trade does not exist');
  const amount = decimalToMinor(String(biz.refund_amount ?? ''), trade.currency);
  const outRequestNo = String(biz.out_request_no ?? trade.outTradeNo);
  if (amount === null) return fail('ACQ.INVALID_PARAMETER', 'refund_amount is not a valid amount');
  const result = sim.book.refund(trade, outRequestNo, amount);
  switch (result.kind) {
    case 'not_paid':
      return fail('ACQ.TRADE_STATUS_ERROR', 'the trade is not paid');
    case 'exceeds':
      return fail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'the refund exceeds what is left');
    case 'inconsistent':
      return fail('ACQ.CONTEXT_INCONSISTENT', 'this out_request_no was used with another amount');
    case 'ok': {
      const buyer = alipayBuyer(sim.store, trade);
      return {
        ...SUCCESS,
        out_trade_no: trade.outTradeNo,
        trade_no: trade.tradeNo,
        ...(buyer ? { buyer_logon_id: buyer.logonId, buyer_user_id: buyer.userId } : {}),
        fund_change: 'Y',
        refund_fee: minorToDecimal(trade.refunded, trade.currency),
        refund_currency: trade.currency,
        gmt_refund_pay: alipayTime(new Date(result.refund.createdAt)),
      };
    }
  }
}

function tradeFields(sim: SimContext, trade: Trade): Answer {
  return {
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    ...alipayBuyerFields(sim.store, trade),
    // total_amount is the order's amount as the merchant asked; buyer_pay_amount and receipt_amount are
    // what the wallet took (they differ only under test code 8, a wallet that charges one unit more).
    total_amount: minorToDecimal(trade.askedAmount ?? trade.amount, trade.currency),
    trans_currency: trade.currency,
    ...(trade.paidAt
      ? { gmt_payment: alipayTime(new Date(trade.paidAt)), buyer_pay_amount: minorToDecimal(trade.amount, trade.currency), receipt_amount: minorToDecimal(trade.amount, trade.currency) }
      : {}),
  };
}

function tradeStatus(trade: Trade): string {
  if (trade.status === 'paid') return trade.refunded >= trade.amount ? 'TRADE_CLOSED' : 'TRADE_SUCCESS';
  if (trade.status === 'waiting') return 'WAIT_BUYER_PAY';
  return 'TRADE_CLOSED';
}

/** `yyyy-MM-dd HH:mm:ss` China time → epoch ms; null when absent or malformed. */
function parseCst(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) return null;
  return Date.parse(`${value.replace(' ', 'T')}+08:00`);
}
