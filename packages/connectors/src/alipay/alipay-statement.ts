import type { AlipayCredentials, StatementLine, StatementOutcome, WalletContext } from '@counterpay/core';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { settle } from '../answer-preamble.ts';
import { columnReader, isStatementDate, parseStatementAmount, parseStatementTime, statementCurrency, StatementFormatError } from '../statement-amounts.ts';
import { fetchStatementBytes } from '../statement-http.ts';
import { recordedCall, type CallReport } from '../wallet-http.ts';
import { alipayAnswerError, alipayPreamble, alipayWalletCode, COMMON_FIELDS, describe, failureWalletCode, message, type AlipayAnswer, type AlipayFields } from './alipay-answer.ts';
import { exchangeWithAlipay } from './alipay-exchange.ts';

export const BILL_DOWNLOADURL_QUERY = 'alipay.data.dataservice.bill.downloadurl.query';
const BILL_URL_FIELDS = [...COMMON_FIELDS, 'bill_download_url'] as const;
type BillUrlResponse = AlipayFields<typeof BILL_URL_FIELDS>;

/** Alipay's "no bill for that day" (BILL_NOT_EXIST in its English docs): not generated yet. */
const BILL_NOT_EXIST = /bill[_.-]?not[_.-]?exist/i;

export interface AlipayStatementCall {
  credentials: AlipayCredentials;
  defaultUrl: string;
  timeoutMs: number;
}

/**
 * Alipay's trade bill of a day: `alipay.data.dataservice.bill.downloadurl.query` (bill_type trade), then
 * the short-lived URL's zip (no signature of its own: the URL came in a verified answer). The zip holds
 * the detail file (`…_业务明细.csv`) and a summary; the detail is GBK, with `#` lines around a CSV.
 * Both steps are logged through `ctx.onCall` (the download as `GET bill_download_url`).
 */
export async function downloadAlipayStatement(ctx: WalletContext, call: AlipayStatementCall, date: string): Promise<StatementOutcome> {
  if (!isStatementDate(date)) return { kind: 'failed', walletCode: 'invalid_date', message: `the statement date must be a day YYYY-MM-DD, not "${date}"` };
  const step = await recordedCall(ctx, 'alipay', BILL_DOWNLOADURL_QUERY, async () => {
    const { answer, httpStatus } = await exchangeWithAlipay({ ...call, method: BILL_DOWNLOADURL_QUERY, bizContent: { bill_type: 'trade', bill_date: date }, fields: BILL_URL_FIELDS });
    const outcome = downloadUrlOutcome(answer);
    return { outcome, walletCode: alipayWalletCode(answer), httpStatus, error: alipayAnswerError(answer) };
  });
  if (step.kind !== 'download') return step;
  return recordedCall(ctx, 'alipay', 'GET bill_download_url', async (): Promise<CallReport<StatementOutcome>> => {
    const result = await fetchStatementBytes({ url: step.url, method: 'GET', timeoutMs: call.timeoutMs });
    if (result.kind === 'not_sent') return { outcome: { kind: 'not_sent', reason: result.reason }, walletCode: null, httpStatus: null, error: result.reason };
    if (result.kind === 'no_answer') return { outcome: { kind: 'unknown', reason: result.reason }, walletCode: null, httpStatus: result.httpStatus, error: result.reason };
    try {
      return { outcome: { kind: 'published', date, lines: parseAlipayBillZip(result.bytes) }, walletCode: null, httpStatus: result.httpStatus, error: null };
    } catch (error) {
      if (!(error instanceof StatementFormatError)) throw error;
      const reason = `unreadable statement: ${error.message}`;
      return { outcome: { kind: 'unknown', reason }, walletCode: null, httpStatus: result.httpStatus, error: reason };
    }
  });
}

type UrlStep = Exclude<StatementOutcome, { kind: 'published' }> | { kind: 'download'; url: string };

/** The one mapping of the download-URL answer. */
export function downloadUrlOutcome(answer: AlipayAnswer<BillUrlResponse>): UrlStep {
  return settle(
    alipayPreamble(answer),
    { unsure: (reason) => ({ kind: 'unknown', reason }), refused: (walletCode, text) => ({ kind: 'failed', walletCode, message: text }) },
    ({ r, result }): UrlStep => {
      if (result.is === 'success') {
        const url = r.bill_download_url;
        if (!url || !/^https?:\/\//.test(url)) return { kind: 'unknown', reason: 'Alipay answered success without a bill_download_url' };
        return { kind: 'download', url };
      }
      if (result.is === 'business_failure' && BILL_NOT_EXIST.test(result.subCode)) return { kind: 'not_published' };
      if (result.is === 'business_failure') return { kind: 'failed', walletCode: failureWalletCode(r), message: message(r) };
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    },
  );
}

/** The zip's detail file (`…_业务明细.csv`, not the `(汇总)` summary), decoded from GBK. */
export function parseAlipayBillZip(zip: Uint8Array): StatementLine[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    throw new StatementFormatError(`not a zip (${(error as Error).message})`);
  }
  // Entry names may be GBK bytes read as Latin-1 by the zip reader; the summary's name is the longer one.
  const names = Object.keys(files).filter((name) => name.toLowerCase().endsWith('.csv'));
  const detail = names.find((name) => name.endsWith('_业务明细.csv')) ?? (names.length === 2 ? [...names].sort((a, b) => a.length - b.length)[0] : undefined);
  if (!detail) throw new StatementFormatError(`no detail file (…_业务明细.csv) among ${names.length} CSV files`);
  return parseAlipayBill(iconv.decode(Buffer.from(files[detail]!), 'gbk'));
}

/**
 * The detail file: `#` lines (title, account, period, list start and end, totals, export time) around a
 * CSV whose header names the columns; values of text columns carry a trailing tab. Amounts in yuan;
 * a refund's 商家实收 and 服务费 are negative. A line not in CNY names its currency in 备注 (`币种:JPY`).
 */
export function parseAlipayBill(text: string): StatementLine[] {
  const body = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .join('\n');
  let rows: string[][];
  try {
    rows = parse(body, { relax_quotes: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new StatementFormatError(`not CSV (${(error as Error).message})`);
  }
  const header = rows[0]?.map((name) => name.trim());
  if (!header?.includes('支付宝交易号')) throw new StatementFormatError('no header naming 支付宝交易号');
  return rows.slice(1).map((row) => alipayLine(columnReader(header, row)));
}

function alipayLine(column: (name: string) => string): StatementLine {
  const currencyNote = /币种[:：]\s*([A-Za-z]{3})/.exec(column('备注'));
  const currency = statementCurrency(currencyNote?.[1] ?? 'CNY');
  const type = column('业务类型');
  const base = {
    outTradeNo: column('商户订单号'),
    walletTradeNo: column('支付宝交易号'),
    currency,
    fee: parseStatementAmount(column('服务费（元）'), currency, '服务费（元）'),
    at: parseStatementTime(column('完成时间'), '完成时间'),
    ...optional('storeId', column('门店编号')),
    ...optional('terminalId', column('终端号')),
  };
  if (type === '交易') return { kind: 'payment', ...base, amount: parseStatementAmount(column('订单金额（元）'), currency, '订单金额（元）') };
  if (type === '退款') {
    const received = parseStatementAmount(column('商家实收（元）'), currency, '商家实收（元）');
    return { kind: 'refund', ...base, amount: -received, ...optional('outRefundNo', column('退款批次号/请求号')) };
  }
  throw new StatementFormatError(`业务类型 "${type}" of order ${base.outTradeNo} is neither 交易 nor 退款`);
}

function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}
