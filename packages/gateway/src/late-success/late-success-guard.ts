import type { Logger } from 'pino';
import type { Currency, LateSuccessPolicy, PaymentOutcome } from '@counterpay/core';
import { canHaveLateSuccess } from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import type { ChangeFeed } from '../payments/change-feed.ts';
import { firstCallBudgetMs } from '../payments/payment-service.ts';
import type { RefundService } from '../payments/refund-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import type { LateCharge, LatePaymentRow, LateSuccessRepository } from '../repositories/late-success-repository.ts';

export type LateSuccessEvidence = LateCharge;
export type LateSuccessOutcome = 'refunded' | 'accepted' | 'already_handled' | 'not_late';

/** How long the late refund's resolver task keeps asking the wallet (as a merchant's refund does). */
const REFUND_RESOLVE_WINDOW_MS = 24 * 3600 * 1000;

/**
 * The late-success guard: the one place told that a wallet took money for a payment counterpay closed
 * or failed (from a query, a wallet notification or a daily statement). The buyer is never charged for
 * a sale the register saw fail: by default the charge is refunded at the wallet; a merchant whose
 * policy is `accept` gets the payment succeeded instead. Durable and once per payment (see
 * LateSuccessRepository.record); the refund itself goes out through the refund service and its resolver.
 */
export class LateSuccessGuard {
  constructor(
    private readonly repo: LateSuccessRepository,
    private readonly refunds: RefundService,
    private readonly wallets: WalletGateway,
    private readonly feed: ChangeFeed,
    private readonly config: GatewayConfig,
    private readonly log: Logger,
  ) {}

  /** The merchant's choice for late successes (`late_success_policy`): refund (default) or accept. */
  async policyOf(merchantId: string): Promise<LateSuccessPolicy> {
    return (await this.repo.policyOf(merchantId)) ?? 'refund';
  }

  async setPolicy(merchantId: string, policy: LateSuccessPolicy): Promise<void> {
    await this.repo.setPolicy(merchantId, policy);
  }

  async found(paymentId: string, evidence: LateSuccessEvidence): Promise<LateSuccessOutcome> {
    const now = new Date();
    // The refund's task starts leased by this instance until its first check (as a merchant's refund):
    // the send below happens first; if this process dies, the resolver sends it when the lease ends.
    const task = { firstCheck: new Date(now.getTime() + firstCallBudgetMs(this.config)), deadline: new Date(now.getTime() + REFUND_RESOLVE_WINDOW_MS) };
    const result = await this.repo.record(paymentId, evidence, task, now);
    if (result.outcome === 'refunded') {
      this.log.warn({ payment: paymentId, amount: evidence.amount, source: evidence.source }, 'late success: the wallet took money for a closed or failed payment; refunding it');
      this.feed.changedTo(result.payment);
      this.feed.changedTo(result.refund, result.payment.id);
      try {
        await this.refunds.sendRefund(result.refund, result.payment);
      } catch (error) {
        // Durable already: the resolver sends it once this instance's lease on the task ends.
        this.log.warn({ err: error, refund: result.refund.id }, 'late-success refund not sent now; the resolver will');
      }
    } else if (result.outcome === 'accepted') {
      this.log.warn({ payment: paymentId, amount: evidence.amount, source: evidence.source }, 'late success accepted: the payment succeeded after it was closed');
      this.feed.changedTo(result.payment);
    }
    return result.outcome;
  }

  /**
   * Asks the wallet about a closed or failed payment and hands a paid answer to `found`. `not_paid`:
   * the wallet does not show it paid (or could not say); `not_late`: the payment is not closed or failed.
   */
  async check(payment: LatePaymentRow, source: 'query' | 'notification'): Promise<LateSuccessOutcome | 'not_paid'> {
    if (payment.late_success_action) return 'already_handled';
    if (!canHaveLateSuccess(payment.status) || !payment.wallet) return 'not_late';
    const outcome: PaymentOutcome = await this.wallets.call({ merchantId: payment.merchant_id, livemode: payment.livemode === 1, wallet: payment.wallet, paymentId: payment.id }, (c, ctx) =>
      c.query(ctx, payment.id, payment.currency as Currency),
    );
    return this.foundInAnswer(payment, outcome, source);
  }

  /** Any query answer about a closed or failed payment: a paid one is a late success. */
  async foundInAnswer(payment: LatePaymentRow, outcome: PaymentOutcome, source: 'query' | 'notification'): Promise<LateSuccessOutcome | 'not_paid'> {
    if (outcome.kind !== 'succeeded') return 'not_paid';
    // A query does not say what was charged: the amount asked (a statement names the charged amount).
    return this.found(payment.id, { walletTransactionId: outcome.walletTransactionId, amount: payment.amount, paidAt: outcome.paidAt, source });
  }
}
