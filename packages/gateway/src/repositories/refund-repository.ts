import type { Kysely, Selectable, Transaction } from 'kysely';
import { type FailureCode, REFUND_STATUSES_HOLDING_AMOUNT, exactMinorUnits, isFinalRefundStatus, refundTransition } from '@counterpay/core';
import { type Database, type DatabaseKind, type RefundTable, isUniqueViolation } from '@counterpay/db';
import { toRefundObject } from '../payments/objects.ts';
import { type DeliveryRules, SEND_EVERY_EVENT, appendEvent } from './event-outbox.ts';
import { type IdempotencyKeyRow, insertIdempotencyKey } from './idempotency-keys.ts';
import type { PaymentRow } from './payment-repository.ts';
import { type MerchantScope, inScope } from './scope.ts';
import { lockPaymentRow } from './sql.ts';
import { type NewTask, deleteTask, insertTask } from './task-repository.ts';

export type RefundRow = Selectable<RefundTable>;

export interface RefundChange {
  to: 'succeeded' | 'failed';
  walletRefundId?: string | null;
  failureCode?: FailureCode;
  failureMessage?: string;
}

/**
 * Refunds. Creation checks what is left to refund and inserts in one transaction holding the payment's
 * row lock (PostgreSQL) or the single writer (SQLite), so concurrent refunds never exceed the payment.
 */
export class RefundRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
    private readonly instanceId: string,
    /** Which events each notification format sends (the deliveries appendEvent plans). */
    private readonly deliveryRules: DeliveryRules = SEND_EVERY_EVENT,
  ) {
    this.#db = db;
  }

  async get(id: string): Promise<RefundRow | null> {
    return (await this.#db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async getInScope(scope: MerchantScope, id: string): Promise<RefundRow | null> {
    return inScope(await this.get(id), scope);
  }

  /** Every refund (the ledger comparison of test runs). */
  async listAll(): Promise<RefundRow[]> {
    return this.#db.selectFrom('refunds').selectAll().orderBy('id').execute();
  }

  async listForPayment(paymentId: string): Promise<RefundRow[]> {
    return this.#db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('id', 'asc').execute();
  }

  /** Refunds of each payment, oldest first, in one query. */
  async listForPayments(paymentIds: readonly string[]): Promise<Map<string, RefundRow[]>> {
    const byPayment = new Map<string, RefundRow[]>(paymentIds.map((id) => [id, []]));
    if (paymentIds.length === 0) return byPayment;
    const rows = await this.#db.selectFrom('refunds').selectAll().where('payment_id', 'in', [...paymentIds]).orderBy('id', 'asc').execute();
    for (const row of rows) byPayment.get(row.payment_id)?.push(row);
    return byPayment;
  }

  async findByMerchantRefundId(merchantId: string, merchantRefundId: string): Promise<RefundRow | null> {
    const row = await this.#db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).where('merchant_refund_id', '=', merchantRefundId).executeTakeFirst();
    return row ?? null;
  }

  /**
   * Creates a refund of a locked payment: `build` sees the payment and what its open and succeeded
   * refunds already hold, applies the refund rules (throwing when they refuse) and returns the row.
   * `duplicate`: a concurrent request with the same refund id or key won the insert.
   */
  async insertNew(
    paymentId: string,
    build: (payment: PaymentRow | null, reserved: number) => RefundRow,
    idempotencyKey: (refund: RefundRow) => IdempotencyKeyRow | null,
    task: NewTask,
  ): Promise<{ refund: RefundRow; payment: PaymentRow } | 'duplicate'> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const payment = await lockPaymentRow(trx, this.kind, paymentId);
        const reserved = await reservedRefundTotal(trx, paymentId);
        const refund = build(payment, reserved);
        await trx.insertInto('refunds').values(refund).execute();
        const key = idempotencyKey(refund);
        if (key) await insertIdempotencyKey(trx, key);
        await insertTask(trx, this.instanceId, 'refund', refund.id, task, new Date(refund.created_at));
        return { refund, payment: payment! };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** Applies a final status through the state machine, and what the payment has refunded; null when already final. */
  async transition(id: string, change: RefundChange, now = new Date()): Promise<RefundRow | null> {
    return this.#db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current || isFinalRefundStatus(current.status)) return null;
      // Lock the payment first: refund creation takes the same lock, so sums stay consistent.
      const payment = (await lockPaymentRow(trx, this.kind, current.payment_id))!;
      const next = refundTransition(current.status, change.to, now, change);
      const result = await trx
        .updateTable('refunds')
        .set({ ...next, version: current.version + 1, updated_at: now.toISOString() })
        .where('id', '=', id)
        .where('status', '=', current.status)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      if (change.to === 'succeeded') {
        await trx
          .updateTable('payments')
          .set({ amount_refunded: payment.amount_refunded + current.amount, version: payment.version + 1, updated_at: now.toISOString() })
          .where('id', '=', payment.id)
          .execute();
      }
      const row = (await trx.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as RefundRow;
      await appendEvent(trx, {
        merchantId: row.merchant_id,
        livemode: row.livemode === 1,
        type: `refund.${row.status}`,
        objectType: 'refund',
        objectId: row.id,
        objectVersion: row.version,
        object: toRefundObject(row),
        notifyUrl: row.notify_url ?? payment.notify_url,
        dialect: payment.dialect,
        at: now,
      }, this.deliveryRules);
      await deleteTask(trx, 'refund', id);
      return row;
    });
  }
}

/**
 * What the payment's refunds hold of its amount (those not failed), in minor units. Run inside the
 * transaction that holds the payment's row lock, so no concurrent refund can slip between read and insert.
 */
export async function reservedRefundTotal(trx: Transaction<Database>, paymentId: string): Promise<number> {
  const row = await trx
    .selectFrom('refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
    .where('payment_id', '=', paymentId)
    .where('status', 'in', [...REFUND_STATUSES_HOLDING_AMOUNT])
    .executeTakeFirstOrThrow();
  return exactMinorUnits(row.total);
}
