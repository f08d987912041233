import type { Insertable, Kysely } from 'kysely';
import { type WalletCallRecord, newId } from '@counterpay/core';
import type { Database, WalletCallTable } from '@counterpay/db';

/** Rows written by one INSERT at most (13 columns each, well under SQLite's variable limit). */
const MAX_ROWS_PER_INSERT = 500;

interface Waiting {
  rows: Insertable<WalletCallTable>[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The wallet-call log: every HTTP request a connector made, with the instance that made it. Records
 * made in the same turn of the event loop are written together (a group commit): under load, one
 * commit for many payments' calls instead of one each. `record` resolves once its rows are committed.
 */
export class WalletCallRepository {
  readonly #db: Kysely<Database>;
  #waiting: Waiting[] = [];

  constructor(
    db: Kysely<Database>,
    private readonly instanceId: string,
  ) {
    this.#db = db;
  }

  record(merchantId: string, ref: { paymentId?: string; refundId?: string }, calls: readonly WalletCallRecord[]): Promise<void> {
    if (calls.length === 0) return Promise.resolve();
    const end = Date.now();
    const rows = calls.map((call) => ({
      id: newId('walletCall'),
      instance_id: this.instanceId,
      merchant_id: merchantId,
      payment_id: ref.paymentId ?? null,
      refund_id: ref.refundId ?? null,
      wallet: call.wallet,
      method: call.method,
      outcome: call.outcome,
      wallet_code: call.walletCode,
      http_status: call.httpStatus,
      latency_ms: Math.round(call.latencyMs),
      error: call.error,
      created_at: new Date(end - call.latencyMs).toISOString(),
    }));
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ rows, resolve, reject }) === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    const rows = batch.flatMap((w) => w.rows);
    try {
      for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
        await this.#db.insertInto('wallet_calls').values(rows.slice(start, start + MAX_ROWS_PER_INSERT)).execute();
      }
      for (const w of batch) w.resolve();
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
