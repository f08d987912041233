import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { StatementLine, StatementOutcome, WalletContext, WechatCredentials } from '@counterpay/core';
import { parse } from 'csv-parse/sync';
import { columnReader, isStatementDate, parseStatementAmount, parseStatementTime, statementCurrency, StatementFormatError } from '../statement-amounts.ts';
import { fetchStatementBytes } from '../statement-http.ts';
import { recordedCall, type CallReport } from '../wallet-http.ts';
import { wechatBaseUrl } from './wechatpay-exchange.ts';
import { signWechatParams, type WechatSignType } from './wechatpay-sign.ts';
import { buildWechatXml, parseWechatXml } from './wechatpay-xml.ts';

export const DOWNLOAD_BILL = '/pay/downloadbill';

export interface WechatStatementCall {
  credentials: WechatCredentials;
  defaultUrl: string;
  timeoutMs: number;
  signType: WechatSignType;
  /** Ask for the bill gzip-compressed (`tar_type=GZIP`). */
  gzip: boolean;
}

/**
 * WeChat Pay v2 `POST /pay/downloadbill` (`bill_type=ALL`): on success the answer is the bill's text
 * itself (or its gzip), not XML, and carries no signature; a refusal is an unsigned `return_code FAIL`
 * XML. `No Bill Exist` is `not_published`: WeChat answers it both before the day is published (after
 * 9:00 the next morning, China time) and, for good, for a day without trades. The caller tells the two
 * apart by the date (see Connector.downloadStatement).
 */
export async function downloadWechatStatement(ctx: WalletContext, call: WechatStatementCall, date: string): Promise<StatementOutcome> {
  if (!isStatementDate(date)) return { kind: 'failed', walletCode: 'invalid_date', message: `the statement date must be a day YYYY-MM-DD, not "${date}"` };
  return recordedCall(ctx, 'wechat', DOWNLOAD_BILL, async (): Promise<CallReport<StatementOutcome>> => {
    const { credentials } = call;
    const baseUrl = wechatBaseUrl(credentials, call.defaultUrl);
    if (baseUrl === null) return report({ kind: 'not_sent', reason: 'the account endpoint is not a valid URL' }, null);
    const params: Record<string, string> = {
      appid: credentials.appId,
      mch_id: credentials.mchId,
      ...(credentials.subMchId && credentials.subAppId ? { sub_appid: credentials.subAppId } : {}),
      ...(credentials.subMchId ? { sub_mch_id: credentials.subMchId } : {}),
      nonce_str: randomUUID().replaceAll('-', ''),
      sign_type: call.signType,
      bill_date: date.replaceAll('-', ''),
      bill_type: 'ALL',
      ...(call.gzip ? { tar_type: 'GZIP' } : {}),
    };
    params.sign = signWechatParams(params, credentials.apiKey, call.signType);
    const result = await fetchStatementBytes({ url: `${baseUrl}${DOWNLOAD_BILL}`, method: 'POST', body: buildWechatXml(params), contentType: 'text/xml; charset=utf-8', timeoutMs: call.timeoutMs });
    if (result.kind === 'not_sent') return report({ kind: 'not_sent', reason: result.reason }, null);
    if (result.kind === 'no_answer') return report({ kind: 'unknown', reason: result.reason }, result.httpStatus);
    return readBillAnswer(result.bytes, date, result.httpStatus);
  });
}

function report(outcome: StatementOutcome, httpStatus: number | null, walletCode: string | null = null): CallReport<StatementOutcome> {
  const error = outcome.kind === 'unknown' || outcome.kind === 'not_sent' ? outcome.reason : outcome.kind === 'failed' ? outcome.message : null;
  return { outcome, walletCode, httpStatus, error };
}

