import type { Wallet, WalletContext } from '@counterpay/core';
import { request, type Dispatcher } from 'undici';
import { agentFor, UnusableClientCertificateError, type TlsClientIdentity } from './tls-agents.ts';
import { describeExchangeFailure, type NotSentCause } from './wallet-http-failures.ts';

/**
 * What one HTTP exchange with a wallet produced, before any protocol reading:
 * - `answer`: a 2xx with its body.
 * - `no_answer`: everything after which we cannot know what the wallet did: a timeout, a connection
 *   dropped after the request was written, a non-2xx status. Connectors turn it into `unknown` (or
 *   `retry`), never into `failed` (PROTOCOLS.md §6).
 * - `not_sent`: the request never left (connection refused, DNS, TLS handshake, an unusable client
 *   certificate): the wallet saw nothing. Connectors turn it into `not_sent`.
 */
export type WalletHttpResult =
  | { kind: 'answer'; httpStatus: number; body: string }
  | { kind: 'no_answer'; httpStatus: number | null; reason: string }
  | { kind: 'not_sent'; cause: NotSentCause; reason: string };

export interface WalletPost {
  url: string;
  body: string;
  contentType: string;
  timeoutMs: number;
  /** Presented in the TLS handshake (WeChat Pay `/secapi/`); never sent on plain HTTP. */
  clientIdentity?: TlsClientIdentity;
}

/** POSTs one request; the whole exchange (connect, TLS, headers, body) must finish within `timeoutMs`. */
export async function postToWallet(post: WalletPost): Promise<WalletHttpResult> {
  const signal = AbortSignal.timeout(post.timeoutMs);
  const noAnswerInTime = { kind: 'no_answer', httpStatus: null, reason: `no answer within ${post.timeoutMs} ms` } as const;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(post.url, {
      method: 'POST',
      headers: { 'content-type': post.contentType },
      body: post.body,
      dispatcher: agentFor(post.clientIdentity),
      signal,
      // A redirect from a payment API is not an answer; following it could replay the request elsewhere
      // (undici's request never follows one).
    });
  } catch (error) {
    if (signal.aborted) return noAnswerInTime;
    if (error instanceof UnusableClientCertificateError) return { kind: 'not_sent', cause: 'client_certificate', reason: `TLS: ${error.message}` };
    return describeExchangeFailure(error);
  }
  const httpStatus = response.statusCode;
  if (httpStatus < 200 || httpStatus > 299) {
    await response.body.dump().catch(() => undefined);
    return { kind: 'no_answer', httpStatus, reason: `HTTP ${httpStatus} from the wallet` };
  }
  try {
    return { kind: 'answer', httpStatus, body: await response.body.text() };
  } catch (error) {
    if (signal.aborted) return { ...noAnswerInTime, httpStatus };
    const failure = describeExchangeFailure(error);
    // The status line already came back: whatever broke afterwards, the request was read.
    return { kind: 'no_answer', httpStatus, reason: failure.reason };
  }
}

/** A result once its body is read: `read` turns a 2xx body into an answer; failures pass through as they are. */
export function readWalletResult<A>(
  result: WalletHttpResult,
  read: (body: string) => A,
): { answer: A | Exclude<WalletHttpResult, { kind: 'answer' }>; httpStatus: number | null } {
  switch (result.kind) {
    case 'not_sent':
      return { answer: result, httpStatus: null };
    case 'no_answer':
      return { answer: result, httpStatus: result.httpStatus };
    case 'answer':
      return { answer: read(result.body), httpStatus: result.httpStatus };
  }
}

/** What a connector learnt from one call: the outcome plus what the wallet-call log records beside it. */
export interface CallReport<T extends { kind: string }> {
  outcome: T;
  walletCode: string | null;
  httpStatus: number | null;
  error: string | null;
}

/**
 * Runs one wallet call and reports it to `ctx.onCall` exactly once, with the latency measured around
 * the whole call (signing, HTTP, verification, mapping).
 */
export async function recordedCall<T extends { kind: string }>(
  ctx: WalletContext,
  wallet: Wallet,
  method: string,
  run: () => Promise<CallReport<T>>,
): Promise<T> {
  const started = performance.now();
  const report = await run();
  const latencyMs = performance.now() - started;
  try {
    ctx.onCall?.({
      wallet,
      method,
      outcome: report.outcome.kind,
      walletCode: report.walletCode,
      httpStatus: report.httpStatus,
      latencyMs,
      error: report.error,
    });
  } catch {
    // The call log is bookkeeping: a failing logger must not turn what the wallet said into an exception
    // (a paid payment would then look unanswered).
  }
  return report.outcome;
}
