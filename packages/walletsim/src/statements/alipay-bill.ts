import iconv from 'iconv-lite';
import { strToU8, zipSync } from 'fflate';
import { alipayTime } from '../clock.ts';
import { minorToDecimal } from '../money.ts';
import type { StatementEntry } from './statement-day.ts';

/**
 * Alipay's trade bill (`bill_type=trade`), as `alipay.data.dataservice.bill.downloadurl.query`'s URL
 * serves it: a zip of two GBK-encoded CSV files, `<pid>_<yyyymmdd>_业务明细.csv` and
 * `<pid>_<yyyymmdd>_业务明细(汇总).csv`. The detail file opens with `#` lines (title, account, period
 * and the list's start), has one header row and one row per trade or refund, and closes with `#` lines
 * (end of list, totals, export time). Layout as in Alipay's 对账说明 (opendocs.alipay.com/open/204/106262)
 * and the sample bills merchants publish: values of text columns are followed by a tab (so spreadsheets
 * keep long numbers as text); a refund row repeats the order amount and shows what it took back from the
 * merchant (商家实收) as a negative amount and the fee it returns (服务费) as negative too.
 *
 * Simulator convention: amounts are in the trade's currency; a trade not in CNY names its currency in
 * 备注 (`币种:JPY`), since the domestic bill has no currency column.
 */
export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号', '对方账户',
  '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）', '券核销金额（元）', '券名称',
  '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
];
const TEXT_COLUMNS = new Set(['支付宝交易号', '商户订单号', '业务类型', '商品名称', '门店编号', '门店名称', '操作员', '终端号', '对方账户', '券名称', '退款批次号/请求号']);

export interface AlipayBill {
  /** The zip's name (`<pid>_<yyyymmdd>.csv.zip`) and content. */
  name: string;
  zip: Uint8Array;
}

/** `account`: what the bill names as the account (the app's merchant id); `day`: `YYYY-MM-DD`. */
export function alipayBill(entries: StatementEntry[], account: string, day: string, now = new Date()): AlipayBill {
  const compact = day.replaceAll('-', '');
  const base = `${account}_${compact}`;
  const files = {
    [`${base}_业务明细.csv`]: gbk(detailText(entries, account, day, now)),
    [`${base}_业务明细(汇总).csv`]: gbk(summaryText(entries, account, day, now)),
  };
  return { name: `${base}.csv.zip`, zip: zipSync(files) };
}

function gbk(text: string): Uint8Array {
  return new Uint8Array(iconv.encode(text, 'gbk'));
}

function detailText(entries: StatementEntry[], account: string, day: string, now: Date): string {
  const rows = entries.map((entry) => {
    const values = rowValues(entry);
    return DETAIL_COLUMNS.map((column) => csvField(TEXT_COLUMNS.has(column) ? `${values[column] ?? ''}\t` : (values[column] ?? ''))).join(',');
  });
  const t = totals(entries);
  return lines([
    '#支付宝业务明细查询',
    `#账号：[${account}]`,
    `#起始日期：[${chineseDate(day)} 00:00:00]   终止日期：[${chineseDate(nextDay(day))} 00:00:00]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    DETAIL_COLUMNS.join(','),
    ...rows,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${t.payments}笔，商家实收共${t.received}元，商家优惠共0.00元`,
    `#退款合计：${t.refunds}笔，商家实收退款共${t.refunded}元，商家优惠退款共0.00元`,
    `#导出时间：[${chineseTime(now)}]`,
  ]);
}

function summaryText(entries: StatementEntry[], account: string, day: string, now: Date): string {
  const t = totals(entries);
  const columns = ['门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）', '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）'];
  return lines([
    '#支付宝业务汇总查询',
    `#账号：[${account}]`,
    `#起始日期：[${chineseDate(day)} 00:00:00]   终止日期：[${chineseDate(nextDay(day))} 00:00:00]`,
    '#-----------------------------------------业务汇总列表----------------------------------------',
    columns.join(','),
    ['合计', '', String(t.payments), String(t.refunds), t.ordered, t.net, '0.00', '0.00', '0.00', t.fees, '0.00', t.netAfterFees].join(','),
    '#-----------------------------------------业务汇总列表结束------------------------------------',
    `#导出时间：[${chineseTime(now)}]`,
  ]);
}

function rowValues(entry: StatementEntry): Record<string, string> {
  const { trade } = entry;
  const money = (minor: number) => signed(minor, trade.currency);
  const refund = entry.kind === 'refund';
  return {
    支付宝交易号: trade.tradeNo,
    商户订单号: trade.outTradeNo,
    业务类型: refund ? '退款' : '交易',
    商品名称: trade.subject,
    创建时间: alipayTime(new Date(refund ? entry.at : trade.createdAt)),
    完成时间: alipayTime(new Date(entry.at)),
    对方账户: '',
    '订单金额（元）': money(trade.amount),
    '商家实收（元）': money(refund ? -entry.amount : entry.amount),
    '支付宝红包（元）': '0.00',
    '集分宝（元）': '0.00',
    '支付宝优惠（元）': '0.00',
    '商家优惠（元）': '0.00',
    '券核销金额（元）': '0.00',
    '商家红包消费金额（元）': '0.00',
    '卡消费金额（元）': '0.00',
    '退款批次号/请求号': refund ? (entry.refund?.outRefundNo ?? '') : '',
    '服务费（元）': money(entry.fee),
    '分润（元）': '0.00',
    备注: trade.currency === 'CNY' ? '' : `币种:${trade.currency}`,
  };
}

/** Totals in minor units, shown in CNY decimals (a merchant's bill is in one currency). */
function totals(entries: StatementEntry[]) {
  let received = 0n;
  let refunded = 0n;
  let ordered = 0n;
  let fees = 0n;
  for (const e of entries) {
    if (e.kind === 'payment') {
      received += BigInt(e.amount);
      ordered += BigInt(e.amount);
    } else refunded += BigInt(e.amount);
    fees += BigInt(e.fee);
  }
  const currency = entries[0]?.trade.currency ?? 'CNY';
  const show = (minor: bigint) => signed(Number(minor), currency);
  return {
    payments: entries.filter((e) => e.kind === 'payment').length,
    refunds: entries.filter((e) => e.kind === 'refund').length,
    received: show(received),
    refunded: show(-refunded),
    ordered: show(ordered),
    net: show(received - refunded),
    fees: show(fees),
    netAfterFees: show(received - refunded - fees),
  };
}

function signed(minor: number, currency: string): string {
  return minor < 0 ? `-${minorToDecimal(-minor, currency)}` : minorToDecimal(minor, currency);
}

/** A value with a comma, quote or line break is quoted, as CSV writers do (a subject may hold any text). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const lines = (list: string[]) => `${list.join('\r\n')}\r\n`;

function chineseDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${y}年${m}月${d}日`;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function chineseTime(now: Date): string {
  const [date, time] = alipayTime(now).split(' ');
  return `${chineseDate(date!)} ${time}`;
}
