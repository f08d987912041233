import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { sleep, wechatTime } from '../clock.ts';
import { underFaults } from '../faults.ts';
import { knownCurrency } from '../money.ts';
import { SimTls } from '../certificates/sim-tls.ts';
import { wechatOpenid } from '../buyers.ts';
import type { SimContext } from '../sim-context.ts';
import type { Trade } from '../wallet-book.ts';
import { queryRefunds } from './wechat-refund-query.ts';
import { downloadBill } from '../statements/wechat-downloadbill.ts';
import { type SignType, buildXml, parseXml, wechatSign, wechatVerify } from './wechat-crypto.ts';

type Fields = Record<string, string>;
type Result = { fields: Fields; hold?: boolean };

const ok = (fields: Fields = {}): Result => ({ fields: { result_code: 'SUCCESS', ...fields } });
const bizFail = (err_code: string, err_code_des: string, fields: Fields = {}): Result => ({ fields: { result_code: 'FAIL', err_code, err_code_des, ...fields } });

/** What a /secapi/ call without an accepted client certificate gets (the gateway's connector maps it). */
export const CERTIFICATE_REFUSED = '证书验证失败 (client certificate not accepted)';

/** Who a request is booked to: the merchant itself, or a sub-merchant its partner acts for. */
interface Account {
  mchId: string;
  partner?: string;
}

const PATHS = ['/pay/micropay', '/pay/unifiedorder', '/pay/orderquery', '/secapi/pay/reverse', '/pay/closeorder', '/secapi/pay/refund', '/pay/refundquery'] as const;

/**
 * WeChat Pay v2 (PROTOCOLS.md §5): XML in, XML out; MD5 or HMAC-SHA256 signatures checked on every
 * request and made on every business answer. Over TLS the /secapi/ paths require a client certificate
 * the simulator issued for the request's mch_id (over plain HTTP, for test mode, they do not). A service
 * provider (服务商) signs with its own key and names its sub-merchant in `sub_mch_id` (and optionally
 * `sub_appid`); the trade is the sub-merchant's.
 */
export const wechatApi =
  (sim: SimContext): FastifyPluginAsync =>
  async (app) => {
    // Clients send the XML under all sorts of content types (or none): read every body as text.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    for (const path of PATHS) {
      app.post(path, async (request, reply) => {
        await underFaults(reply, sim.faults.decide('wechat', path), async () => {
          const certificateId = sim.tls ? SimTls.clientCertificateId(request.raw.socket) : null;
          const { body, hold } = answer(sim, path, typeof request.body === 'string' ? request.body : '', certificateId);
          if (hold) await sleep(sim.lostAnswerDelayMs);
          return { contentType: 'text/xml; charset=utf-8', body };
        });
      });
    }
    // The statement answers its text (or gzip), not XML: its own handler.
    app.post('/pay/downloadbill', (request, reply) => downloadBill(sim, request, reply));
  };

function answer(sim: SimContext, path: (typeof PATHS)[number], xml: string, certificateId: string | null): { body: string; hold: boolean } {
  const params = parseXml(xml);
  if (!params) return communicationFail('XML format error');
  if (sim.tls && path.startsWith('/secapi/') && certificateId !== params.mch_id) return communicationFail(CERTIFICATE_REFUSED);
  const merchant = sim.store.merchants.get(params.mch_id ?? '');
  // The texts of WeChat Pay's own answers: the gateway's credential check tells them apart.
  if (!merchant || merchant.wechat.mchId !== params.mch_id) return communicationFail('MCHID不存在 (mch_id is not a registered merchant)');
  if (merchant.wechat.appId !== params.appid) return communicationFail('appid和mch_id不匹配');
  const signType: SignType | null = params.sign_type === undefined || params.sign_type === 'MD5' ? 'MD5' : params.sign_type === 'HMAC-SHA256' ? 'HMAC-SHA256' : null;
  if (!signType || !wechatVerify(params, merchant.wechat.apiKey, signType)) return communicationFail('签名错误');
  const subMchId = params.sub_mch_id;
  const account = accountFor(sim, merchant.wechat.mchId, subMchId);
  // An unknown sub_mch_id and another partner's sub-merchant get the same answer: no acceptance relationship.
  const result = account ? handle(sim, account, path, params) : bizFail('INVALID_REQUEST', '受理关系不存在 (sub_mch_id is not a sub-merchant of this mch_id)');
  const fields: Fields = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: merchant.wechat.appId,
    mch_id: merchant.wechat.mchId,
    ...(subMchId ? { sub_mch_id: subMchId } : {}),
    ...(params.sub_appid ? { sub_appid: params.sub_appid } : {}),
    nonce_str: randomBytes(16).toString('hex'),
    ...result.fields,
  };
  fields.sign = wechatSign(fields, merchant.wechat.apiKey, signType);
  return { body: buildXml(fields), hold: result.hold ?? false };
}

