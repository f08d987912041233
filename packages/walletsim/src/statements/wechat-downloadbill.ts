import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { underFaults } from '../faults.ts';
import type { SimContext } from '../sim-context.ts';
import { buildXml, parseXml, type SignType, wechatVerify } from '../wechat/wechat-crypto.ts';
import { isFutureDay, statementEntries, validDay } from './statement-day.ts';
import { type WechatBillType, wechatBillEntries, wechatBillText } from './wechat-bill.ts';

/**
 * WeChat Pay v2 `POST /pay/downloadbill`: signed XML in; on success the bill's text itself (not XML),
 * gzip-compressed when `tar_type=GZIP`. Every refusal is an unsigned `return_code FAIL` XML with an
 * `error_code`, as WeChat answers them: `No Bill Exist` (20002) for a day without trades of that type
 * (WeChat publishes no empty bill), `invalid bill_date` / `invalid bill_type` / `invalid tar_type, Only
 * GZIP supported` (20001) for bad parameters, a future day among them. The real API publishes a day
 * after 9:00 the next morning; the simulator serves today's bill so far, so tests need not wait.
 *
 * A partner (service provider) without `sub_mch_id` gets its own and all its sub-merchants' trades;
 * with `sub_mch_id`, that sub-merchant's only.
 */
export async function downloadBill(sim: SimContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await underFaults(reply, sim.faults.decide('wechat', '/pay/downloadbill'), async () => {
    const answer = billAnswer(sim, typeof request.body === 'string' ? request.body : '');
    if (answer.kind === 'fail') return { contentType: 'text/xml; charset=utf-8', body: buildXml({ return_code: 'FAIL', return_msg: answer.message, error_code: answer.errorCode }) };
    if (answer.gzip) return { contentType: 'application/octet-stream', body: gzipSync(Buffer.from(answer.text, 'utf8')) };
    return { contentType: 'text/plain; charset=utf-8', body: answer.text };
  });
}

type BillAnswer = { kind: 'bill'; text: string; gzip: boolean } | { kind: 'fail'; message: string; errorCode: string };

const fail = (message: string, errorCode = '20001'): BillAnswer => ({ kind: 'fail', message, errorCode });

function billAnswer(sim: SimContext, xml: string): BillAnswer {
  const params = parseXml(xml);
  if (!params) return fail('XML format error');
  const merchant = sim.store.merchants.get(params.mch_id ?? '');
  if (!merchant || merchant.wechat.mchId !== params.mch_id) return fail('MCHID不存在 (mch_id is not a registered merchant)');
  if (merchant.wechat.appId !== params.appid) return fail('appid和mch_id不匹配');
  const signType: SignType | null = params.sign_type === undefined || params.sign_type === 'MD5' ? 'MD5' : params.sign_type === 'HMAC-SHA256' ? 'HMAC-SHA256' : null;
  if (!signType || !wechatVerify(params, merchant.wechat.apiKey, signType)) return fail('签名错误');
  const subMchId = params.sub_mch_id;
  if (subMchId && sim.store.subMerchants.get(subMchId)?.partnerMchId !== merchant.wechat.mchId) return fail('受理关系不存在 (sub_mch_id is not a sub-merchant of this mch_id)');
  const billType = (params.bill_type ?? 'ALL') as WechatBillType;
  if (!['ALL', 'SUCCESS', 'REFUND'].includes(billType)) return fail('invalid bill_type');
  if (params.tar_type !== undefined && params.tar_type !== 'GZIP') return fail('invalid tar_type, Only GZIP supported');
  const match = /^(\d{4})(\d\d)(\d\d)$/.exec(params.bill_date ?? '');
  const day = match ? validDay(`${match[1]}-${match[2]}-${match[3]}`) : null;
  if (!day || isFutureDay(day)) return fail('invalid bill_date');
  const scope = subMchId ? { wallet: 'wechat' as const, merchant: subMchId, includeSubMerchants: false } : { wallet: 'wechat' as const, merchant: merchant.wechat.mchId, includeSubMerchants: true };
  const entries = wechatBillEntries(statementEntries(sim, scope, day), billType);
  if (entries.length === 0) return fail('No Bill Exist', '20002');
  const text = wechatBillText(entries, billType, {
    appId: merchant.wechat.appId,
    mchIdOf: (trade) => trade.partner ?? trade.merchant,
    feeRatePpm: sim.feeRates.wechat,
  });
  return { kind: 'bill', text, gzip: params.tar_type === 'GZIP' };
}
