import type { Kysely } from 'kysely';
import {
  type LateSuccessPolicy,
  canHaveLateSuccess,
  checkRefund,
  isLateSuccessPolicy,
  lateSuccessTransition,
  newId,
} from '@counterpay/core';
import type { Database, DatabaseKind, PaymentLateSuccessColumns } from '@counterpay/db';
import { toPaymentObject } from '../payments/objects.ts';
import { type DeliveryRules, SEND_EVERY_EVENT, appendEvent } from './event-outbox.ts';
import type { PaymentRow } from './payment-repository.ts';
import { type RefundRow, reservedRefundTotal } from './refund-repository.ts';
import { lockPaymentRow } from './sql.ts';
import { type NewTask, deleteTask, insertTask } from './task-repository.ts';

/** A payment row with its late-success columns (0008; absent from rows built before they existed). */
export type LatePaymentRow = PaymentRow & Partial<PaymentLateSuccessColumns>;

/** The late charge as the wallet showed it. */
export interface LateCharge {
  walletTransactionId: string;
  /** Minor units the wallet took. */
  amount: number;
  paidAt: Date | null;
  source: 'query' | 'notification' | 'statement';
}

export type LateSuccessRecord =
  | { outcome: 'refunded'; payment: LatePaymentRow; refund: RefundRow }
  | { outcome: 'accepted'; payment: LatePaymentRow }
  | { outcome: 'already_handled' | 'not_late'; payment: LatePaymentRow | null };

/** The refund of a late charge: the reason the merchant sees on it. */
export const LATE_SUCCESS_REFUND_REASON = 'late_success';

/**
 * Late successes: the discovery, what was decided and its consequence (a refund with its resolver task,
 * or the payment succeeded) and the `payment.late_success` event commit together, under the payment's
 * row lock, once per payment: a second discovery finds `late_success_action` set and does nothing.
 */
export class LateSuccessRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
    private readonly instanceId: string,
    private readonly deliveryRules: DeliveryRules = SEND_EVERY_EVENT,
  ) {
    this.#db = db;
  }

  /** The merchant's policy; null when there is no such merchant. */
  async policyOf(merchantId: string): Promise<LateSuccessPolicy | null> {
    const row = await this.#db.selectFrom('merchants').select('late_success_policy').where('id', '=', merchantId).executeTakeFirst();
    if (!row) return null;
    return isLateSuccessPolicy(row.late_success_policy) ? row.late_success_policy : 'refund';
  }

  /** False when there is no such merchant. */
  async setPolicy(merchantId: string, policy: LateSuccessPolicy): Promise<boolean> {
    const result = await this.#db.updateTable('merchants').set({ late_success_policy: policy }).where('id', '=', merchantId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records a late charge and acts on it (see the class comment); `refundTask` schedules the refund's resolver. */
  async record(paymentId: string, charge: LateCharge, refundTask: NewTask, now = new Date()): Promise<LateSuccessRecord> {
    return this.#db.transaction().execute(async (trx) => {
      const payment = await lockPaymentRow(trx, this.kind, paymentId);
      // Handled before (an accepted one is succeeded now): the same late success found again.
      if (payment?.late_success_action) return { outcome: 'already_handled', payment };
      if (!payment || !canHaveLateSuccess(payment.status)) return { outcome: 'not_late', payment };
      const merchant = await trx.selectFrom('merchants').select('late_success_policy').where('id', '=', payment.merchant_id).executeTakeFirst();
      const policy: LateSuccessPolicy = isLateSuccessPolicy(merchant?.late_success_policy) ? merchant.late_success_policy : 'refund';
      const late = {
        late_paid_amount: charge.amount,
        late_wallet_transaction_id: charge.walletTransactionId,
        late_paid_at: (charge.paidAt ?? now).toISOString(),
      };
      let refund: RefundRow | null = null;
      let changes: Partial<LatePaymentRow> & { late_success_action: 'refunded' | 'accepted' };
      if (policy === 'accept') {
        changes = {
          ...lateSuccessTransition(payment.status, now, charge.paidAt),
          ...late,
          late_success_action: 'accepted',
          wallet_transaction_id: charge.walletTransactionId,
          version: payment.version + 1,
          updated_at: now.toISOString(),
        };
      } else {
        const reserved = await reservedRefundTotal(trx, paymentId);
        const amount = checkRefund({
          paymentStatus: payment.status,
          paidAt: charge.paidAt,
          amountPaid: charge.amount,
          reserved,
          requested: undefined,
          now,
          lateCharge: charge.amount,
        });
        refund = {
          id: newId('refund', now.getTime()),
          payment_id: payment.id,
          merchant_id: payment.merchant_id,
          amount,
          currency: payment.currency,
          status: 'processing',
          merchant_refund_id: null,
          reason: LATE_SUCCESS_REFUND_REASON,
          failure_code: null,
          failure_message: null,
          wallet_refund_id: null,
          dialect: payment.dialect,
          dialect_data: '{}',
          notify_url: null,
          request_hash: `late_success:${payment.id}`,
          livemode: payment.livemode,
          version: 1,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          succeeded_at: null,
        };
        await trx.insertInto('refunds').values(refund).execute();
        await insertTask(trx, this.instanceId, 'refund', refund.id, refundTask, now);
        changes = { ...late, late_success_action: 'refunded', version: payment.version + 1, updated_at: now.toISOString() };
      }
      await trx.updateTable('payments').set(changes).where('id', '=', payment.id).execute();
      const row: LatePaymentRow = { ...payment, ...changes };
      const action = changes.late_success_action;
      const at = now;
      if (action === 'accepted') {
        await appendEvent(trx, this.#paymentEvent(row, `payment.${row.status}`, toPaymentObject(row), at), this.deliveryRules);
      }
      await appendEvent(trx, this.#paymentEvent(row, 'payment.late_success', lateSuccessObject(row, refund, charge.source), at), this.deliveryRules);
      // Nothing left to watch for: the follow-up queries of this payment stop here.
      await deleteTask(trx, 'late_check', payment.id);
      return refund ? { outcome: 'refunded', payment: row, refund } : { outcome: 'accepted', payment: row };
    });
  }

  #paymentEvent(row: PaymentRow, type: string, object: unknown, at: Date) {
    return {
      merchantId: row.merchant_id,
      livemode: row.livemode === 1,
      type,
      objectType: 'payment' as const,
      objectId: row.id,
      objectVersion: row.version,
      object,
      notifyUrl: row.notify_url,
      dialect: row.dialect,
      at,
    };
  }
}

/** `payment.late_success`'s `data.object`: the payment, with the late charge and what was done about it. */
export function lateSuccessObject(row: LatePaymentRow, refund: RefundRow | null, source: LateCharge['source']) {
  return {
    ...toPaymentObject(row),
    late_success: {
      amount: row.late_paid_amount ?? null,
      wallet_transaction_id: row.late_wallet_transaction_id ?? null,
      paid_at: row.late_paid_at ?? null,
      action: row.late_success_action ?? null,
      refund: refund ? refund.id : null,
      /** What showed the charge: a query, the wallet's notification, or its daily statement. */
      found_by: source,
    },
  };
}
