import {
  type Currency,
  type RefundOutcome,
  type Wallet,
  IdempotencyError,
  NotFoundError,
  StateError,
  assertMinorAmount,
  newId,
  refundableAmount,
} from '@counterpay/core';
import { isUniqueViolation } from '@counterpay/db';
import type { GatewayConfig } from '../config.ts';
import type { RefundRow } from './objects.ts';
import { firstCallBudgetMs } from './payment-service.ts';
import type { PaymentStore } from './payment-store.ts';
import { requestHash } from './request-hash.ts';
import type { WalletGateway } from './wallet-gateway.ts';

export interface RefundInput {
  /** Minor units; omitted = everything still refundable. */
  amount?: number | undefined;
  merchantRefundId?: string | null | undefined;
  reason?: string | null | undefined;
  notifyUrl?: string | null | undefined;
  dialect?: string;
  dialectData?: Record<string, unknown>;
}

const REFUND_WINDOW_MS = 365 * 24 * 3600 * 1000;
/** The refund task's deadline (refunds have no cancel: the resolver keeps asking until it knows). */
const REFUND_RESOLVE_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Refunds, partial and repeated. The sum of succeeded and in-flight refunds never exceeds the amount
 * paid: the check and the insert happen in one transaction holding the payment's row lock (PostgreSQL)
 * or the single writer (SQLite); the wallet call happens after the commit.
 */
export class RefundService {
  constructor(
    private readonly store: PaymentStore,
    private readonly wallets: WalletGateway,
    private readonly config: GatewayConfig,
  ) {}

  async createRefund(merchantId: string, paymentId: string, input: RefundInput, opts: { idempotencyKey?: string | undefined; waitMs: number }): Promise<RefundRow> {
    const startedAt = Date.now();
    if (input.amount !== undefined) assertMinorAmount(input.amount);
    const hash = requestHash({ payment: paymentId, amount: input.amount, merchant_refund_id: input.merchantRefundId, dialect: input.dialect ?? 'native' });
    const retry = await this.findRetry(merchantId, hash, input.merchantRefundId, opts.idempotencyKey);
    if (retry) return this.waitForFinal(retry.id, opts.waitMs);

    const now = new Date();
    const id = newId('refund', now.getTime());
    let refund: RefundRow;
    let wallet: Wallet;
    let totalAmount: number;
    try {
      ({ refund, wallet, totalAmount } = await this.store.db.transaction().execute(async (trx) => {
        const payment = await this.store.lockPayment(trx, paymentId);
        if (!payment || payment.merchant_id !== merchantId) throw new NotFoundError('payment', paymentId, 'payment');
        if (payment.status !== 'succeeded') {
          throw new StateError('payment_not_refundable', `The payment is ${payment.status}; only a succeeded payment can be refunded.`, 'payment');
        }
        if (payment.paid_at && now.getTime() - Date.parse(payment.paid_at) > REFUND_WINDOW_MS) {
          throw new StateError('refund_window_expired', 'Refunds are possible only within 365 days of the payment.', 'payment');
        }
        const reserved = await trx
          .selectFrom('refunds')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
          .where('payment_id', '=', paymentId)
          .where('status', 'in', ['processing', 'succeeded'])
          .executeTakeFirstOrThrow();
        const left = refundableAmount(payment.amount, Number(reserved.total));
        const amount = input.amount ?? left;
        if (left <= 0) throw new StateError('payment_fully_refunded', 'The payment has already been refunded in full.', 'amount');
        if (amount > left) {
          throw new StateError('refund_exceeds_payment', `The refund (${amount}) exceeds what is left to refund (${left}).`, 'amount');
        }
        const row: RefundRow = {
          id,
          payment_id: paymentId,
          merchant_id: merchantId,
          amount,
          currency: payment.currency,
          status: 'processing',
          merchant_refund_id: input.merchantRefundId ?? null,
          reason: input.reason ?? null,
          failure_code: null,
          failure_message: null,
          wallet_refund_id: null,
          dialect: input.dialect ?? 'native',
          dialect_data: JSON.stringify(input.dialectData ?? {}),
          notify_url: input.notifyUrl ?? null,
          request_hash: hash,
          livemode: payment.livemode,
          version: 1,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          succeeded_at: null,
        };
        await trx.insertInto('refunds').values(row).execute();
        if (opts.idempotencyKey) {
          await trx
            .insertInto('idempotency_keys')
            .values({ merchant_id: merchantId, key: opts.idempotencyKey, scope: 'refund.create', request_hash: hash, object_id: id, created_at: now.toISOString() })
            .execute();
        }
        const firstCheck = new Date(now.getTime() + firstCallBudgetMs(this.config));
        await this.store.insertTask(trx, 'refund', id, firstCheck, new Date(now.getTime() + REFUND_RESOLVE_WINDOW_MS), now);
        return { refund: row, wallet: payment.wallet as Wallet, totalAmount: payment.amount };
      }));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.findRetry(merchantId, hash, input.merchantRefundId, opts.idempotencyKey);
      if (!winner) throw error;
      return this.waitForFinal(winner.id, opts.waitMs - (Date.now() - startedAt));
    }

    await this.sendRefund(refund, wallet, totalAmount);
    return this.waitForFinal(id, opts.waitMs - (Date.now() - startedAt));
  }

