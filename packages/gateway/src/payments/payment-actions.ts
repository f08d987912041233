import { type PaymentAction, type PaymentSituation, type Wallet, canHaveLateSuccess } from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import { firstLateCheck } from '../late-success/late-checks.ts';
import type { LateSuccessGuard } from '../late-success/late-success-guard.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { PaymentRepository, PaymentRow } from '../repositories/payment-repository.ts';
import type { TaskRepository } from '../repositories/task-repository.ts';
import type { ChangeFeed } from './change-feed.ts';

/** QR payments are polled at the wallet's interval for this long, then every QR_SLOW_POLL_MS. */
const QR_FAST_POLL_MS = 5 * 60_000;
const QR_SLOW_POLL_MS = 60_000;
/** Past the deadline a cancel that must be retried backs off up to this interval. */
const MAX_RETRY_INTERVAL_MS = 60_000;

/** What the resolver's task row says about a payment: its deadline and whether a cancel went out. */
export interface TaskView {
  deadlineAt: Date;
  cancelStarted: boolean;
}

/**
 * Carries out what core's `decidePayment` decided, for the request path and the resolver alike:
 * status changes through the repository (and so the state machine), and the resolver's next check.
 * Wallet calls (query, cancel) are the caller's: it calls the wallet and asks `decidePayment` again.
 */
export class PaymentActions {
  /** Set by the composition root (the guard is built after this class): told of a paid answer for a payment already closed or failed. */
  lateSuccess: Pick<LateSuccessGuard, 'found'> | null = null;

  constructor(
    private readonly payments: PaymentRepository,
    private readonly tasks: TaskRepository,
    private readonly feed: ChangeFeed,
    private readonly config: GatewayConfig,
    private readonly metrics?: Pick<GatewayMetrics, 'paymentFinal'>,
  ) {}

  situation(payment: PaymentRow, task: TaskView, now = Date.now()): PaymentSituation {
    return {
      status: payment.status,
      flow: payment.flow,
      walletChosen: payment.wallet !== null,
      cancelRequested: payment.cancel_requested_at !== null,
      cancelStarted: task.cancelStarted,
      pastDeadline: now >= task.deadlineAt.getTime(),
    };
  }

  /** Applies a final or scheduling action; returns the payment when its status changed. */
  async apply(payment: PaymentRow, action: PaymentAction, task: TaskView): Promise<PaymentRow | null> {
    switch (action.kind) {
      case 'succeed': {
        const row = await this.#change(payment, {
          to: 'succeeded',
          walletTransactionId: action.walletTransactionId,
          paidAt: action.paidAt,
          buyerAccount: action.buyerAccount ?? null,
          buyerId: action.buyerId ?? null,
          decidedBy: payment.wallet,
        });
        if (!row) await this.#paidAfterFinal(payment.id, action);
        return row;
      }
      case 'fail':
        return this.#change(payment, { to: 'failed', failureCode: action.failureCode, decidedBy: payment.wallet });
      case 'close':
        // A buyer who confirmed just as the cancel went through shows up paid a moment later: look again.
        return this.#change(payment, { to: 'closed', failureCode: action.failureCode, decidedBy: payment.wallet, lateCheck: payment.wallet ? firstLateCheck(this.config.lateCheckDelaysMs, new Date()) : null });
      case 'show_qr': {
        const row = await this.payments.setQrCode(payment.id, action.qrCode);
        this.feed.changed(payment.id);
        return row;
      }
      case 'check_later':
        await this.tasks.reschedule('payment', payment.id, this.#nextCheck(payment, action.schedule, task), {
          error: action.reason,
          countAttempt: action.schedule !== 'deadline',
        });
        return null;
      case 'stop':
        await this.tasks.delete('payment', payment.id);
        return null;
      case 'query':
      case 'cancel':
      case 'confirm_paid':
        throw new Error(`${action.kind} is a wallet call for the caller to make, not an action to apply`);
      default: {
        const never: never = action;
        throw new Error(`unhandled payment action ${JSON.stringify(never)}`);
      }
    }
  }

  /** The wallet says paid, but the payment was closed or failed meanwhile (a cancel won the race): a late success. */
  async #paidAfterFinal(paymentId: string, action: Extract<PaymentAction, { kind: 'succeed' }>): Promise<void> {
    if (!this.lateSuccess || !action.walletTransactionId) return;
    const current = await this.payments.get(paymentId);
    if (!current || !canHaveLateSuccess(current.status)) return;
    await this.lateSuccess.found(paymentId, { walletTransactionId: action.walletTransactionId, amount: current.amount, paidAt: action.paidAt, source: 'query' });
  }

  async #change(payment: PaymentRow, change: Parameters<PaymentRepository['transition']>[1]): Promise<PaymentRow | null> {
    const row = await this.payments.transition(payment.id, change, new Date(), payment);
    if (row) this.feed.changedTo(row);
    // Counted once per payment, whichever path or instance got here: only the transition's winner has a row.
    if (row) this.metrics?.paymentFinal(row);
    return row;
  }

  #nextCheck(payment: PaymentRow, schedule: Extract<PaymentAction, { kind: 'check_later' }>['schedule'], task: TaskView): Date {
    const now = Date.now();
    const interval = this.#interval(payment.wallet);
    const deadline = task.deadlineAt.getTime();
    switch (schedule) {
      case 'query':
        return new Date(now + interval);
      case 'qr_poll': {
        // QR orders live up to 3 days: poll while the buyer is likely paying (the first minutes), then once
        // a minute; wallet notifications bring the answer sooner.
        const age = now - Date.parse(payment.created_at);
        return new Date(Math.min(now + (age < QR_FAST_POLL_MS ? interval : QR_SLOW_POLL_MS), deadline));
      }
      case 'deadline':
        return new Date(deadline);
      case 'cancel_backoff':
        // Back off with the time already spent past the deadline: quick at first, at most once a minute.
        return new Date(now + Math.min(MAX_RETRY_INTERVAL_MS, Math.max(interval, (now - deadline) / 4)));
      default: {
        const never: never = schedule;
        throw new Error(`unhandled schedule ${String(never)}`);
      }
    }
  }

  #interval(wallet: Wallet | null): number {
    return wallet ? this.config.queryIntervalMs[wallet] : Math.min(this.config.queryIntervalMs.alipay, this.config.queryIntervalMs.wechat);
  }
}
