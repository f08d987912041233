import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import { type FailureCode, type PaymentStatus, type Wallet, isFinalPaymentStatus, paymentTransition } from '@counterpay/core';
import { type Database, type DatabaseKind, type PaymentTable, isUniqueViolation } from '@counterpay/db';
import { toPaymentObject } from '../payments/objects.ts';
import { type DeliveryRules, SEND_EVERY_EVENT, appendEvent } from './event-outbox.ts';
import { type IdempotencyKeyRow, insertIdempotencyKey } from './idempotency-keys.ts';
import { type MerchantScope, inScope, modeFlag } from './scope.ts';
import { lockPaymentRow } from './sql.ts';
import { type NewTask, deleteTask, insertTask } from './task-repository.ts';

export type PaymentRow = Selectable<PaymentTable>;

/** A status change the wallet's answer calls for; the core state machine computes the columns. */
export interface PaymentChange {
  to: Exclude<PaymentStatus, 'processing'>;
  failureCode?: FailureCode;
  walletTransactionId?: string | null;
  paidAt?: Date | null;
  /** The payer as the wallet named them: the masked login (Alipay buyer_logon_id) and id (buyer_user_id, openid). */
  buyerAccount?: string | null;
  buyerId?: string | null;
  /**
   * The wallet whose answer decided the change: it holds only while the payment is still bound to it
   * (a one-for-all QR code the buyer switched to another wallet meanwhile is not closed by the old one).
   */
  decidedBy?: Wallet | null;
  /** A close: the first follow-up query for a late success (a `late_check` task), in the close's commit. */
  lateCheck?: NewTask | null;
}

export interface PaymentListFilter {
  merchantOrderId?: string | undefined;
  status?: PaymentStatus | undefined;
  /** Only this terminal's payments (a terminal key's list). */
  terminalId?: string | undefined;
  limit: number;
  startingAfter?: string | undefined;
}

/** An offset page inside a creation-time window (the Omise list API). */
export interface PaymentPageQuery {
  dialect: string;
  from: string | null;
  to: string | null;
  order: 'chronological' | 'reverse_chronological';
  limit: number;
  offset: number;
}

/**
 * Payments. The only writer of their statuses: every change goes through the core state machine, is
 * conditional on the row still being open (so concurrent resolvers cannot both win), and writes its
 * outbox event and clears its resolver task in the same transaction.
 */
