import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import { type PaymentStatus, type Wallet, exactMinorUnits, idBoundAt } from '@counterpay/core';
import { type ApiKeyTable, type Database, type DeliveryAttemptTable, type DeliveryTable, type EventTable, type OperatorTable, type RefundTable, type StoreTable, type TerminalTable, type WalletCallTable, isUniqueViolation } from '@counterpay/db';
import type { PaymentRow } from './payment-repository.ts';
import { type MerchantScope, modeFlag } from './scope.ts';

/** The dashboard's payment filters; every one optional, all of them combined. */
export interface PaymentSearch {
  status?: PaymentStatus | undefined;
  wallet?: Wallet | undefined;
  storeId?: string | undefined;
  terminalId?: string | undefined;
  /** Created at or after (ISO-8601 UTC). */
  from?: string | undefined;
  /** Created before (ISO-8601 UTC). */
  to?: string | undefined;
  /** The start of a merchant order id. */
  orderIdPrefix?: string | undefined;
  /** The barcode as stored (masked: first and last four digits), for a search by the whole code. */
  barcodeMasked?: string | undefined;
  /** The last digits of the barcode (at most the four the masked barcode keeps). */
  barcodeSuffix?: string | undefined;
  limit: number;
  /** A payment id: only older payments follow it. */
  startingAfter?: string | undefined;
}

/** Succeeded sales of one hour (UTC), wallet, store and currency: the totals' building block. */
export interface SalesBucket {
  hour: string;
  wallet: string | null;
  storeId: string | null;
  currency: string;
  count: number;
  amount: number;
  refunded: number;
}

export type WalletCallRow = Selectable<WalletCallTable>;
export type EventRow = Selectable<EventTable>;
export type DeliveryRow = Selectable<DeliveryTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptTable>;
export type RefundRowOf = Selectable<RefundTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type StoreRecord = Selectable<StoreTable>;
export type TerminalRecord = Selectable<TerminalTable>;
export type OperatorRecord = Selectable<OperatorTable>;

/** Everything stored about one payment, for its timeline. */
export interface PaymentHistory {
  refunds: RefundRowOf[];
  walletCalls: WalletCallRow[];
  events: EventRow[];
  deliveries: DeliveryRow[];
  attempts: DeliveryAttemptRow[];
}

/** `%` and `_` are LIKE wildcards: a search for `A_1` means those characters. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The merchant dashboard's reads (searches, timelines, totals, settings) and the settings it writes
 * (stores, terminals, operators, API keys). Payment and refund statuses are not written here: the
 * dashboard's actions go through the payment and refund services.
 */