function readBillAnswer(bytes: Buffer, date: string, httpStatus: number): CallReport<StatementOutcome> {
  let text: string;
  try {
    // Gzip by its magic number: a refusal comes back as plain XML even when GZIP was asked for.
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    return report({ kind: 'unknown', reason: 'unreadable statement: the gzip data is corrupt' }, httpStatus);
  }
  if (text.trimStart().startsWith('<xml')) return readRefusal(text, httpStatus);
  try {
    return report({ kind: 'published', date, lines: parseWechatBill(text) }, httpStatus, 'SUCCESS');
  } catch (error) {
    if (!(error instanceof StatementFormatError)) throw error;
    return report({ kind: 'unknown', reason: `unreadable statement: ${error.message}` }, httpStatus);
  }
}

function readRefusal(xml: string, httpStatus: number): CallReport<StatementOutcome> {
  const fields = parseWechatXml(xml);
  if (!fields || fields.return_code !== 'FAIL') return report({ kind: 'unknown', reason: 'unreadable answer: neither a bill nor a return_code FAIL' }, httpStatus);
  const message = fields.return_msg ?? '';
  const walletCode = fields.error_code || 'FAIL';
  if (/^no bill exist$/i.test(message.trim())) return report({ kind: 'not_published' }, httpStatus, walletCode);
  if (/SYSTEMERROR|system|busy|timeout|系统|繁忙|超时|creating/i.test(message)) return report({ kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${message}` }, httpStatus, walletCode);
  return report({ kind: 'failed', walletCode, message }, httpStatus, walletCode);
}

/**
 * The bill's text: a header of column names, lines whose every field starts with a backtick, then the
 * summary's names (总交易单数,…) and values, which are not lines. WeChat quotes nothing, so a field may
 * hold a comma (a product name): lines are split where a comma is followed by the next field's backtick
 * (as tenpay reads them), the header and the summary with csv-parse. Columns are found by name.
 */
export function parseWechatBill(text: string): StatementLine[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = csvRow(lines[0] ?? '');
  if (!header.includes('商户订单号')) throw new StatementFormatError('no header line naming 商户订单号');
  const summaryAt = lines.findIndex((line) => line.startsWith('总交易单数'));
  if (summaryAt < 0) throw new StatementFormatError('no summary (总交易单数)');
  const rows = lines.slice(1, summaryAt).map((line) => {
    if (!line.startsWith('`')) throw new StatementFormatError('a bill line does not start with a backtick');
    return line.slice(1).split(',`');
  });
  return rows.map((row) => {
    if (row.length !== header.length) throw new StatementFormatError(`a bill line has ${row.length} fields, the header ${header.length}`);
    return wechatLine(columnReader(header, row));
  });
}

function csvRow(line: string): string[] {
  try {
    return ((parse(line, { bom: true, relax_column_count: true }) as string[][])[0] ?? []).map((name) => name.trim());
  } catch (error) {
    throw new StatementFormatError(`the header is not CSV (${(error as Error).message})`);
  }
}

const present = (value: string) => (value === '' || value === '0' ? undefined : value);

function wechatLine(column: (name: string) => string): StatementLine {
  const currency = statementCurrency(column('货币种类'));
  const status = column('交易状态');
  const base = {
    outTradeNo: column('商户订单号'),
    walletTradeNo: column('微信订单号'),
    currency,
    fee: parseStatementAmount(column('手续费'), currency, '手续费'),
    at: parseStatementTime(column('交易时间'), '交易时间'),
    ...optional('terminalId', present(column('设备号'))),
    ...optional('subMerchantId', present(column('特约商户号'))),
  };
  if (status === 'SUCCESS') return { kind: 'payment', ...base, amount: parseStatementAmount(column('应结订单金额'), currency, '应结订单金额') };
  if (status === 'REFUND' || status === 'REVOKED') {
    return {
      kind: 'refund',
      ...base,
      amount: parseStatementAmount(column('退款金额'), currency, '退款金额'),
      ...optional('outRefundNo', present(column('商户退款单号'))),
      ...optional('walletRefundId', present(column('微信退款单号'))),
    };
  }
  throw new StatementFormatError(`交易状态 "${status}" of order ${base.outTradeNo} is not SUCCESS, REFUND or REVOKED`);
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
