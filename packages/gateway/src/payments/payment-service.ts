import {
  type Currency,
  type PaymentOutcome,
  type PaymentStatus,
  IdempotencyError,
  NotFoundError,
  StateError,
  ValidationError,
  assertMinorAmount,
  detectWallet,
  isFinalPaymentStatus,
  maskBarcode,
  newId,
  parseCurrency,
} from '@counterpay/core';
import { isUniqueViolation } from '@counterpay/db';
import type { GatewayConfig } from '../config.ts';
import type { PaymentRow } from './objects.ts';
import type { PaymentStore } from './payment-store.ts';
import { requestHash } from './request-hash.ts';
import type { WalletGateway } from './wallet-gateway.ts';

export interface CommonPaymentInput {
  amount: number;
  currency: string;
  merchantOrderId: string;
  description?: string | null;
  storeId?: string | null;
  terminalId?: string | null;
  operatorId?: string | null;
  notifyUrl?: string | null;
  metadata?: Record<string, string>;
  /** Which API created it, and what that dialect needs to answer later. */
  dialect?: string;
  dialectData?: Record<string, unknown>;
}

export interface BarcodePaymentInput extends CommonPaymentInput {
  barcode: string;
}

/** The columns that differ between kinds of payment; the rest start the same for every payment. */
export type NewPaymentFields = Pick<
  PaymentRow,
  | 'wallet'
  | 'flow'
  | 'amount'
  | 'currency'
  | 'merchant_order_id'
  | 'store_id'
  | 'terminal_id'
  | 'operator_id'
  | 'description'
  | 'metadata'
  | 'notify_url'
  | 'dialect'
  | 'dialect_data'
> &
  Partial<Pick<PaymentRow, 'id' | 'barcode_masked' | 'qr_url' | 'expires_at'>>;

/** The optional request fields every kind of payment shares, as columns. */
export function commonPaymentFields(input: CommonPaymentInput) {
  return {
    store_id: input.storeId ?? null,
    terminal_id: input.terminalId ?? null,
    operator_id: input.operatorId ?? null,
    description: input.description ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    notify_url: input.notifyUrl ?? null,
    dialect: input.dialect ?? 'native',
    dialect_data: JSON.stringify(input.dialectData ?? {}),
  };
}

export interface ListPaymentsFilter {
  merchantOrderId?: string;
  status?: PaymentStatus;
  limit: number;
  startingAfter?: string;
}

/**
 * How long the request that creates a payment or refund may talk to the wallet before the resolver
 * may: a connector call can be two HTTP calls (an answer that needs a follow-up query), plus a margin.
 */
export function firstCallBudgetMs(config: GatewayConfig): number {
  return 2 * config.walletTimeoutMs + 1000;
}

/**
 * Barcode payments: validation, idempotency, the first wallet call, and waiting for a final status.
 * Unknown outcomes are left to the resolver (workers/resolver.ts), whose task row is written in the
 * same transaction as the payment, so a crash at any point leaves work that a restart continues.
 */
export class PaymentService {
  constructor(
    private readonly store: PaymentStore,
    private readonly wallets: WalletGateway,
    private readonly config: GatewayConfig,
  ) {}

  async createBarcodePayment(
    merchantId: string,
    input: BarcodePaymentInput,
    opts: { idempotencyKey?: string | undefined; waitMs: number },
  ): Promise<PaymentRow> {
    const startedAt = Date.now();
    const amount = assertMinorAmount(input.amount);
    const currency: Currency = parseCurrency(input.currency);
    const wallet = detectWallet(input.barcode);
    if (!wallet) {
      throw new ValidationError('invalid_barcode', 'The barcode is not an Alipay (16–24 digits starting 25–30) or WeChat Pay (18 digits starting 10–15) payment code.', 'barcode');
    }
    const hash = requestHash({
      amount,
      currency,
      merchant_order_id: input.merchantOrderId,
      barcode: input.barcode,
      store_id: input.storeId,
      terminal_id: input.terminalId,
      dialect: input.dialect ?? 'native',
    });

    // Credentials first: the resolver's lease below must cover only the wallet call itself.
    await this.wallets.prepare(merchantId, wallet);
    const now = new Date();
    const created = await this.insertNewPayment(
      merchantId,
      {
        wallet,
        flow: 'barcode',
        amount,
        currency,
        merchant_order_id: input.merchantOrderId,
        barcode_masked: maskBarcode(input.barcode),
        ...commonPaymentFields(input),
      },
      hash,
      opts.idempotencyKey,
      { firstCheck: new Date(now.getTime() + firstCallBudgetMs(this.config)), deadline: new Date(now.getTime() + this.config.buyerConfirmDeadlineMs) },
      now,
    );
    if (!created.isNew) return this.waitForFinal(created.row.id, opts.waitMs - (Date.now() - startedAt));
    const id = created.row.id;

    const outcome = await this.wallets.call(merchantId, wallet, { paymentId: id }, (connector, ctx) =>
      connector.pay(ctx, {
        outTradeNo: id,
        authCode: input.barcode,
        amount,
        currency,
        subject: input.description || `Order ${input.merchantOrderId}`,
        ...(input.storeId ? { storeId: input.storeId } : {}),
        ...(input.terminalId ? { terminalId: input.terminalId } : {}),
      }),
    );
    await this.applyPaymentOutcome(id, wallet, outcome);
    return this.waitForFinal(id, opts.waitMs - (Date.now() - startedAt));
  }

