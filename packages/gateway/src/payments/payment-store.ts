import { EventEmitter } from 'node:events';
import type { Kysely, Transaction } from 'kysely';
import {
  IdempotencyError,
  NotFoundError,
  type FailureCode,
  type PaymentStatus,
  type WalletCallRecord,
  assertRefundTransition,
  failureMessage,
  newId,
  paymentTransition,
} from '@counterpay/core';
import type { Database, DatabaseKind } from '@counterpay/db';
import { type PaymentRow, type RefundRow, toPaymentObject, toRefundObject } from './objects.ts';
import { planDeliveries } from '../notifications/delivery-planner.ts';

export type Db = Kysely<Database> | Transaction<Database>;
export type TaskKind = 'payment' | 'refund';

export interface PaymentChange {
  to: Exclude<PaymentStatus, 'processing'>;
  failureCode?: FailureCode;
  walletTransactionId?: string | null;
  paidAt?: Date | null;
}

/**
 * Storage of payments and refunds. The only writer of statuses: every change goes through the core
 * state machine, is conditional on the row still being `processing` (so concurrent resolvers cannot
 * both win), and writes its outbox event and clears its resolver task in the same transaction.
 */
export class PaymentStore {
  /** Emits the payment id (and refund id) after a committed change, to wake waiting requests. */
  readonly changes = new EventEmitter();

  constructor(
    readonly db: Kysely<Database>,
    readonly kind: DatabaseKind,
    /** This gateway instance, recorded with every wallet call. */
    readonly instanceId: string,
  ) {
    this.changes.setMaxListeners(0);
  }

