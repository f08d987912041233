import type { Logger } from 'pino';
import type { CancelOutcome, Connector, Currency, PaymentOutcome, Wallet, WalletContext } from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import type { PaymentRow } from '../payments/objects.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { PaymentStore } from '../payments/payment-store.ts';
import type { RefundService } from '../payments/refund-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import type { ClaimedTask } from './task-claims.ts';

/** QR payments are polled at the wallet's interval for this long, then every QR_SLOW_POLL_MS. */
const QR_FAST_POLL_MS = 5 * 60_000;
const QR_SLOW_POLL_MS = 60_000;
/** Past the deadline a cancel that must be retried backs off up to this interval. */
const MAX_RETRY_INTERVAL_MS = 60_000;

/**
 * Finds the truth about payments and refunds whose outcome is pending or unknown (PROTOCOLS.md §6):
 * query on a schedule; past the deadline (or when the cashier cancels) cancel/reverse at the wallet and
 * record `closed` only after the wallet confirmed. A paid payment is never closed or failed.
 */
export class Resolver {
  constructor(
    private readonly store: PaymentStore,
    private readonly wallets: WalletGateway,
    private readonly payments: PaymentService,
    private readonly refunds: RefundService,
    private readonly config: GatewayConfig,
    private readonly log: Logger,
  ) {}

  async run(task: ClaimedTask): Promise<void> {
    if (task.kind === 'payment') return this.resolvePayment(task);
    if (task.kind === 'refund') return this.resolveRefund(task);
  }

  private async resolvePayment(task: ClaimedTask): Promise<void> {
    const payment = await this.store.getPayment(task.object_id);
    if (!payment || payment.status !== 'processing') {
      if (payment) await this.store.deleteTask(this.store.db, 'payment', payment.id);
      return;
    }
    const pastDeadline = Date.now() >= Date.parse(task.deadline_at);
    if (!payment.wallet) return this.expireUnopenedCode(payment, task, pastDeadline);
    // A cancel already sent may still be in flight: only the cancel's own confirmed answer counts now.
    if (task.cancel_started_at) return this.cancelAtWallet(payment, task);
    const wallet = payment.wallet;
    const outcome = await this.callWallet(payment, (c, ctx) => c.query(ctx, payment.id, payment.currency as Currency));
    if (outcome.kind === 'succeeded' || outcome.kind === 'failed') {
      await this.payments.applyPaymentOutcome(payment.id, wallet, outcome);
      return;
    }
    if (outcome.kind === 'closed') {
      // Closed at the wallet without payment (closed there, or an earlier cancel of ours went through).
      await this.store.transitionPayment(payment.id, { to: 'closed', failureCode: closeReason(payment) });
      return;
    }
    if (!pastDeadline) {
      if (payment.flow === 'qr') return this.scheduleQrQuery(payment, task);
      await this.payments.applyPaymentOutcome(payment.id, wallet, outcome);
      return;
    }
    await this.cancelAtWallet(payment, task);
  }

  /** A one-for-all code no wallet app opened: nothing exists at any wallet, so it just expires. */
  private async expireUnopenedCode(payment: PaymentRow, task: ClaimedTask, pastDeadline: boolean): Promise<void> {
    if (pastDeadline) {
      await this.store.transitionPayment(payment.id, { to: 'closed', failureCode: closeReason(payment) });
    } else {
      await this.store.rescheduleTask('payment', payment.id, new Date(task.deadline_at));
    }
  }

  /**
   * QR orders live up to 3 days: poll at the wallet's interval while the buyer is likely paying (the
   * first minutes), then once a minute; wallet notifications bring the answer sooner.
   */
  private async scheduleQrQuery(payment: PaymentRow, task: ClaimedTask): Promise<void> {
    const wallet = payment.wallet!;
    const age = Date.now() - Date.parse(payment.created_at);
    const delay = age < QR_FAST_POLL_MS ? this.config.queryIntervalMs[wallet] : QR_SLOW_POLL_MS;
    const next = Math.min(Date.now() + delay, Date.parse(task.deadline_at));
    await this.store.rescheduleTask('payment', payment.id, new Date(next), { countAttempt: true });
  }

  /** Cancels (barcode) at the wallet; applies the result only once the wallet confirmed it. */
  private async cancelAtWallet(payment: PaymentRow, task: ClaimedTask): Promise<void> {
    const wallet = payment.wallet!;
    if (!task.cancel_started_at) await this.store.markCancelStarted('payment', payment.id);
    const result: CancelOutcome = await this.callWallet(payment, (c, ctx) => (payment.flow === 'qr' ? c.close(ctx, payment.id) : c.cancel(ctx, payment.id)));
    switch (result.kind) {
      case 'cancelled':
        await this.store.transitionPayment(payment.id, { to: 'closed', failureCode: closeReason(payment) });
        return;
      case 'paid': {
        // The buyer paid before the cancel: the payment succeeded. Query for the wallet's transaction id.
        const confirmed = await this.callWallet(payment, (c, ctx) => c.query(ctx, payment.id, payment.currency as Currency));
        if (confirmed.kind === 'succeeded') await this.payments.applyPaymentOutcome(payment.id, wallet, confirmed);
        else await this.store.transitionPayment(payment.id, { to: 'succeeded' });
        return;
      }
      case 'retry':
      case 'not_sent': {
        // Back off with the time already spent past the deadline: quick at first, at most once a minute.
        const pastDeadlineMs = Date.now() - Date.parse(task.deadline_at);
        const backoff = Math.min(MAX_RETRY_INTERVAL_MS, Math.max(this.config.queryIntervalMs[wallet], pastDeadlineMs / 4));
        await this.store.rescheduleTask('payment', payment.id, new Date(Date.now() + backoff), { error: result.reason, countAttempt: true });
        return;
      }
      default: {
        const never: never = result;
        throw new Error(`unhandled cancel outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private async resolveRefund(task: ClaimedTask): Promise<void> {
    const refund = await this.store.getRefund(task.object_id);
    if (!refund || refund.status !== 'processing') {
      if (refund) await this.store.deleteTask(this.store.db, 'refund', refund.id);
      return;
    }
    const payment = (await this.store.getPayment(refund.payment_id))!;
    const wallet = payment.wallet as Wallet;
    const request = {
      outTradeNo: payment.id,
      outRefundNo: refund.id,
      refundAmount: refund.amount,
      totalAmount: payment.amount,
      currency: refund.currency as Currency,
    };
    const outcome = await this.wallets.call(refund.merchant_id, wallet, { paymentId: payment.id, refundId: refund.id }, (c, ctx) => c.queryRefund(ctx, request));
    if (outcome.kind === 'not_found') {
      // The refund request never reached the wallet: send it again (the wallet de-duplicates by refund id).
      this.log.info({ refund: refund.id }, 'refund unknown to the wallet; sending it again');
      await this.refunds.sendRefund(refund, wallet, payment.amount);
      return;
    }
    await this.refunds.applyRefundOutcome(refund.id, wallet, outcome);
  }

  private callWallet<T extends PaymentOutcome | CancelOutcome>(payment: PaymentRow, run: (c: Connector, ctx: WalletContext) => Promise<T>): Promise<T> {
    return this.wallets.call(payment.merchant_id, payment.wallet as Wallet, { paymentId: payment.id }, run);
  }
}

function closeReason(payment: PaymentRow) {
  if (payment.cancel_requested_at) return 'payment_cancelled' as const;
  return 'payment_expired' as const;
}
