import { type Currency, StateError, ValidationError, type Wallet, assertMinorAmount, decidePayment, isFinalPaymentStatus, newId, parseCurrency } from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import type { PaymentRepository, PaymentRow } from '../repositories/payment-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import type { TaskRepository } from '../repositories/task-repository.ts';
import type { PaymentActions } from './payment-actions.ts';
import { type CommonPaymentInput, type PaymentService, commonPaymentFields, firstCallBudgetMs } from './payment-service.ts';
import { requestHash } from './request-hash.ts';
import type { WalletGateway } from './wallet-gateway.ts';

export interface QrPaymentInput extends CommonPaymentInput {
  /** Ask this wallet for its own code; without it counterpay issues one code for every wallet. */
  wallet?: Wallet | undefined;
  expiresInS?: number | undefined;
}

/** Seed 001: a QR code is valid from 1 minute (config.qrMinExpiryS) to 3 days, 3 days by default. */
export const QR_MAX_EXPIRY_S = 3 * 24 * 3600;

/** How long a wallet switch waits for a resolver query on the same payment to finish: 10 × 100 ms. */
const LEASE_ATTEMPTS = 10;
const LEASE_RETRY_MS = 100;

const WALLET_NAMES: Record<Wallet, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

/**
 * Merchant-presented QR payments. With a wallet, the wallet makes the code (Alipay precreate, WeChat
 * NATIVE unifiedorder); without one, the code is counterpay's own URL (`/q/:id`), and the wallet order
 * is made when a wallet app opens it. The resolver polls and closes at expiry like any payment.
 */
