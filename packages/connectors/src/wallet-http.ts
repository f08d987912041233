import type { Wallet, WalletContext } from '@counterpay/core';

/**
 * What one HTTP exchange with a wallet produced, before any protocol reading. `no_answer` covers
 * everything after which we cannot know what the wallet did: a timeout, a network error, a non-2xx
 * status. Connectors turn it into `unknown` (or `retry`), never into `failed` (PROTOCOLS.md §6).
 */
export type WalletHttpResult =
  | { kind: 'answer'; httpStatus: number; body: string }
  | { kind: 'no_answer'; httpStatus: number | null; reason: string };

export interface WalletPost {
  url: string;
  body: string;
  contentType: string;
  timeoutMs: number;
}

/** POSTs one request; the whole exchange (connect, headers, body) must finish within `timeoutMs`. */
export async function postToWallet(post: WalletPost): Promise<WalletHttpResult> {
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      headers: { 'content-type': post.contentType },
      body: post.body,
      // A redirect from a payment API is not an answer; following it could replay the request elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
    });
  } catch (error) {
    return { kind: 'no_answer', httpStatus: null, reason: describeFetchError(error, post.timeoutMs) };
  }
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'no_answer', httpStatus: response.status, reason: `HTTP ${response.status} from the wallet` };
  }
  try {
    return { kind: 'answer', httpStatus: response.status, body: await response.text() };
  } catch (error) {
    return { kind: 'no_answer', httpStatus: response.status, reason: describeFetchError(error, post.timeoutMs) };
  }
}

/** A short, key-free description of why no answer arrived (never the request, which carries a signature). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `network error: ${cause.code}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
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