  /** Sends (or re-sends: the wallet de-duplicates by refund id) a refund and applies the answer. */
  async sendRefund(refund: RefundRow, wallet: Wallet, totalAmount: number): Promise<void> {
    const outcome = await this.wallets.call(refund.merchant_id, wallet, { paymentId: refund.payment_id, refundId: refund.id }, (connector, ctx) =>
      connector.refund(ctx, {
        outTradeNo: refund.payment_id,
        outRefundNo: refund.id,
        refundAmount: refund.amount,
        totalAmount,
        currency: refund.currency as Currency,
        ...(refund.reason ? { reason: refund.reason } : {}),
      }),
    );
    await this.applyRefundOutcome(refund.id, wallet, outcome);
  }

  async applyRefundOutcome(id: string, wallet: Wallet, outcome: RefundOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'succeeded':
        await this.store.transitionRefund(id, 'succeeded', { walletRefundId: outcome.walletRefundId });
        return;
      case 'failed':
        await this.store.transitionRefund(id, 'failed', { failureCode: 'failed_processing', failureMessage: `${outcome.walletCode}: ${outcome.message}` });
        return;
      case 'pending':
      case 'not_found':
      case 'not_sent':
      case 'unknown':
        await this.store.rescheduleTask('refund', id, new Date(Date.now() + this.config.queryIntervalMs[wallet]), {
          error: outcome.kind === 'unknown' || outcome.kind === 'not_sent' ? outcome.reason : null,
          countAttempt: true,
        });
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled refund outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private async findRetry(merchantId: string, hash: string, merchantRefundId?: string | null, idempotencyKey?: string): Promise<RefundRow | null> {
    const keyed = await this.store.objectForIdempotencyKey(merchantId, idempotencyKey, 'refund.create', hash);
    if (keyed) return this.store.getRefund(keyed);
    if (!merchantRefundId) return null;
    const existing = await this.store.db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).where('merchant_refund_id', '=', merchantRefundId).executeTakeFirst();
    if (!existing) return null;
    if (existing.request_hash !== hash) {
      throw new IdempotencyError('duplicate_merchant_refund_id', `A different refund already uses merchant_refund_id ${merchantRefundId}.`, 'merchant_refund_id');
    }
    return existing;
  }

  waitForFinal(id: string, ms: number): Promise<RefundRow> {
    return this.store.waitUntil(id, (i) => this.store.getRefund(i), (row) => row.status !== 'processing', ms, 'refund');
  }

  async getRefund(merchantId: string, id: string): Promise<RefundRow> {
    const row = await this.store.getRefund(id);
    if (!row || row.merchant_id !== merchantId) throw new NotFoundError('refund', id, 'id');
    return row;
  }

  async listRefunds(merchantId: string, paymentId: string): Promise<RefundRow[]> {
    const payment = await this.store.getPayment(paymentId);
    if (!payment || payment.merchant_id !== merchantId) throw new NotFoundError('payment', paymentId, 'id');
    return this.store.db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('id', 'asc').execute();
  }
}