/** The account a request is for: the merchant, or its sub-merchant named in `sub_mch_id`; null if not its. */
function accountFor(sim: SimContext, mchId: string, subMchId: string | undefined): Account | null {
  if (!subMchId) return { mchId };
  return sim.store.subMerchants.get(subMchId)?.partnerMchId === mchId ? { mchId: subMchId, partner: mchId } : null;
}

/** A request the platform could not accept at all: `return_code FAIL`, unsigned, as WeChat does. */
function communicationFail(message: string): { body: string; hold: boolean } {
  return { body: buildXml({ return_code: 'FAIL', return_msg: message }), hold: false };
}

function handle(sim: SimContext, account: Account, path: (typeof PATHS)[number], p: Fields): Result {
  const { mchId } = account;
  const outTradeNo = p.out_trade_no ?? '';
  switch (path) {
    case '/pay/micropay':
      return micropay(sim, account, p);
    case '/pay/unifiedorder': {
      const amount = feeAmount(p.total_fee);
      const currency = p.fee_type ?? 'CNY';
      if (p.trade_type !== 'NATIVE') return bizFail('INVALID_REQUEST', 'only trade_type NATIVE is simulated');
      if (!outTradeNo || amount === null || !knownCurrency(currency)) return bizFail('PARAM_ERROR', 'out_trade_no, total_fee and fee_type are required');
      const result = sim.book.createQrOrder({ wallet: 'wechat', merchant: mchId, ...partnerOf(account), outTradeNo, amount, currency, subject: p.body ?? '', expiresAt: parseWechatTime(p.time_expire), notifyUrl: p.notify_url ?? null });
      if (result.kind === 'inconsistent') return bizFail('OUT_TRADE_NO_USED', 'the order exists with other terms');
      return ok({ trade_type: 'NATIVE', prepay_id: `wx${result.trade.tradeNo}`, code_url: `${sim.baseUrl()}/qr/${result.trade.qrToken}` });
    }
    case '/pay/orderquery': {
      const trade = sim.book.find('wechat', mchId, outTradeNo);
      if (!trade || trade.amount === 0) return bizFail('ORDERNOTEXIST', 'order does not exist');
      const state = tradeState(trade);
      return ok({ ...tradeFields(sim, trade), trade_state: state, trade_state_desc: TRADE_STATE_DESCRIPTIONS[state] });
    }
    case '/secapi/pay/reverse':
      sim.book.cancel('wechat', mchId, outTradeNo);
      return ok({ recall: 'N' });
    case '/pay/closeorder': {
      const trade = sim.book.find('wechat', mchId, outTradeNo);
      if (!trade || trade.amount === 0) return bizFail('ORDERNOTEXIST', 'order does not exist');
      if (sim.book.close(trade) === 'paid') return bizFail('ORDERPAID', 'the order is paid');
      return ok();
    }
    case '/secapi/pay/refund':
      return refund(sim, mchId, p);
    case '/pay/refundquery': {
      const answer = queryRefunds(sim, mchId, p);
      if (answer.kind === 'no_id') return bizFail('PARAM_ERROR', 'one of refund_id, out_refund_no, transaction_id and out_trade_no is required');
      return answer.kind === 'found' ? ok(answer.fields) : bizFail('REFUNDNOTEXIST', 'refund does not exist');
    }
  }
}

