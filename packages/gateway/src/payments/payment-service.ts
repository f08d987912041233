import {
  type Currency,
  IdempotencyError,
  NotFoundError,
  ValidationError,
  assertCancellable,
  assertMinorAmount,
  decidePayment,
  detectWallet,
  isFinalPaymentStatus,
  maskBarcode,
  newId,
  parseCurrency,
} from '@counterpay/core';
import type { GatewayConfig } from '../config.ts';
import { assertNotificationUrl } from '../notifications/url-safety.ts';
import type { IdempotencyKeyRepository } from '../repositories/idempotency-keys.ts';
import type { PaymentListFilter, PaymentPageQuery, PaymentRepository, PaymentRow } from '../repositories/payment-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import type { NewTask, TaskRepository } from '../repositories/task-repository.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { PaymentActions } from './payment-actions.ts';
import { objectForIdempotencyKey } from './idempotency.ts';
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
  'wallet' | 'flow' | 'amount' | 'currency' | 'merchant_order_id' | 'store_id' | 'terminal_id' | 'operator_id' | 'description' | 'metadata' | 'notify_url' | 'dialect' | 'dialect_data'
> &
  Partial<Pick<PaymentRow, 'id' | 'barcode_masked' | 'qr_url' | 'expires_at'>>;

/**
 * The optional request fields every kind of payment shares, as columns. The notify URL passes the same
 * safety check whichever API gave it (no private addresses in live mode).
 */
export function commonPaymentFields(input: CommonPaymentInput, scope: MerchantScope) {
  return {
    store_id: input.storeId ?? null,
    terminal_id: input.terminalId ?? null,
    operator_id: input.operatorId ?? null,
    description: input.description ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    notify_url: input.notifyUrl ? assertNotificationUrl(input.notifyUrl, scope.livemode, 'notify_url') : null,
    dialect: input.dialect ?? 'native',
    dialect_data: JSON.stringify(input.dialectData ?? {}),
  };
}

/**
 * How long the request that creates a payment or refund may talk to the wallet before the resolver
 * may: a connector call can be two HTTP calls (an answer that needs a follow-up query), plus a margin.
 */
export function firstCallBudgetMs(config: GatewayConfig): number {
  return 2 * config.walletTimeoutMs + 1000;
}

/** The promise's value if it settles within `ms`, else null (a rejection is null too: the caller re-reads). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  promise.catch(() => undefined);
  if (ms <= 0) return Promise.resolve(null);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise.then((value) => value, () => null), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Payments: creation (validation, idempotency, the first wallet call), reading, and the cashier's
 * cancel. Unknown outcomes are left to the resolver, whose task row is written in the same transaction
 * as the payment, so a crash at any point leaves work that a restart continues.
 */
