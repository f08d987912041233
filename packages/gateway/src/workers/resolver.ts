import type { Logger } from 'pino';
import { type CancelOutcome, type Connector, type Currency, type PaymentAction, type PaymentOutcome, type WalletContext, decidePayment, succeedAfterCancelSaidPaid } from '@counterpay/core';
import type { LateSuccessGuard } from '../late-success/late-success-guard.ts';
import { nextLateCheck } from '../late-success/late-checks.ts';
import type { PaymentActions, TaskView } from '../payments/payment-actions.ts';
import type { RefundService } from '../payments/refund-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import type { PaymentRepository, PaymentRow } from '../repositories/payment-repository.ts';
import type { ClaimedTask, TaskRepository } from '../repositories/task-repository.ts';

/** A resolver step makes at most this many wallet calls (query, cancel, confirming query). */
const MAX_CALLS_PER_STEP = 3;

/**
 * Finds the truth about payments and refunds whose outcome is pending or unknown (PROTOCOLS.md §6).
 * What to do next is always core's `decidePayment`: this class only makes the wallet calls it asks for
 * (query, cancel/close) and hands the answer back, until the decision is a status change or a later check.
 */
export class Resolver {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly tasks: TaskRepository,
    private readonly wallets: WalletGateway,
    private readonly actions: PaymentActions,
    private readonly refunds: RefundService,
    private readonly log: Logger,
    private readonly lateSuccess: LateSuccessGuard,
    /** The follow-up queries after a close (config.lateCheckDelaysMs). */
    private readonly lateCheckDelaysMs: readonly number[] = [],
  ) {}

  async run(task: ClaimedTask): Promise<void> {
    if (task.kind === 'payment') return this.resolvePayment(task);
    if (task.kind === 'refund') return this.refunds.resolve(task.object_id);
    if (task.kind === 'late_check') return this.checkLate(task);
    this.log.warn({ task }, 'unknown task kind');
  }

  private async resolvePayment(claimed: ClaimedTask): Promise<void> {
    const payment = await this.payments.get(claimed.object_id);
    if (!payment) {
      await this.tasks.delete('payment', claimed.object_id);
      return;
    }
    const task: TaskView = { deadlineAt: new Date(claimed.deadline_at), cancelStarted: claimed.cancel_started_at !== null };
    let action: PaymentAction = decidePayment(this.actions.situation(payment, task), { kind: 'nothing_yet' });
    for (let calls = 0; calls < MAX_CALLS_PER_STEP; calls++) {
      switch (action.kind) {
        case 'query': {
          const outcome = await this.call(payment, (c, ctx) => c.query(ctx, payment.id, payment.currency as Currency));
          action = decidePayment(this.actions.situation(payment, task), { kind: 'query', outcome });
          continue;
        }
        case 'cancel': {
          // Recorded before the call goes out: from now on only the cancel's own confirmed answer counts.
          if (!task.cancelStarted) await this.tasks.markCancelStarted('payment', payment.id);
          task.cancelStarted = true;
          const outcome: CancelOutcome = await this.call(payment, (c, ctx) => (payment.flow === 'qr' ? c.close(ctx, payment.id) : c.cancel(ctx, payment.id)));
          action = decidePayment(this.actions.situation(payment, task), { kind: 'cancel', outcome });
          continue;
        }
        case 'confirm_paid': {
          // The buyer paid before the cancel: the payment succeeded. Query for the wallet's transaction id.
          const confirmed: PaymentOutcome = await this.call(payment, (c, ctx) => c.query(ctx, payment.id, payment.currency as Currency));
          action = succeedAfterCancelSaidPaid(confirmed);
          continue;
        }
        default:
          await this.actions.apply(payment, action, task);
          return;
      }
    }
    // The decisions kept asking for calls: look again on the normal schedule.
    await this.actions.apply(payment, { kind: 'check_later', schedule: 'query', reason: 'too many wallet calls in one step' }, task);
  }

  /** A follow-up query of a closed payment: paid now is a late success for the guard; else the next check, until none is left. */
  private async checkLate(claimed: ClaimedTask): Promise<void> {
    const payment = await this.payments.get(claimed.object_id);
    if (!payment) {
      await this.tasks.delete('late_check', claimed.object_id);
      return;
    }
    const outcome = await this.lateSuccess.check(payment, 'query');
    const next = outcome === 'not_paid' ? nextLateCheck(this.lateCheckDelaysMs, new Date(claimed.created_at), claimed.attempts + 1) : null;
    if (next) await this.tasks.reschedule('late_check', payment.id, next, { countAttempt: true, error: null });
    else await this.tasks.delete('late_check', payment.id);
  }

  private call<T>(payment: PaymentRow, run: (c: Connector, ctx: WalletContext) => Promise<T>): Promise<T> {
    return this.wallets.call({ merchantId: payment.merchant_id, livemode: payment.livemode === 1, wallet: payment.wallet!, paymentId: payment.id }, run);
  }
}
