import { type Currency, IdempotencyError, NotFoundError, type RefundAction, type RefundOutcome, assertMinorAmount, checkRefund, decideRefund, isFinalRefundStatus, newId } from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { assertNotificationUrl } from '../notifications/url-safety.ts';
import type { IdempotencyKeyRepository } from '../repositories/idempotency-keys.ts';
import type { LatePaymentRow } from '../repositories/late-success-repository.ts';
import type { PaymentRepository, PaymentRow } from '../repositories/payment-repository.ts';
import type { RefundRepository, RefundRow } from '../repositories/refund-repository.ts';
import { type MerchantScope, inScope } from '../repositories/scope.ts';
import type { TaskRepository } from '../repositories/task-repository.ts';
import type { ChangeFeed } from './change-feed.ts';
import { firstCallBudgetMs } from './payment-service.ts';
import { objectForIdempotencyKey } from './idempotency.ts';
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

/** The refund task's deadline (refunds have no cancel: the resolver keeps asking until it knows). */
const REFUND_RESOLVE_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Refunds, partial and repeated. Core's refund rules run under the payment's row lock with what its
 * refunds already hold, so the sum of refunds never exceeds the amount paid; the wallet call happens
 * after the commit, and its answer is applied through core's `decideRefund`.
 */
export class RefundService {
  constructor(
    private readonly refunds: RefundRepository,
    private readonly payments: PaymentRepository,
    private readonly tasks: TaskRepository,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
    private readonly wallets: WalletGateway,
    private readonly feed: ChangeFeed,
    private readonly config: GatewayConfig,
    private readonly metrics?: Pick<GatewayMetrics, 'refundFinal'>,
  ) {}

  async createRefund(scope: MerchantScope, paymentId: string, input: RefundInput, opts: { idempotencyKey?: string | undefined; waitMs: number }): Promise<RefundRow> {
    const startedAt = Date.now();
    if (input.amount !== undefined) assertMinorAmount(input.amount);
    const hash = requestHash({ payment: paymentId, amount: input.amount, merchant_refund_id: input.merchantRefundId, dialect: input.dialect ?? 'native' });
    const retry = await this.findRetry(scope, hash, input.merchantRefundId, opts.idempotencyKey);
    if (retry) return this.waitForFinal(retry.id, opts.waitMs);

    const notifyUrl = input.notifyUrl ? assertNotificationUrl(input.notifyUrl, scope.livemode, 'notify_url') : null;
    const payment = await this.payments.getInScope(scope, paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId, 'payment');
    // Credentials before anything is written: a live refund with no connected wallet changes nothing.
    if (payment.wallet) await this.wallets.assertCanCall(scope.merchantId, payment.wallet, scope.livemode, 'refund');

    const now = new Date();
    const id = newId('refund', now.getTime());
    const created = await this.refunds.insertNew(
      paymentId,
      (locked, reserved) => {
        if (!locked || locked.merchant_id !== scope.merchantId) throw new NotFoundError('payment', paymentId, 'payment');
        const amount = checkRefund({
          paymentStatus: locked.status,
          paidAt: locked.paid_at ? new Date(locked.paid_at) : null,
          amountPaid: locked.amount,
          reserved,
          requested: input.amount,
          now,
          // A closed or failed payment the wallet charged anyway can give back exactly that charge.
          lateCharge: (locked as LatePaymentRow).late_paid_amount ?? null,
        });
        return {
          id,
          payment_id: paymentId,
          merchant_id: scope.merchantId,
          amount,
          currency: locked.currency,
          status: 'processing',
          merchant_refund_id: input.merchantRefundId ?? null,
          reason: input.reason ?? null,
          failure_code: null,
          failure_message: null,
          wallet_refund_id: null,
          dialect: input.dialect ?? 'native',
          dialect_data: JSON.stringify(input.dialectData ?? {}),
          notify_url: notifyUrl,
          request_hash: hash,
          livemode: locked.livemode,
          version: 1,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          succeeded_at: null,
        };
      },
      (refund) =>
        opts.idempotencyKey
          ? { merchant_id: scope.merchantId, key: opts.idempotencyKey, scope: 'refund.create', request_hash: hash, object_id: refund.id, created_at: refund.created_at }
          : null,
      { firstCheck: new Date(now.getTime() + firstCallBudgetMs(this.config)), deadline: new Date(now.getTime() + REFUND_RESOLVE_WINDOW_MS) },
    );
    if (created === 'duplicate') {
      const winner = await this.findRetry(scope, hash, input.merchantRefundId, opts.idempotencyKey);
      if (!winner) throw new IdempotencyError('duplicate_merchant_refund_id', 'This refund was just created by another request.', 'merchant_refund_id');
      return this.waitForFinal(winner.id, opts.waitMs - (Date.now() - startedAt));
    }
    await this.sendRefund(created.refund, created.payment);
    return this.waitForFinal(id, opts.waitMs - (Date.now() - startedAt));
  }