export class QrPaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly tasks: TaskRepository,
    private readonly wallets: WalletGateway,
    private readonly paymentService: PaymentService,
    private readonly actions: PaymentActions,
    private readonly config: GatewayConfig,
  ) {}

  /** The QR expiry rule (seed 001), for every API that creates QR payments. */
  checkExpiry(expiresInS: number | undefined, param = 'qr.expires_in'): number {
    const seconds = expiresInS ?? QR_MAX_EXPIRY_S;
    const minimum = this.config.qrMinExpiryS;
    if (!Number.isInteger(seconds) || seconds < minimum || seconds > QR_MAX_EXPIRY_S) {
      throw new ValidationError('invalid_expiry', `expires_in must be from ${minimum} to ${QR_MAX_EXPIRY_S} seconds.`, param);
    }
    return seconds;
  }

  async createQrPayment(scope: MerchantScope, input: QrPaymentInput, opts: { idempotencyKey?: string | undefined }): Promise<PaymentRow> {
    const amount = assertMinorAmount(input.amount);
    const currency: Currency = parseCurrency(input.currency);
    const expiresInS = this.checkExpiry(input.expiresInS);
    const hash = requestHash({ amount, currency, merchant_order_id: input.merchantOrderId, qr_wallet: input.wallet ?? null, expires_in: expiresInS, dialect: input.dialect ?? 'native' });
    // A retry never reaches the wallet side, not even to load credentials.
    const retry = await this.paymentService.findRetry(scope, input.merchantOrderId, hash, opts.idempotencyKey);
    if (retry) return retry;
    if (input.wallet) await this.wallets.prepare(scope.merchantId, input.wallet, scope.livemode);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + expiresInS * 1000);
    const id = newId('payment', now.getTime());
    const created = await this.paymentService.insertNewPayment(
      scope,
      {
        id,
        wallet: input.wallet ?? null,
        flow: 'qr',
        amount,
        currency,
        merchant_order_id: input.merchantOrderId,
        qr_url: `${this.config.publicUrl}/q/${id}`,
        expires_at: expiresAt.toISOString(),
        ...commonPaymentFields(input, scope),
      },
      hash,
      opts.idempotencyKey,
      { firstCheck: this.firstCheck(now, expiresAt, !!input.wallet), deadline: expiresAt, leased: !!input.wallet },
      now,
    );
    if (!created.isNew || !input.wallet) return created.row;
    return this.openWalletOrder(created.row, input.wallet);
  }

  /** A payment's QR page: the payment by id, whoever's it is (the id is the capability), or null. */
  findForQrPage(id: string): Promise<PaymentRow | null> {
    return this.payments.get(id);
  }

  /**
   * A wallet app opened the one-for-all code: bind the payment to that wallet (first app wins) and make
   * the wallet's order. Opened in another wallet later, the buyer switches (see `switchWallet`). Returns
   * the payment, whose `qr_code` is the wallet's own pay URL.
   */
  async openInWallet(paymentId: string, wallet: Wallet): Promise<PaymentRow> {
    const bound = await this.payments.bindWallet(paymentId, wallet);
    if (!bound || bound.flow !== 'qr') throw new StateError('not_a_qr_payment', 'This is not a QR payment.');
    if (isFinalPaymentStatus(bound.status)) return bound;
    if (bound.wallet !== wallet) return this.switchWallet(bound, wallet);
    if (bound.qr_code) return bound;
    return this.openWalletOrder(bound, wallet);
  }

  /**
   * The buyer opened the code in a second wallet: close the first wallet's order, and only once that
   * wallet confirms it closed (so it can never be paid too) open the second's. The task's lease keeps the
   * resolver from querying meanwhile. Once only: a closed order number cannot be opened again.
   */
  private async switchWallet(payment: PaymentRow, to: Wallet): Promise<PaymentRow> {
    const from = payment.wallet!;
    if (payment.switched_from_wallet) {
      throw new StateError('qr_bound_to_other_wallet', `This code is being paid with ${WALLET_NAMES[from]}; ask the cashier for a new code to pay with ${WALLET_NAMES[to]}.`);
    }
    if (!(await this.leaseTask(payment.id))) throw new StateError('qr_bound_to_other_wallet', `${WALLET_NAMES[from]} is being asked about this code; scan it again in a moment.`);
    const target = { merchantId: payment.merchant_id, livemode: payment.livemode === 1, wallet: from, paymentId: payment.id };
    const closed = await this.wallets.call(target, (connector, ctx) => connector.close(ctx, payment.id)).catch(async (error: unknown) => {
      await this.tasks.reschedule('payment', payment.id, new Date());
      throw error;
    });
    if (closed.kind === 'cancelled') {
      const switched = await this.payments.switchWallet(payment.id, from, to);
      if (switched) return this.openWalletOrder(switched, to);
    }
    // Not switched: the resolver looks at the first wallet's order right away (it may have been paid).
    await this.tasks.reschedule('payment', payment.id, new Date());
    if (closed.kind === 'paid') throw new StateError('qr_bound_to_other_wallet', `This code was just paid with ${WALLET_NAMES[from]}.`);
    throw new StateError('qr_bound_to_other_wallet', `${WALLET_NAMES[from]} did not confirm closing its order; scan the code again in a moment.`);
  }

  /** A resolver query in flight holds the lease for a moment: wait briefly for it. */
  private async leaseTask(paymentId: string): Promise<boolean> {
    for (let attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
      if (await this.tasks.lease('payment', paymentId, this.config.leaseMs)) return true;
      await new Promise((resolve) => setTimeout(resolve, LEASE_RETRY_MS));
    }
    return false;
  }

  /** Asks the wallet for its QR order, applies what it said, and hands the payment to the resolver. */
  private async openWalletOrder(payment: PaymentRow, wallet: Wallet): Promise<PaymentRow> {
    const outcome = await this.wallets.call({ merchantId: payment.merchant_id, livemode: payment.livemode === 1, wallet, paymentId: payment.id }, (connector, ctx) =>
      connector.createQr(ctx, {
        outTradeNo: payment.id,
        amount: payment.amount,
        currency: payment.currency as Currency,
        subject: payment.description || `Order ${payment.merchant_order_id}`,
        expiresAt: new Date(payment.expires_at!),
        notifyUrl: `${this.config.publicUrl}/wallet-notify/${wallet}`,
      }),
    );
    const task = { deadlineAt: new Date(payment.expires_at!), cancelStarted: false };
    const action = decidePayment(this.actions.situation({ ...payment, wallet }, task), { kind: 'create_qr', outcome });
    const changed = await this.actions.apply({ ...payment, wallet }, action, task);
    // The wallet order exists (or may): from now on the resolver polls it, soon, since the buyer is paying now.
    const next = Math.min(Date.now() + this.config.queryIntervalMs[wallet], Date.parse(payment.expires_at!));
    await this.tasks.reschedule('payment', payment.id, new Date(next));
    return changed ?? (await this.payments.get(payment.id)) ?? payment;
  }

  private firstCheck(now: Date, expiresAt: Date, hasWallet: boolean): Date {
    // A code nobody has opened needs no polling until it expires.
    if (!hasWallet) return expiresAt;
    return new Date(Math.min(expiresAt.getTime(), now.getTime() + firstCallBudgetMs(this.config)));
  }
}
