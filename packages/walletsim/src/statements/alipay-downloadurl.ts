import type { SimContext } from '../sim-context.ts';
import { alipayBill } from './alipay-bill.ts';
import { chinaDay, isFutureDay, statementEntries, validDay } from './statement-day.ts';

type Answer = Record<string, unknown>;

/**
 * `alipay.data.dataservice.bill.downloadurl.query` (`bill_type` trade, `bill_date` `yyyy-MM-dd`): a
 * short-lived `bill_download_url` to the day's zip. Alipay refuses a malformed, current-month-only or
 * future date with `40004` `isv.invalid_arguments` (入参不合法, as merchants report it) and a day it has
 * no bill for with `isp.bill_not_exist` (账单不存在; BILL_NOT_EXIST in Alipay's English docs): here, a
 * day before the app was registered. A day without trades still has a bill (headers and footers only).
 * Real Alipay publishes a day the next morning; the simulator serves today's bill so far.
 */
export function billDownloadUrl(sim: SimContext, appId: string, biz: Record<string, unknown>): Answer {
  const invalid = (why: string): Answer => ({ code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid_arguments', sub_msg: `入参不合法 (${why})` });
  if (biz.bill_type !== 'trade') return invalid('bill_type: only trade is simulated');
  const day = typeof biz.bill_date === 'string' ? validDay(biz.bill_date) : null;
  if (!day) return invalid('bill_date must be a day yyyy-MM-dd');
  if (isFutureDay(day)) return invalid('bill_date is in the future');
  const merchant = sim.store.merchants.get(appId)!;
  if (day < chinaDay(Date.parse(merchant.createdAt))) return { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' };
  const entries = statementEntries(sim, { wallet: 'alipay', merchant: appId, includeSubMerchants: false }, day);
  const bill = alipayBill(entries, appId, day);
  const token = sim.billFiles.add(bill.name, bill.zip);
  const query = new URLSearchParams({ bizType: 'trade', userId: appId, fileType: 'csv.zip', bizDates: day.replaceAll('-', ''), downloadFileName: bill.name, fileId: token });
  return { code: '10000', msg: 'Success', bill_download_url: `${sim.baseUrl()}/downloadBillFile.resource?${query}` };
}