export class PaymentRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
    /** This gateway instance: it holds the first lease of the tasks it creates. */
    private readonly instanceId: string,
    /** Which events each notification format sends (the deliveries appendEvent plans). */
    private readonly deliveryRules: DeliveryRules = SEND_EVERY_EVENT,
  ) {
    this.#db = db;
  }

  async get(id: string): Promise<PaymentRow | null> {
    return (await this.#db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** The payment if it belongs to the scope (merchant and mode), else null. */
  async getInScope(scope: MerchantScope, id: string): Promise<PaymentRow | null> {
    return inScope(await this.get(id), scope);
  }

  /** Every payment (the ledger comparison of test runs). */
  async listAll(): Promise<PaymentRow[]> {
    return this.#db.selectFrom('payments').selectAll().orderBy('id').execute();
  }

  async getMany(ids: readonly string[]): Promise<PaymentRow[]> {
    if (ids.length === 0) return [];
    return this.#db.selectFrom('payments').selectAll().where('id', 'in', [...ids]).execute();
  }

  /** Order ids are unique per merchant across both modes; the mode filter keeps the other mode's hidden. */
  async findByMerchantOrderId(scope: MerchantScope, merchantOrderId: string, opts: { storeId?: string } = {}): Promise<PaymentRow | null> {
    const row = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', scope.merchantId)
      .where('merchant_order_id', '=', merchantOrderId)
      .where('livemode', '=', modeFlag(scope))
      .$if(opts.storeId !== undefined, (q) => q.where('store_id', '=', opts.storeId!))
      .executeTakeFirst();
    return row ?? null;
  }

  /** The payment holding an order id in any mode (a create must not reuse the other mode's id). */
  async findAnyByMerchantOrderId(merchantId: string, merchantOrderId: string): Promise<PaymentRow | null> {
    const row = await this.#db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('merchant_order_id', '=', merchantOrderId).executeTakeFirst();
    return row ?? null;
  }

  /** Newest first, with a cursor. */
  async list(scope: MerchantScope, filter: PaymentListFilter): Promise<{ data: PaymentRow[]; hasMore: boolean }> {
    const rows = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .$if(!!filter.merchantOrderId, (q) => q.where('merchant_order_id', '=', filter.merchantOrderId!))
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status!))
      .$if(!!filter.terminalId, (q) => q.where('terminal_id', '=', filter.terminalId!))
      .$if(!!filter.startingAfter, (q) => q.where('id', '<', filter.startingAfter!))
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
  }

  /** One offset page of a dialect's payments in a time window, and how many the window holds. */
  async page(scope: MerchantScope, query: PaymentPageQuery): Promise<{ rows: PaymentRow[]; total: number }> {
    const window = this.#db
      .selectFrom('payments')
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .where('dialect', '=', query.dialect)
      .$if(query.from !== null, (q) => q.where('created_at', '>=', query.from!))
      .$if(query.to !== null, (q) => q.where('created_at', '<=', query.to!));
    const counted = await window.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    // Ids are time-ordered, so ordering by id is ordering by creation.
    const rows = await window.selectAll().orderBy('id', query.order === 'chronological' ? 'asc' : 'desc').limit(query.limit).offset(query.offset).execute();
    return { rows, total: Number(counted.n) };
  }

  /**
   * Writes a new payment, its idempotency key and its resolver task in one transaction. `duplicate`:
   * a concurrent request with the same order id or key won the insert (the unique constraints caught it).
   */
  async insertNew(row: PaymentRow, idempotencyKey: IdempotencyKeyRow | null, task: NewTask): Promise<'inserted' | 'duplicate'> {
    const now = new Date(row.created_at);
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('payments').values(row).execute();
        if (idempotencyKey) await insertIdempotencyKey(trx, idempotencyKey);
        await insertTask(trx, this.instanceId, 'payment', row.id, task, now);
      });
      return 'inserted';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * Applies a final status through the state machine; null when the payment was already final (or,
   * with `decidedBy`, is bound to another wallet now). `expected` is the row as the caller last saw it:
   * the update then names that status in its WHERE and returns the committed row, with no read first;
   * when the row moved on meanwhile, the locked read decides as before.
   */
  async transition(id: string, change: PaymentChange, now = new Date(), expected?: PaymentRow): Promise<PaymentRow | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = (expected && !isFinalPaymentStatus(expected.status) ? await this.#updateFrom(trx, expected, change, now) : null) ?? (await this.#updateLocked(trx, id, change, now));
      if (!row) return null;
      await appendEvent(trx, {
        merchantId: row.merchant_id,
        livemode: row.livemode === 1,
        type: `payment.${row.status}`,
        objectType: 'payment',
        objectId: row.id,
        objectVersion: row.version,
        object: toPaymentObject(row),
        notifyUrl: row.notify_url,
        dialect: row.dialect,
        at: now,
      }, this.deliveryRules);
      await deleteTask(trx, 'payment', id);
      if (change.lateCheck) await insertTask(trx, this.instanceId, 'late_check', id, change.lateCheck, now);
      return row;
    });
  }

  /** The change from the status the caller saw, in one UPDATE … RETURNING; null when that is no longer the status. */
  async #updateFrom(trx: Transaction<Database>, seen: PaymentRow, change: PaymentChange, now: Date): Promise<PaymentRow | null> {
    const next = paymentTransition(seen.status, change.to, now, { failureCode: change.failureCode, paidAt: change.paidAt });
    const row = await trx
      .updateTable('payments')
      .set({
        ...next,
        wallet_transaction_id: sql<string | null>`coalesce(${change.walletTransactionId ?? null}, wallet_transaction_id)`,
        buyer_account: sql<string | null>`coalesce(${change.buyerAccount ?? null}, buyer_account)`,
        buyer_id: sql<string | null>`coalesce(${change.buyerId ?? null}, buyer_id)`,
        version: sql<number>`version + 1`,
        updated_at: now.toISOString(),
      })
      .where('id', '=', seen.id)
      .where('status', '=', seen.status)
      .$if(change.decidedBy !== undefined, (q) => (change.decidedBy === null ? q.where('wallet', 'is', null) : q.where('wallet', '=', change.decidedBy!)))
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /** The change from the status the row has now, read under a lock (FOR UPDATE on PostgreSQL). */
  async #updateLocked(trx: Transaction<Database>, id: string, change: PaymentChange, now: Date): Promise<PaymentRow | null> {
    const current = await lockPaymentRow(trx, this.kind, id);
    if (!current || isFinalPaymentStatus(current.status)) return null;
    if (change.decidedBy !== undefined && current.wallet !== change.decidedBy) return null;
    const next = paymentTransition(current.status, change.to, now, { failureCode: change.failureCode, paidAt: change.paidAt });
    const changes = {
      ...next,
      wallet_transaction_id: change.walletTransactionId ?? current.wallet_transaction_id,
      buyer_account: change.buyerAccount ?? current.buyer_account,
      buyer_id: change.buyerId ?? current.buyer_id,
      version: current.version + 1,
      updated_at: now.toISOString(),
    };
    const result = await trx.updateTable('payments').set(changes).where('id', '=', id).where('status', '=', current.status).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    // The row as committed, without reading it back: the locked row plus exactly what was set.
    return { ...current, ...changes };
  }

  /** Stores the wallet's own QR code of an open order. */
  async setQrCode(id: string, qrCode: string): Promise<PaymentRow | null> {
    await this.#db.updateTable('payments').set({ qr_code: qrCode, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
    return this.get(id);
  }

  /**
   * Binds a one-for-all QR payment to the first wallet that opens it; returns the payment as it is
   * afterwards (bound to this wallet, to another, or final), or null when there is no such payment.
   */
  async bindWallet(id: string, wallet: Wallet): Promise<PaymentRow | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await lockPaymentRow(trx, this.kind, id);
      if (!row || row.wallet || isFinalPaymentStatus(row.status)) return row;
      await trx.updateTable('payments').set({ wallet, updated_at: new Date().toISOString() }).where('id', '=', id).where('wallet', 'is', null).execute();
      return { ...row, wallet };
    });
  }

  /**
   * The buyer opened a one-for-all QR code in another wallet after the first wallet's order was closed:
   * rebinds the payment to `to` (once; the closed order cannot be reopened). Null when it changed meanwhile.
   */
  async switchWallet(id: string, from: Wallet, to: Wallet, now = new Date()): Promise<PaymentRow | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await lockPaymentRow(trx, this.kind, id);
      if (!row || row.flow !== 'qr' || row.wallet !== from || row.switched_from_wallet || isFinalPaymentStatus(row.status)) return null;
      const changes = { wallet: to, switched_from_wallet: from, qr_code: null, version: row.version + 1, updated_at: now.toISOString() };
      await trx.updateTable('payments').set(changes).where('id', '=', id).where('version', '=', row.version).execute();
      return { ...row, ...changes };
    });
  }

  /** The merchant asked to cancel: recorded once, so the close reason says who gave up. */
  async markCancelRequested(id: string, at: Date): Promise<void> {
    await this.#db.updateTable('payments').set({ cancel_requested_at: at.toISOString() }).where('id', '=', id).where('cancel_requested_at', 'is', null).execute();
  }
}
