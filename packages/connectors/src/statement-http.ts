import { request, type Dispatcher } from 'undici';
import { agentFor } from './tls-agents.ts';
import { describeExchangeFailure } from './wallet-http-failures.ts';
import type { WalletHttpResult } from './wallet-http.ts';

/** The largest statement file read (a busy merchant's day is megabytes; this is a guard, not a quota). */
export const MAX_STATEMENT_BYTES = 256 * 1024 * 1024;

export type StatementHttpResult = { kind: 'answer'; httpStatus: number; bytes: Buffer; contentType: string } | Exclude<WalletHttpResult, { kind: 'answer' }>;

/**
 * One statement exchange whose answer is a file (WeChat Pay's bill text or gzip, Alipay's zip), read as
 * bytes. Same rules as every wallet call (wallet-http.ts): the whole exchange within `timeoutMs`, a
 * redirect or non-2xx is no answer, a failure before the request left is `not_sent`.
 */
export async function fetchStatementBytes(exchange: { url: string; method: 'GET' | 'POST'; body?: string; contentType?: string; timeoutMs: number }): Promise<StatementHttpResult> {
  const signal = AbortSignal.timeout(exchange.timeoutMs);
  const noAnswerInTime = { kind: 'no_answer', httpStatus: null, reason: `no answer within ${exchange.timeoutMs} ms` } as const;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(exchange.url, {
      method: exchange.method,
      ...(exchange.contentType ? { headers: { 'content-type': exchange.contentType } } : {}),
      ...(exchange.body !== undefined ? { body: exchange.body } : {}),
      dispatcher: agentFor(undefined),
      signal,
    });
  } catch (error) {
    if (signal.aborted) return noAnswerInTime;
    return describeExchangeFailure(error);
  }
  const httpStatus = response.statusCode;
  if (httpStatus < 200 || httpStatus > 299) {
    await response.body.dump().catch(() => undefined);
    return { kind: 'no_answer', httpStatus, reason: `HTTP ${httpStatus} from the wallet` };
  }
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_STATEMENT_BYTES) {
        response.body.destroy();
        return { kind: 'no_answer', httpStatus, reason: `the statement is larger than ${MAX_STATEMENT_BYTES} bytes` };
      }
      chunks.push(chunk as Buffer);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    return { kind: 'answer', httpStatus, bytes: Buffer.concat(chunks), contentType };
  } catch (error) {
    if (signal.aborted) return { ...noAnswerInTime, httpStatus };
    return { kind: 'no_answer', httpStatus, reason: describeExchangeFailure(error).reason };
  }
}