function micropay(sim: SimContext, account: Account, p: Fields): Result {
  const amount = feeAmount(p.total_fee);
  const currency = p.fee_type ?? 'CNY';
  if (!p.out_trade_no || !p.auth_code || amount === null || !knownCurrency(currency)) return bizFail('PARAM_ERROR', 'out_trade_no, auth_code, total_fee and fee_type are required');
  const result = sim.book.pay({ wallet: 'wechat', merchant: account.mchId, ...partnerOf(account), outTradeNo: p.out_trade_no, authCode: p.auth_code, amount, currency, subject: p.body ?? '' });
  if (result.kind === 'inconsistent') return bizFail('OUT_TRADE_NO_USED', 'the order exists with other terms');
  const { trade } = result;
  switch (trade.status) {
    case 'paid':
    case 'reversed':
      return { ...ok({ ...tradeFields(sim, trade), trade_type: 'MICROPAY' }), hold: result.holdAnswer };
    case 'waiting':
      return bizFail('USERPAYING', 'the buyer is entering the payment password');
    case 'closed':
      return trade.cancelled ? bizFail('ORDERREVERSED', 'the order was reversed') : bizFail('ORDERCLOSED', 'the order is closed');
    case 'failed':
      if (trade.failure === 'insufficient_balance') return bizFail('NOTENOUGH', 'the buyer\'s balance is not enough');
      if (trade.failure === 'code_expired') return bizFail('AUTHCODEEXPIRE', 'the payment code has expired');
      return bizFail('AUTH_CODE_INVALID', 'the payment code is not valid');
  }
}

function refund(sim: SimContext, mchId: string, p: Fields): Result {
  const trade = sim.book.find('wechat', mchId, p.out_trade_no ?? '');
  if (!trade || trade.amount === 0) return bizFail('ORDERNOTEXIST', 'order does not exist');
  const amount = feeAmount(p.refund_fee);
  if (amount === null || !p.out_refund_no) return bizFail('PARAM_ERROR', 'out_refund_no and refund_fee are required');
  const result = sim.book.refund(trade, p.out_refund_no, amount);
  switch (result.kind) {
    case 'not_paid':
      return bizFail('TRADE_STATE_ERROR', 'the order is not paid');
    case 'exceeds':
      return bizFail('INVALID_REQUEST', 'the refund exceeds what is left to refund');
    case 'inconsistent':
      return bizFail('INVALID_REQUEST', 'this out_refund_no was used with another amount');
    case 'ok':
      return ok({
        transaction_id: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        out_refund_no: result.refund.outRefundNo,
        refund_id: result.refund.refundId,
        refund_fee: String(result.refund.amount),
        total_fee: String(trade.amount),
        cash_fee: String(trade.amount),
      });
  }
}

const partnerOf = (account: Account) => (account.partner ? { partner: account.partner } : {});

/** An order's fields; the buyer and WeChat's transaction number exist only once it was paid. */
function tradeFields(sim: SimContext, trade: Trade): Fields {
  // total_fee is the order's amount as asked; cash_fee what the buyer paid (one unit more under test code 8).
  const order = { out_trade_no: trade.outTradeNo, total_fee: String(trade.askedAmount ?? trade.amount), fee_type: trade.currency };
  const openid = wechatOpenid(sim.store, trade);
  if (trade.paidAt === null) return order;
  return {
    ...order,
    ...(openid ? { openid } : {}),
    transaction_id: trade.tradeNo,
    cash_fee: String(trade.amount),
    bank_type: 'CFT',
    time_end: wechatTime(new Date(trade.paidAt)),
  };
}

type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

const TRADE_STATE_DESCRIPTIONS: Record<TradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销（付款码支付）',
  USERPAYING: '用户支付中（付款码支付）',
  PAYERROR: '支付失败',
};

function tradeState(trade: Trade): TradeState {
  switch (trade.status) {
    case 'paid':
      return trade.refunded > 0 ? 'REFUND' : 'SUCCESS';
    case 'waiting':
      return trade.kind === 'qr' ? 'NOTPAY' : 'USERPAYING';
    case 'failed':
      return 'PAYERROR';
    case 'closed':
      return trade.cancelled ? 'REVOKED' : 'CLOSED';
    case 'reversed':
      return 'REVOKED';
  }
}

function feeAmount(text: string | undefined): number | null {
  return text && /^[1-9]\d{0,12}$/.test(text) ? Number(text) : null;
}

function parseWechatTime(value: string | undefined): number | null {
  const m = value ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(value) : null;
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`) : null;
}
