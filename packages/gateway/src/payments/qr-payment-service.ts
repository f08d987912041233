import {
  type Currency,
  type Wallet,
  StateError,
  ValidationError,
  assertMinorAmount,
  newId,
  parseCurrency,
} from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import type { PaymentRow } from './objects.ts';
import { type CommonPaymentInput, type PaymentService, commonPaymentFields, firstCallBudgetMs } from './payment-service.ts';
import type { PaymentStore } from './payment-store.ts';
import { requestHash } from './request-hash.ts';
import type { WalletGateway } from './wallet-gateway.ts';

export interface QrPaymentInput extends CommonPaymentInput {
  /** Ask this wallet for its own code; without it counterpay issues one code for every wallet. */
  wallet?: Wallet | undefined;
  expiresInS?: number | undefined;
}

/** Seed 001: a QR code is valid from 1 minute (config.qrMinExpiryS) to 3 days, 3 days by default. */
export const QR_MAX_EXPIRY_S = 3 * 24 * 3600;

/**
 * Merchant-presented QR payments. With a wallet, the wallet makes the code (Alipay precreate, WeChat
 * NATIVE unifiedorder); without one, the code is counterpay's own URL (`/q/:id`), and the wallet order
 * is made when a wallet app opens it. The resolver polls and closes at expiry like any payment.
 */
export class QrPaymentService {
  constructor(
    private readonly store: PaymentStore,
    private readonly wallets: WalletGateway,
    private readonly payments: PaymentService,
    private readonly config: GatewayConfig,
  ) {}

  async createQrPayment(merchantId: string, input: QrPaymentInput, opts: { idempotencyKey?: string | undefined }): Promise<PaymentRow> {
    const amount = assertMinorAmount(input.amount);
    const currency: Currency = parseCurrency(input.currency);
    const expiresInS = input.expiresInS ?? QR_MAX_EXPIRY_S;
    const minimum = this.config.qrMinExpiryS;
    if (!Number.isInteger(expiresInS) || expiresInS < minimum || expiresInS > QR_MAX_EXPIRY_S) {
      throw new ValidationError('invalid_expiry', `expires_in must be from ${minimum} to ${QR_MAX_EXPIRY_S} seconds.`, 'qr.expires_in');
    }
    const hash = requestHash({ amount, currency, merchant_order_id: input.merchantOrderId, qr_wallet: input.wallet ?? null, expires_in: expiresInS, dialect: input.dialect ?? 'native' });
    const now = new Date();
    const expiresAt = new Date(now.getTime() + expiresInS * 1000);
    const id = newId('payment', now.getTime());
    const created = await this.payments.insertNewPayment(
      merchantId,
      {
        id,
        wallet: input.wallet ?? null,
        flow: 'qr',
        amount,
        currency,
        merchant_order_id: input.merchantOrderId,
        qr_url: `${this.config.publicUrl}/q/${id}`,
        expires_at: expiresAt.toISOString(),
        ...commonPaymentFields(input),
      },
      hash,
      opts.idempotencyKey,
      { firstCheck: this.firstCheck(now, expiresAt, !!input.wallet), deadline: expiresAt, leased: !!input.wallet },
      now,
    );
    if (!created.isNew || !input.wallet) return created.row;
    const opened = await this.openWalletOrder(created.row, input.wallet);
    await this.releaseToResolver(created.row, input.wallet);
    return opened ?? created.row;
  }

  /**
   * A wallet app opened the one-for-all code: bind the payment to that wallet (first app wins) and make
   * the wallet's order. Returns the payment, whose `qr_code` is the wallet's own pay URL.
   */
  async openInWallet(paymentId: string, wallet: Wallet): Promise<PaymentRow> {
    const bound = await this.store.db.transaction().execute(async (trx) => {
      const row = await this.store.lockPayment(trx, paymentId);
      if (!row || row.flow !== 'qr') throw new StateError('not_a_qr_payment', 'This is not a QR payment.');
      if (row.status !== 'processing') return row;
      if (row.wallet && row.wallet !== wallet) {
        throw new StateError('qr_bound_to_other_wallet', `This code is already being paid with ${row.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'}.`);
      }
      if (!row.wallet) {
        await trx.updateTable('payments').set({ wallet, updated_at: new Date().toISOString() }).where('id', '=', paymentId).execute();
        return { ...row, wallet };
      }
      return row;
    });
    if (bound.status !== 'processing' || bound.qr_code) return bound;
    const opened = await this.openWalletOrder(bound, wallet);
    await this.releaseToResolver(bound, wallet);
    return opened ?? bound;
  }

  /** Asks the wallet for its QR order and stores its code; a refusal fails the payment. */
  private async openWalletOrder(payment: PaymentRow, wallet: Wallet): Promise<PaymentRow | null> {
    const outcome = await this.wallets.call(payment.merchant_id, wallet, { paymentId: payment.id }, (connector, ctx) =>
      connector.createQr(ctx, {
        outTradeNo: payment.id,
        amount: payment.amount,
        currency: payment.currency as Currency,
        subject: payment.description || `Order ${payment.merchant_order_id}`,
        expiresAt: new Date(payment.expires_at!),
        notifyUrl: `${this.config.publicUrl}/wallet-notify/${wallet}`,
      }),
    );
    switch (outcome.kind) {
      case 'created':
        await this.store.db.updateTable('payments').set({ qr_code: outcome.qrCode, updated_at: new Date().toISOString() }).where('id', '=', payment.id).execute();
        return this.store.getPayment(payment.id);
      case 'failed':
        return this.store.transitionPayment(payment.id, { to: 'failed', failureCode: 'failed_processing' });
      case 'unknown':
      case 'not_sent':
        // The order may exist at the wallet: the resolver queries, and closes it at expiry.
        return null;
      default: {
        const never: never = outcome;
        throw new Error(`unhandled QR outcome ${JSON.stringify(never)}`);
      }
    }
  }

  /** The wallet order exists (or may): from now on the resolver polls it, soon, since the buyer is paying now. */
  private async releaseToResolver(payment: PaymentRow, wallet: Wallet): Promise<void> {
    const next = Math.min(Date.now() + this.config.queryIntervalMs[wallet], Date.parse(payment.expires_at!));
    await this.store.rescheduleTask('payment', payment.id, new Date(next));
  }

  private firstCheck(now: Date, expiresAt: Date, hasWallet: boolean): Date {
    // A code nobody has opened needs no polling until it expires.
    if (!hasWallet) return expiresAt;
    return new Date(Math.min(expiresAt.getTime(), now.getTime() + firstCallBudgetMs(this.config)));
  }
}
