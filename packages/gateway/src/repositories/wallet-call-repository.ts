import type { Kysely } from 'kysely';
import { type WalletCallRecord, newId } from '@counterpay/core';
import type { Database } from '@counterpay/db';

/** The wallet-call log: every HTTP request a connector made, with the instance that made it. */
export class WalletCallRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly instanceId: string,
  ) {
    this.#db = db;
  }

  async record(merchantId: string, ref: { paymentId?: string; refundId?: string }, calls: readonly WalletCallRecord[]): Promise<void> {
    if (calls.length === 0) return;
    const end = Date.now();
    await this.#db
      .insertInto('wallet_calls')
      .values(
        calls.map((call) => ({
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
        })),
      )
      .execute();
  }
}