  /**
   * Sends (or re-sends: the wallet de-duplicates by refund id) a refund and applies the answer. A re-sent
   * refund that never left is not failed: the first request's fate is unknown and it may still land.
   */
  async sendRefund(refund: RefundRow, payment: PaymentRow, attempt: 'refund' | 'resend' = 'refund'): Promise<void> {
    const outcome = await this.wallets.call({ merchantId: refund.merchant_id, livemode: refund.livemode === 1, wallet: payment.wallet!, paymentId: payment.id, refundId: refund.id }, (connector, ctx) =>
      connector.refund(ctx, {
        outTradeNo: payment.id,
        outRefundNo: refund.id,
        refundAmount: refund.amount,
        totalAmount: payment.amount,
        currency: refund.currency as Currency,
        ...(refund.reason ? { reason: refund.reason } : {}),
      }),
    );
    await this.apply(refund, payment, decideRefund({ status: refund.status }, { kind: attempt, outcome }));
  }

  /** The resolver's step for a refund whose outcome is not known: query, then act on the answer. */
  async resolve(refundId: string): Promise<void> {
    const refund = await this.refunds.get(refundId);
    if (!refund || isFinalRefundStatus(refund.status)) {
      await this.tasks.delete('refund', refundId);
      return;
    }
    const payment = (await this.payments.get(refund.payment_id))!;
    const outcome: RefundOutcome = await this.wallets.call(
      { merchantId: refund.merchant_id, livemode: refund.livemode === 1, wallet: payment.wallet!, paymentId: payment.id, refundId: refund.id },
      (connector, ctx) =>
        connector.queryRefund(ctx, { outTradeNo: payment.id, outRefundNo: refund.id, refundAmount: refund.amount, totalAmount: payment.amount, currency: refund.currency as Currency }),
    );
    await this.apply(refund, payment, decideRefund({ status: refund.status }, { kind: 'query', outcome }));
  }

  private async apply(refund: RefundRow, payment: PaymentRow, action: RefundAction): Promise<void> {
    switch (action.kind) {
      case 'succeed':
        return this.#change(refund, payment, { to: 'succeeded', walletRefundId: action.walletRefundId });
      case 'fail':
        return this.#change(refund, payment, { to: 'failed', failureCode: action.failureCode, failureMessage: action.failureMessage });
      case 'resend':
        // The refund request never reached the wallet: send it again (the wallet de-duplicates by refund id).
        return this.sendRefund(refund, payment, 'resend');
      case 'check_later':
        await this.tasks.reschedule('refund', refund.id, new Date(Date.now() + this.config.queryIntervalMs[payment.wallet!]), { error: action.reason, countAttempt: true });
        return;
      case 'stop':
        await this.tasks.delete('refund', refund.id);
        return;
      default: {
        const never: never = action;
        throw new Error(`unhandled refund action ${JSON.stringify(never)}`);
      }
    }
  }

  async #change(refund: RefundRow, payment: PaymentRow, change: Parameters<RefundRepository['transition']>[1]): Promise<void> {
    const row = await this.refunds.transition(refund.id, change);
    if (row) this.feed.changedTo(row, row.payment_id);
    if (row) this.metrics?.refundFinal(payment.wallet, row.status);
  }

  private async findRetry(scope: MerchantScope, hash: string, merchantRefundId?: string | null, idempotencyKey?: string): Promise<RefundRow | null> {
    const keyed = await objectForIdempotencyKey(this.idempotencyKeys, scope.merchantId, idempotencyKey, 'refund.create', hash);
    if (keyed) return this.refunds.getInScope(scope, keyed);
    if (!merchantRefundId) return null;
    const existing = await this.refunds.findByMerchantRefundId(scope.merchantId, merchantRefundId);
    if (!existing) return null;
    if (existing.request_hash !== hash || existing.livemode !== (scope.livemode ? 1 : 0)) {
      throw new IdempotencyError('duplicate_merchant_refund_id', `A different refund already uses merchant_refund_id ${merchantRefundId}.`, 'merchant_refund_id');
    }
    return existing;
  }

  waitForFinal(id: string, ms: number): Promise<RefundRow> {
    return this.feed.waitUntil(id, (i) => this.refunds.get(i), (row) => isFinalRefundStatus(row.status), ms, 'refund');
  }

  async getRefund(scope: MerchantScope, id: string): Promise<RefundRow> {
    const row = await this.refunds.getInScope(scope, id);
    if (!row) throw new NotFoundError('refund', id, 'id');
    return row;
  }

  /** The refund with this id if it is the scope's, else null. */
  findRefund(scope: MerchantScope, id: string): Promise<RefundRow | null> {
    return this.refunds.getInScope(scope, id);
  }

  async findByMerchantRefundId(scope: MerchantScope, merchantRefundId: string): Promise<RefundRow | null> {
    return inScope(await this.refunds.findByMerchantRefundId(scope.merchantId, merchantRefundId), scope);
  }

  async listRefunds(scope: MerchantScope, paymentId: string): Promise<RefundRow[]> {
    if (!(await this.payments.getInScope(scope, paymentId))) throw new NotFoundError('payment', paymentId, 'id');
    return this.refunds.listForPayment(paymentId);
  }

  listRefundsOf(paymentIds: readonly string[]): Promise<Map<string, RefundRow[]>> {
    return this.refunds.listForPayments(paymentIds);
  }
}