export class DashboardRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Newest first (ids are time-ordered), with a cursor. */
  async searchPayments(scope: MerchantScope, search: PaymentSearch): Promise<{ data: PaymentRow[]; hasMore: boolean }> {
    const rows = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .$if(!!search.status, (q) => q.where('status', '=', search.status!))
      .$if(!!search.wallet, (q) => q.where('wallet', '=', search.wallet!))
      .$if(!!search.storeId, (q) => q.where('store_id', '=', search.storeId!))
      .$if(!!search.terminalId, (q) => q.where('terminal_id', '=', search.terminalId!))
      .$if(!!search.from, (q) => q.where('id', '>=', createdFrom(search.from!)))
      .$if(!!search.to, (q) => q.where('id', '<', createdFrom(search.to!)))
      .$if(!!search.orderIdPrefix || !!search.barcodeMasked || !!search.barcodeSuffix, (q) =>
        q.where((eb) =>
          eb.or([
            ...(search.orderIdPrefix ? [sql<boolean>`merchant_order_id like ${`${escapeLike(search.orderIdPrefix)}%`} escape '\\'`] : []),
            ...(search.barcodeMasked ? [eb('barcode_masked', '=', search.barcodeMasked)] : []),
            ...(search.barcodeSuffix ? [sql<boolean>`barcode_masked like ${`%${escapeLike(search.barcodeSuffix)}`} escape '\\'`] : []),
          ]),
        ),
      )
      .$if(!!search.startingAfter, (q) => q.where('id', '<', search.startingAfter!))
      .orderBy('id', 'desc')
      .limit(search.limit + 1)
      .execute();
    return { data: rows.slice(0, search.limit), hasMore: rows.length > search.limit };
  }

  /** Everything stored about a payment: its refunds, wallet calls, events (its own and its refunds'), deliveries and their attempts. */
  async paymentHistory(paymentId: string): Promise<PaymentHistory> {
    const refunds = await this.#db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
    const walletCalls = await this.#db.selectFrom('wallet_calls').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').orderBy('id').execute();
    const refundIds = refunds.map((r) => r.id);
    const events = await this.#db
      .selectFrom('events')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('object_type', '=', 'payment'), eb('object_id', '=', paymentId)]),
          ...(refundIds.length ? [eb.and([eb('object_type', '=', 'refund'), eb('object_id', 'in', refundIds)])] : []),
        ]),
      )
      .orderBy('id')
      .execute();
    const eventIds = events.map((e) => e.id);
    const deliveries = eventIds.length ? await this.#db.selectFrom('deliveries').selectAll().where('event_id', 'in', eventIds).orderBy('id').execute() : [];
    const attempts = eventIds.length ? await this.#db.selectFrom('delivery_attempts').selectAll().where('event_id', 'in', eventIds).orderBy('attempted_at').orderBy('id').execute() : [];
    return { refunds, walletCalls, events, deliveries, attempts };
  }

  /** Succeeded payments created in [from, to), summed per UTC hour, wallet, store and currency. */
  async salesBuckets(scope: MerchantScope, from: string, to: string): Promise<SalesBucket[]> {
    const hour = sql<string>`substr(created_at, 1, 13)`;
    const rows = await this.#db
      .selectFrom('payments')
      .select([
        hour.as('hour'),
        'wallet',
        'store_id',
        'currency',
        (eb) => eb.fn.countAll().as('count'),
        (eb) => eb.fn.sum<string | number>('amount').as('amount'),
        (eb) => eb.fn.sum<string | number>('amount_refunded').as('refunded'),
      ])
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .where('status', '=', 'succeeded')
      .where('id', '>=', createdFrom(from))
      .where('id', '<', createdFrom(to))
      .groupBy([hour, 'wallet', 'store_id', 'currency'])
      .execute();
    // PostgreSQL answers sums of bigint as text: exact, converted once here.
    return rows.map((r) => ({ hour: r.hour, wallet: r.wallet, storeId: r.store_id, currency: r.currency, count: Number(r.count), amount: exactMinorUnits(r.amount), refunded: exactMinorUnits(r.refunded) }));
  }

  /** The endpoint's latest deliveries (newest first) with their attempts and event types. */
  async endpointDeliveries(endpointId: string, limit: number): Promise<Array<DeliveryRow & { event_type: string; attemptLog: DeliveryAttemptRow[] }>> {
    const rows = await this.#db
      .selectFrom('deliveries')
      .innerJoin('events', 'events.id', 'deliveries.event_id')
      .selectAll('deliveries')
      .select('events.type as event_type')
      .where('deliveries.endpoint_id', '=', endpointId)
      .orderBy('deliveries.id', 'desc')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const attempts = await this.#db.selectFrom('delivery_attempts').selectAll().where('delivery_id', 'in', rows.map((r) => r.id)).orderBy('attempted_at').orderBy('id').execute();
    return rows.map((r) => ({ ...r, attemptLog: attempts.filter((a) => a.delivery_id === r.id) }));
  }

  listStores(merchantId: string): Promise<StoreRecord[]> {
    return this.#db.selectFrom('stores').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').execute();
  }

  listTerminals(merchantId: string): Promise<TerminalRecord[]> {
    return this.#db.selectFrom('terminals').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').execute();
  }

  listOperators(merchantId: string): Promise<OperatorRecord[]> {
    return this.#db.selectFrom('operators').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').execute();
  }

  /** A new store, terminal or operator; `duplicate` when the merchant already has one with that number. */
  async insertStore(row: StoreRecord): Promise<'inserted' | 'duplicate'> {
    return this.#insertOnce(() => this.#db.insertInto('stores').values(row).execute());
  }

  async insertTerminal(row: TerminalRecord): Promise<'inserted' | 'duplicate'> {
    return this.#insertOnce(() => this.#db.insertInto('terminals').values(row).execute());
  }

  async insertOperator(row: OperatorRecord): Promise<'inserted' | 'duplicate'> {
    return this.#insertOnce(() => this.#db.insertInto('operators').values(row).execute());
  }

  async #insertOnce(insert: () => Promise<unknown>): Promise<'inserted' | 'duplicate'> {
    try {
      await insert();
      return 'inserted';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** The scope's API keys of every kind (without their hashes' use: the dashboard shows prefixes only). */
  listApiKeys(scope: MerchantScope): Promise<ApiKeyRow[]> {
    return this.#db.selectFrom('api_keys').selectAll().where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).orderBy('created_at').orderBy('id').execute();
  }

  async insertApiKey(row: Insertable<ApiKeyTable>): Promise<void> {
    await this.#db.insertInto('api_keys').values(row).execute();
  }

  /** Revokes the scope's key; false when there is no such unrevoked key. */
  async revokeApiKey(scope: MerchantScope, id: string, at: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: at.toISOString() })
      .where('id', '=', id)
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** How many unrevoked merchant-wide secret keys the scope has (the last one must not be revoked). */
  async countActiveSecretKeys(scope: MerchantScope): Promise<number> {
    const row = await this.#db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .where('kind', '=', 'secret')
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/** Payments created at or after an ISO time are those with an id at or above this (ids are time-ordered; no created_at index is needed). */
function createdFrom(iso: string): string {
  return idBoundAt('payment', new Date(iso));
}
