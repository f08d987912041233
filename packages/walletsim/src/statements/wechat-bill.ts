import { wechatTime } from '../clock.ts';
import { minorToDecimal } from '../money.ts';
import { formatFeeRate } from './fees.ts';
import type { StatementEntry } from './statement-day.ts';

/**
 * WeChat Pay v2 `downloadbill`'s text (pay.weixin.qq.com 对账单 / QuickPay chapter8_6): a header line of
 * column names, one line per payment or refund with every field prefixed by a backtick (so spreadsheets
 * keep ids as text), then the summary's names and its values (also backticked). Amounts in yuan (the
 * currency's major unit). The columns depend on `bill_type`; the ALL set is the service provider's
 * (特约商户号 present, empty for a merchant's own trades).
 */
export type WechatBillType = 'ALL' | 'SUCCESS' | 'REFUND';

const ORDER_COLUMNS = ['交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行', '货币种类', '应结订单金额', '代金券金额'];
const COLUMNS: Record<WechatBillType, string[]> = {
  ALL: [...ORDER_COLUMNS, '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注'],
  SUCCESS: [...ORDER_COLUMNS, '商品名称', '商户数据包', '手续费', '费率', '订单金额', '费率备注'],
  REFUND: [...ORDER_COLUMNS, '退款申请时间', '退款成功时间', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注'],
};
const SUMMARY_COLUMNS = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'];

export interface WechatBillAccount {
  appId: string;
  /** The mch_id the trade is booked to: the merchant, or the partner of a sub-merchant's trade. */
  mchIdOf(trade: StatementEntry['trade']): string;
  feeRatePpm: number;
}

/** The bill's lines for `bill_type`; empty when the day has nothing of that type (then: No Bill Exist). */
export function wechatBillEntries(entries: StatementEntry[], billType: WechatBillType): StatementEntry[] {
  if (billType === 'SUCCESS') return entries.filter((e) => e.kind === 'payment');
  if (billType === 'REFUND') return entries.filter((e) => e.kind === 'refund');
  return entries;
}

export function wechatBillText(entries: StatementEntry[], billType: WechatBillType, account: WechatBillAccount): string {
  const columns = COLUMNS[billType];
  const totals = { settled: 0n, refunded: 0n, fees: 0n, ordered: 0n, requested: 0n };
  // Sums are in minor units; they are shown in the currency of the day's first line (one currency per merchant).
  const currency = entries[0]?.trade.currency ?? 'CNY';
  const lines = entries.map((entry) => {
    const values = lineValues(entry, account);
    totals.settled += BigInt(entry.kind === 'payment' ? entry.amount : 0);
    totals.refunded += BigInt(entry.kind === 'refund' ? entry.amount : 0);
    totals.requested += BigInt(entry.kind === 'refund' ? entry.amount : 0);
    totals.ordered += BigInt(entry.kind === 'payment' ? entry.amount : 0);
    totals.fees += BigInt(entry.fee);
    return columns.map((column) => `\`${values[column] ?? ''}`).join(',');
  });
  const money = (minor: bigint) => signedDecimal(minor, currency);
  const summary = [String(entries.length), money(totals.settled), money(totals.refunded), money(0n), money(totals.fees), money(totals.ordered), money(totals.requested)];
  return `${[columns.join(','), ...lines, SUMMARY_COLUMNS.join(','), summary.map((v) => `\`${v}`).join(',')].join('\r\n')}\r\n`;
}

function lineValues(entry: StatementEntry, account: WechatBillAccount): Record<string, string> {
  const { trade } = entry;
  const money = (minor: number) => signedDecimal(BigInt(minor), trade.currency);
  const refund = entry.kind === 'refund';
  const time = (ms: number) => formatTime(ms);
  return {
    交易时间: time(entry.at),
    公众账号ID: account.appId,
    商户号: account.mchIdOf(trade),
    特约商户号: trade.partner ? trade.merchant : '0', // '0' for none, as WeChat's sample bill shows it
    设备号: '',
    微信订单号: trade.tradeNo,
    商户订单号: trade.outTradeNo,
    用户标识: '',
    交易类型: trade.kind === 'qr' ? 'NATIVE' : 'MICROPAY',
    交易状态: refund ? 'REFUND' : 'SUCCESS',
    付款银行: 'CFT',
    货币种类: trade.currency,
    应结订单金额: refund ? money(0) : money(entry.amount),
    代金券金额: money(0),
    退款申请时间: refund ? time(entry.at) : '',
    退款成功时间: refund ? time(entry.at) : '',
    微信退款单号: refund ? (entry.refund?.refundId ?? `R${trade.tradeNo}`) : '0',
    商户退款单号: refund ? (entry.refund?.outRefundNo ?? '') : '0',
    退款金额: refund ? money(entry.amount) : money(0),
    充值券退款金额: money(0),
    退款类型: refund ? 'ORIGINAL' : '',
    退款状态: refund ? 'SUCCESS' : '',
    商品名称: trade.subject,
    商户数据包: '',
    手续费: money(entry.fee),
    费率: formatFeeRate(account.feeRatePpm),
    订单金额: refund ? money(0) : money(entry.amount),
    申请退款金额: refund ? money(entry.amount) : money(0),
    费率备注: '',
  };
}

/** `2024-05-13 17:49:20`, China time, as the bill shows it. */
function formatTime(ms: number): string {
  const t = wechatTime(new Date(ms));
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;
}

/** Minor units → `-0.06`, `12.30`, `1200` (JPY). */
export function signedDecimal(minor: bigint, currency: string): string {
  const negative = minor < 0n;
  const text = minorToDecimal(Number(negative ? -minor : minor), currency);
  return negative ? `-${text}` : text;
}