  async getPayment(id: string, db: Db = this.db): Promise<PaymentRow | null> {
    return (await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** Reads a payment and, on PostgreSQL, locks its row until the transaction ends. */
  async lockPayment(trx: Transaction<Database>, id: string): Promise<PaymentRow | null> {
    const row = await trx
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', id)
      .$if(this.kind === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    return row ?? null;
  }

  async getRefund(id: string, db: Db = this.db): Promise<RefundRow | null> {
    return (await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async transitionPayment(id: string, change: PaymentChange, now = new Date()): Promise<PaymentRow | null> {
    const updated = await this.db.transaction().execute(async (trx) => {
      const current = await this.lockPayment(trx, id);
      if (!current || current.status !== 'processing') return null;
      const next = paymentTransition(current.status as PaymentStatus, change.to, now, change.failureCode);
      const paidAt = change.to === 'succeeded' ? (change.paidAt ?? now).toISOString() : null;
      const result = await trx
        .updateTable('payments')
        .set({
          status: next.status,
          failure_code: next.failure_code,
          failure_message: next.failure_message,
          paid_at: paidAt,
          closed_at: next.closed_at,
          wallet_transaction_id: change.walletTransactionId ?? current.wallet_transaction_id,
          version: current.version + 1,
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      const row = (await this.getPayment(id, trx))!;
      await this.insertEvent(trx, row.merchant_id, `payment.${row.status}`, 'payment', row.id, row.version, toPaymentObject(row), now, row.notify_url);
      await this.deleteTask(trx, 'payment', id);
      return row;
    });
    if (updated) this.changes.emit(id);
    return updated;
  }

  async transitionRefund(
    id: string,
    to: 'succeeded' | 'failed',
    details: { walletRefundId?: string | null; failureCode?: string; failureMessage?: string },
    now = new Date(),
  ): Promise<RefundRow | null> {
    const updated = await this.db.transaction().execute(async (trx) => {
      const current = await this.getRefund(id, trx);
      if (!current || current.status !== 'processing') return null;
      assertRefundTransition('processing', to);
      // Lock the payment first: refund creation takes the same lock, so sums stay consistent.
      const payment = (await this.lockPayment(trx, current.payment_id))!;
      const result = await trx
        .updateTable('refunds')
        .set({
          status: to,
          wallet_refund_id: details.walletRefundId ?? null,
          failure_code: to === 'failed' ? (details.failureCode ?? 'failed_processing') : null,
          failure_message: to === 'failed' ? (details.failureMessage ?? failureMessage('failed_processing')) : null,
          succeeded_at: to === 'succeeded' ? now.toISOString() : null,
          version: current.version + 1,
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      if (to === 'succeeded') {
        await trx
          .updateTable('payments')
          .set({ amount_refunded: payment.amount_refunded + current.amount, version: payment.version + 1, updated_at: now.toISOString() })
          .where('id', '=', payment.id)
          .execute();
      }
      const row = (await this.getRefund(id, trx))!;
      await this.insertEvent(trx, row.merchant_id, `refund.${to}`, 'refund', row.id, row.version, toRefundObject(row), now, row.notify_url ?? payment.notify_url);
      await this.deleteTask(trx, 'refund', id);
      return row;
    });
    if (updated) {
      this.changes.emit(id);
      this.changes.emit(updated.payment_id);
    }
    return updated;
  }

  /** The outbox row of a change and its planned deliveries, in the change's own transaction. */
  async insertEvent(trx: Db, merchantId: string, type: string, objectType: string, objectId: string, version: number, object: unknown, now: Date, notifyUrl: string | null): Promise<void> {
    const id = newId('event', now.getTime());
    const createdAt = now.toISOString();
    const payload = { id, object: 'event', type, created_at: createdAt, data: { object } };
    await trx
      .insertInto('events')
      .values({ id, merchant_id: merchantId, type, object_type: objectType, object_id: objectId, object_version: version, payload: JSON.stringify(payload), created_at: createdAt })
      .execute();
    await planDeliveries(trx, { id, type, merchantId, createdAt }, notifyUrl);
  }

  /**
   * A new task starts leased by this instance until its first check: the request that created it is
   * still talking to the wallet, and no resolver may query at the same time.
   */
  async insertTask(trx: Db, kind: TaskKind, objectId: string, nextRunAt: Date, deadlineAt: Date, now = new Date(), leased = true): Promise<void> {
    await trx
      .insertInto('tasks')
      .values({
        kind,
        object_id: objectId,
        next_run_at: nextRunAt.toISOString(),
        deadline_at: deadlineAt.toISOString(),
        attempts: 0,
        lease_owner: leased ? this.instanceId : null,
        lease_until: leased ? nextRunAt.toISOString() : null,
        last_error: null,
        cancel_started_at: null,
        created_at: now.toISOString(),
      })
      .execute();
  }

  /** Records, before the first cancel call goes out, that this task is now cancelling (see TaskTable). */
  async markCancelStarted(kind: TaskKind, objectId: string, at = new Date()): Promise<void> {
    await this.db.updateTable('tasks').set({ cancel_started_at: at.toISOString() }).where('kind', '=', kind).where('object_id', '=', objectId).where('cancel_started_at', 'is', null).execute();
  }

  async deleteTask(trx: Db, kind: TaskKind, objectId: string): Promise<void> {
    await trx.deleteFrom('tasks').where('kind', '=', kind).where('object_id', '=', objectId).execute();
  }

  /**
   * Moves a task's next check (and optionally its deadline). The holder of the lease releases it here
   * (a no-op if another instance took the task over after our lease expired); others (a cancel request,
   * a wallet notification) leave the lease alone, so no two instances ever work a task at once.
   */
  async rescheduleTask(
    kind: TaskKind,
    objectId: string,
    nextRunAt: Date,
    opts: { deadlineAt?: Date; error?: string | null; countAttempt?: boolean; keepLease?: boolean } = {},
  ): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set((eb) => ({
        next_run_at: nextRunAt.toISOString(),
        ...(opts.keepLease ? {} : { lease_owner: null, lease_until: null }),
        ...(opts.deadlineAt ? { deadline_at: opts.deadlineAt.toISOString() } : {}),
        ...(opts.error !== undefined ? { last_error: opts.error } : {}),
        ...(opts.countAttempt ? { attempts: eb('attempts', '+', 1) } : {}),
      }))
      .where('kind', '=', kind)
      .where('object_id', '=', objectId)
      .$if(!opts.keepLease, (q) => q.where((eb) => eb.or([eb('lease_owner', '=', this.instanceId), eb('lease_owner', 'is', null)])))
      .execute();
  }

  async recordWalletCalls(merchantId: string, ref: { paymentId?: string; refundId?: string }, calls: WalletCallRecord[]): Promise<void> {
    if (calls.length === 0) return;
    const end = Date.now();
    await this.db
      .insertInto('wallet_calls')
      .values(
        calls.map((call) => ({
          id: newId('walletCall'),
          instance_id: this.instanceId,
          merchant_id: merchantId,
          payment_id: ref.paymentId ?? null,
          refund_id: ref.refundId ?? null,
          wallet: call.wallet,
          method: call.method,
          outcome: call.outcome,
          wallet_code: call.walletCode,
          http_status: call.httpStatus,
          latency_ms: Math.round(call.latencyMs),
          error: call.error,
          created_at: new Date(end - call.latencyMs).toISOString(),
        })),
      )
      .execute();
  }

  /**
   * The object an `Idempotency-Key` was first used for, or null for a new key. Reusing a key for a
   * different request (another body or another kind of request) is a conflict.
   */
  async objectForIdempotencyKey(merchantId: string, key: string | undefined, scope: string, hash: string): Promise<string | null> {
    if (!key) return null;
    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', merchantId).where('key', '=', key).executeTakeFirst();
    if (!row) return null;
    if (row.request_hash !== hash || row.scope !== scope) {
      throw new IdempotencyError('idempotency_key_reused', 'This Idempotency-Key was already used with different request parameters.');
    }
    return row.object_id;
  }

  /**
   * Re-reads an object until `settled` holds or `ms` pass, then returns it as it is. Woken at once by
   * changes made in this process; the 250 ms re-read covers changes made by other instances.
   */
  async waitUntil<T>(id: string, read: (id: string) => Promise<T | null>, settled: (row: T) => boolean, ms: number, what: string): Promise<T> {
    const until = Date.now() + Math.max(0, ms);
    for (;;) {
      const row = await read(id);
      if (!row) throw new NotFoundError(what, id);
      const left = until - Date.now();
      if (settled(row) || left <= 0) return row;
      await this.waitForChange(id, Math.min(left, 250));
    }
  }

  /** Resolves when the object changes in this process or `ms` pass; callers re-read the row. */
  waitForChange(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changes.off(id, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changes.on(id, done);
    });
  }
}