  /**
   * Writes a new processing payment, its idempotency key and its resolver task in one transaction.
   * A retry (same order id or key, same request) returns the existing payment with `isNew: false`;
   * a conflicting reuse throws. Concurrent duplicates are caught by the unique constraints.
   */
  async insertNewPayment(
    merchantId: string,
    fields: NewPaymentFields,
    hash: string,
    idempotencyKey: string | undefined,
    /** `leased`: the creating request talks to the wallet before the resolver may (default true). */
    task: { firstCheck: Date; deadline: Date; leased?: boolean },
    now: Date,
  ): Promise<{ row: PaymentRow; isNew: boolean }> {
    const existing = await this.findRetry(merchantId, fields.merchant_order_id, hash, idempotencyKey);
    if (existing) return { row: existing, isNew: false };
    const row: PaymentRow = {
      id: newId('payment', now.getTime()),
      merchant_id: merchantId,
      status: 'processing',
      amount_refunded: 0,
      barcode_masked: null,
      qr_code: null,
      qr_url: null,
      expires_at: null,
      failure_code: null,
      failure_message: null,
      wallet_transaction_id: null,
      request_hash: hash,
      livemode: 0,
      version: 1,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      paid_at: null,
      closed_at: null,
      cancel_requested_at: null,
      ...fields,
    };
    try {
      await this.store.db.transaction().execute(async (trx) => {
        await trx.insertInto('payments').values(row).execute();
        if (idempotencyKey) {
          await trx
            .insertInto('idempotency_keys')
            .values({ merchant_id: merchantId, key: idempotencyKey, scope: 'payment.create', request_hash: hash, object_id: row.id, created_at: now.toISOString() })
            .execute();
        }
        await this.store.insertTask(trx, 'payment', row.id, task.firstCheck, task.deadline, now, task.leased ?? true);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent request with the same order id or key won the insert: answer as its retry.
      const winner = await this.findRetry(merchantId, fields.merchant_order_id, hash, idempotencyKey);
      if (!winner) throw error;
      return { row: winner, isNew: false };
    }
    return { row, isNew: true };
  }

  /**
   * Applies what a wallet said. Final answers change the status (through the state machine); pending
   * and unknown answers schedule the resolver's next query. `not_found` and `closed` are left to the
   * resolver, which decides with the deadline in view.
   */
  async applyPaymentOutcome(id: string, wallet: 'alipay' | 'wechat', outcome: PaymentOutcome): Promise<PaymentRow | null> {
    switch (outcome.kind) {
      case 'succeeded':
        return this.store.transitionPayment(id, { to: 'succeeded', walletTransactionId: outcome.walletTransactionId, paidAt: outcome.paidAt });
      case 'failed':
        return this.store.transitionPayment(id, { to: 'failed', failureCode: outcome.code });
      case 'closed':
      case 'pending':
      case 'unknown':
      case 'not_found':
      case 'not_sent': {
        const error = outcome.kind === 'unknown' || outcome.kind === 'not_sent' ? outcome.reason : null;
        await this.store.rescheduleTask('payment', id, new Date(Date.now() + this.config.queryIntervalMs[wallet]), { error, countAttempt: true });
        return null;
      }
      default: {
        const never: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(never)}`);
      }
    }
  }

  /** A retry is the same order id (or idempotency key) with the same request; anything else conflicts. */
  private async findRetry(merchantId: string, merchantOrderId: string, hash: string, idempotencyKey?: string): Promise<PaymentRow | null> {
    const keyed = await this.store.objectForIdempotencyKey(merchantId, idempotencyKey, 'payment.create', hash);
    if (keyed) return this.store.getPayment(keyed);
    const byOrder = await this.store.db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('merchant_order_id', '=', merchantOrderId)
      .executeTakeFirst();
    if (!byOrder) return null;
    if (byOrder.request_hash !== hash) {
      throw new IdempotencyError('duplicate_merchant_order_id', `A different payment already uses merchant_order_id ${merchantOrderId}.`, 'merchant_order_id');
    }
    return byOrder;
  }

  /** Waits up to `ms` for the payment to leave `processing`, then returns it as it is. */
  waitForFinal(id: string, ms: number): Promise<PaymentRow> {
    return this.store.waitUntil(id, (i) => this.store.getPayment(i), (row) => isFinalPaymentStatus(row.status), ms, 'payment');
  }

  async getPayment(merchantId: string, id: string): Promise<PaymentRow> {
    const row = await this.store.getPayment(id);
    if (!row || row.merchant_id !== merchantId) throw new NotFoundError('payment', id, 'id');
    return row;
  }

  async listPayments(merchantId: string, filter: ListPaymentsFilter): Promise<{ data: PaymentRow[]; hasMore: boolean }> {
    const rows = await this.store.db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .$if(!!filter.merchantOrderId, (q) => q.where('merchant_order_id', '=', filter.merchantOrderId!))
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status!))
      .$if(!!filter.startingAfter, (q) => q.where('id', '<', filter.startingAfter!))
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
  }

  /**
   * The cashier gives up: the resolver cancels at the wallet at once (same path as the deadline), and
   * the payment ends `closed` once the wallet confirmed, or `succeeded` if the buyer paid first.
   */
  async cancelPayment(merchantId: string, id: string, waitMs: number): Promise<PaymentRow> {
    const payment = await this.getPayment(merchantId, id);
    if (payment.status !== 'processing') {
      throw new StateError('payment_not_cancellable', `The payment is ${payment.status}; only a processing payment can be cancelled. Refund a succeeded payment instead.`);
    }
    const now = new Date();
    await this.store.db.updateTable('payments').set({ cancel_requested_at: now.toISOString() }).where('id', '=', id).where('cancel_requested_at', 'is', null).execute();
    await this.store.rescheduleTask('payment', id, now, { deadlineAt: now, keepLease: true });
    this.store.changes.emit('task-due');
    return this.waitForFinal(id, waitMs);
  }
}