export class PaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly tasks: TaskRepository,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
    private readonly wallets: WalletGateway,
    private readonly actions: PaymentActions,
    private readonly feed: ChangeFeed,
    private readonly config: GatewayConfig,
  ) {}

  async createBarcodePayment(scope: MerchantScope, input: BarcodePaymentInput, opts: { idempotencyKey?: string | undefined; waitMs: number }): Promise<PaymentRow> {
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
    // Credentials first: the resolver's lease below must cover only the wallet call itself. A barcode
    // payment may have to be reversed (the buyer never confirms, the answer is lost), so an account that
    // cannot reverse (WeChat Pay without its client certificate) must not start one. A retry is found by
    // the insert's unique constraints (order id, Idempotency-Key), not by a lookup before every payment;
    // it is answered as it is even if the account changed since.
    try {
      await this.wallets.assertCanCall(scope.merchantId, wallet, scope.livemode, 'cancel');
    } catch (error) {
      const retry = await this.findRetry(scope, input.merchantOrderId, hash, opts.idempotencyKey);
      if (retry) return this.waitForFinal(retry.id, opts.waitMs - (Date.now() - startedAt));
      throw error;
    }
    const now = new Date();
    const deadline = new Date(now.getTime() + this.config.buyerConfirmDeadlineMs);
    const created = await this.insertNewPayment(
      scope,
      // expires_at: the buyer-confirmation deadline the resolver enforces (the same instant as its task's).
      { wallet, flow: 'barcode', amount, currency, merchant_order_id: input.merchantOrderId, barcode_masked: maskBarcode(input.barcode), expires_at: deadline.toISOString(), ...commonPaymentFields(input, scope) },
      hash,
      opts.idempotencyKey,
      { firstCheck: new Date(now.getTime() + firstCallBudgetMs(this.config)), deadline },
      now,
    );
    if (!created.isNew) return this.waitForFinal(created.row.id, opts.waitMs - (Date.now() - startedAt));
    const payment = created.row;

    const task = { deadlineAt: deadline, cancelStarted: false };
    const firstCall = (async () => {
      const outcome = await this.wallets.call({ merchantId: scope.merchantId, livemode: scope.livemode, wallet, paymentId: payment.id }, (connector, ctx) =>
        connector.pay(ctx, {
          outTradeNo: payment.id,
          authCode: input.barcode,
          amount,
          currency,
          subject: input.description || `Order ${input.merchantOrderId}`,
          ...(input.storeId ? { storeId: input.storeId } : {}),
          ...(input.terminalId ? { terminalId: input.terminalId } : {}),
        }),
      );
      return this.actions.apply(payment, decidePayment(this.actions.situation(payment, task), { kind: 'pay', outcome }), task);
    })();
    // The caller's wait is a promise: answer when it ends even while the wallet is still talking; the
    // call goes on, and if it cannot finish, the resolver's task (written with the payment) takes over.
    // The usual case, a final answer in time, is answered with the row the first call committed.
    const settled = await withinMs(firstCall, opts.waitMs - (Date.now() - startedAt));
    if (settled && isFinalPaymentStatus(settled.status)) return settled;
    return this.waitForFinal(payment.id, opts.waitMs - (Date.now() - startedAt));
  }

  /**
   * Writes a new processing payment, its idempotency key and its resolver task in one transaction.
   * Callers look for a retry first (`findRetry`); a concurrent duplicate that got in meanwhile is caught
   * by the unique constraints and answered as a retry (`isNew: false`), a conflicting reuse throws.
   */
  async insertNewPayment(scope: MerchantScope, fields: NewPaymentFields, hash: string, idempotencyKey: string | undefined, task: NewTask, now: Date): Promise<{ row: PaymentRow; isNew: boolean }> {
    const row: PaymentRow = {
      id: newId('payment', now.getTime()),
      merchant_id: scope.merchantId,
      status: 'processing',
      amount_refunded: 0,
      barcode_masked: null,
      qr_code: null,
      qr_url: null,
      expires_at: null,
      failure_code: null,
      failure_message: null,
      wallet_transaction_id: null,
      buyer_account: null,
      buyer_id: null,
      switched_from_wallet: null,
      request_hash: hash,
      livemode: scope.livemode ? 1 : 0,
      version: 1,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      paid_at: null,
      closed_at: null,
      cancel_requested_at: null,
      ...fields,
    };
    const key = idempotencyKey
      ? { merchant_id: scope.merchantId, key: idempotencyKey, scope: 'payment.create', request_hash: hash, object_id: row.id, created_at: row.created_at }
      : null;
    if ((await this.payments.insertNew(row, key, task)) === 'inserted') return { row, isNew: true };
    // A concurrent request with the same order id or key won the insert: answer as its retry.
    const winner = await this.findRetry(scope, fields.merchant_order_id, hash, idempotencyKey);
    if (!winner) throw new IdempotencyError('duplicate_merchant_order_id', `merchant_order_id ${fields.merchant_order_id} was just used by another request.`, 'merchant_order_id');
    return { row: winner, isNew: false };
  }

  /** A retry is the same order id (or idempotency key) with the same request; anything else conflicts. */
  async findRetry(scope: MerchantScope, merchantOrderId: string, hash: string, idempotencyKey?: string): Promise<PaymentRow | null> {
    const keyed = await objectForIdempotencyKey(this.idempotencyKeys, scope.merchantId, idempotencyKey, 'payment.create', hash);
    if (keyed) return this.#sameMode(scope, await this.payments.get(keyed), 'Idempotency-Key');
    const byOrder = this.#sameMode(scope, await this.payments.findAnyByMerchantOrderId(scope.merchantId, merchantOrderId), 'merchant_order_id');
    if (!byOrder) return null;
    if (byOrder.request_hash !== hash) {
      throw new IdempotencyError('duplicate_merchant_order_id', `Payment ${byOrder.id} already uses merchant_order_id ${merchantOrderId} with other details; a new payment needs a new order id.`, 'merchant_order_id');
    }
    return byOrder;
  }

  /** Order ids and keys are one namespace per merchant; the other mode's payment is never shown. */
  #sameMode(scope: MerchantScope, row: PaymentRow | null, what: string): PaymentRow | null {
    if (row && row.livemode !== (scope.livemode ? 1 : 0)) {
      throw new IdempotencyError('livemode_mismatch', `This ${what} was already used in ${row.livemode ? 'live' : 'test'} mode; use another.`, what === 'merchant_order_id' ? what : undefined);
    }
    return row;
  }

  /** Waits up to `ms` for the payment to leave `processing`, then returns it as it is. */
  waitForFinal(id: string, ms: number): Promise<PaymentRow> {
    return this.feed.waitUntil(id, (i) => this.payments.get(i), (row) => isFinalPaymentStatus(row.status), ms, 'payment');
  }

  async getPayment(scope: MerchantScope, id: string): Promise<PaymentRow> {
    const row = await this.payments.getInScope(scope, id);
    if (!row) throw new NotFoundError('payment', id, 'id');
    return row;
  }

  /** The payment a dialect names by the merchant's order id (optionally within one store), or null. */
  findByMerchantOrderId(scope: MerchantScope, merchantOrderId: string, opts: { storeId?: string } = {}): Promise<PaymentRow | null> {
    return this.payments.findByMerchantOrderId(scope, merchantOrderId, opts);
  }

  /** The payment with this id if it is the scope's, else null (dialects answer "not found" their way). */
  findPayment(scope: MerchantScope, id: string): Promise<PaymentRow | null> {
    return this.payments.getInScope(scope, id);
  }

  async listPayments(scope: MerchantScope, filter: PaymentListFilter): Promise<{ data: PaymentRow[]; hasMore: boolean }> {
    if (filter.startingAfter && !(await this.payments.getInScope(scope, filter.startingAfter))) {
      throw new ValidationError('parameter_invalid', `starting_after ${filter.startingAfter} is not one of your payments (use the id of the last payment of the previous page).`, 'starting_after');
    }
    return this.payments.list(scope, filter);
  }

  /** Offset pages in a time window, for dialects whose lists work that way (Omise). */
  pagePayments(scope: MerchantScope, query: PaymentPageQuery): Promise<{ rows: PaymentRow[]; total: number }> {
    return this.payments.page(scope, query);
  }

  getPaymentsById(ids: readonly string[]): Promise<PaymentRow[]> {
    return this.payments.getMany(ids);
  }

  /**
   * The cashier gives up: the resolver cancels at the wallet at once (same path as the deadline), and
   * the payment ends `closed` once the wallet confirmed, or `succeeded` if the buyer paid first.
   */
  async cancelPayment(scope: MerchantScope, id: string, waitMs: number): Promise<PaymentRow> {
    const payment = await this.getPayment(scope, id);
    // Cancelling again answers what the first cancel ended with (closed, or succeeded if the buyer paid first).
    if (payment.cancel_requested_at && isFinalPaymentStatus(payment.status)) return payment;
    assertCancellable(payment.status);
    if (payment.wallet && payment.flow === 'barcode') await this.wallets.assertCanCall(scope.merchantId, payment.wallet, scope.livemode, 'cancel');
    const now = new Date();
    await this.payments.markCancelRequested(id, now);
    await this.tasks.reschedule('payment', id, now, { deadlineAt: now, keepLease: true });
    this.feed.taskDue();
    return this.waitForFinal(id, waitMs);
  }

  /** A wallet said something changed (a notification): the resolver checks the payment now. */
  async checkNow(payment: PaymentRow): Promise<void> {
    if (isFinalPaymentStatus(payment.status)) return;
    await this.tasks.reschedule('payment', payment.id, new Date(), { keepLease: true });
    this.feed.taskDue();
  }
}
