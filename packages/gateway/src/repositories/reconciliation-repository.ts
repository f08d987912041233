import { type Kysely, type Selectable, sql } from 'kysely';
import { type Wallet, idBoundAt, newId } from '@counterpay/core';
import { type Database, type DatabaseKind, type ReconciliationReportTable, type ReconciliationRunTable, isUniqueViolation } from '@counterpay/db';
import { type DeliveryRules, SEND_EVERY_EVENT, appendEvent } from './event-outbox.ts';
import { type MerchantScope, modeFlag } from './scope.ts';

export type ReconciliationRunRow = Selectable<ReconciliationRunTable>;
export type ReconciliationReportRow = Selectable<ReconciliationReportTable>;

/** What one run reconciles: a merchant's wallet, in one mode, on one China day. */
export interface RunKey {
  merchantId: string;
  livemode: boolean;
  wallet: Wallet;
  date: string;
}

export interface ReportListFilter {
  date?: string;
  wallet?: Wallet;
  startingAfter?: string;
  limit: number;
}

const ID_CHUNK = 500;
/**
 * How long before the day a payment or refund paid in it may have been created (a QR code lives up to 3
 * days; an unknown outcome can take a while to resolve). Ids are time-ordered, so the day's records are
 * an id range the merchant's id index serves, with no index on paid_at to slow every payment insert.
 * One older still is matched all the same when the statement names it (looked up by id).
 */
const CREATED_BEFORE_DAY_MS = 7 * 86_400_000;
const chunks = <T>(items: readonly T[]): T[][] => Array.from({ length: Math.ceil(items.length / ID_CHUNK) }, (_, i) => items.slice(i * ID_CHUNK, (i + 1) * ID_CHUNK));

/** Daily reconciliation: its runs (claimed with a lease, like resolver tasks), the records it matches, its reports. */
export class ReconciliationRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
    private readonly owner: string,
    private readonly deliveryRules: DeliveryRules = SEND_EVERY_EVENT,
  ) {
    this.#db = db;
  }

  /** Every merchant, mode and wallet with an account: whose statements there are to fetch. */
  async accounts(): Promise<Array<{ merchant_id: string; livemode: number; wallet: Wallet }>> {
    return this.#db.selectFrom('wallet_accounts').select(['merchant_id', 'livemode', 'wallet']).execute();
  }

  /** The wallets a merchant has an account on in a mode. */
  async walletsOf(scope: MerchantScope): Promise<Wallet[]> {
    const rows = await this.#db.selectFrom('wallet_accounts').select('wallet').where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).execute();
    return rows.map((r) => r.wallet);
  }

  /** Schedules a run (nothing if it exists: a day is reconciled once by the scheduler). */
  async ensureRun(key: RunKey, dueAt: Date, now = new Date()): Promise<void> {
    await this.#db
      .insertInto('reconciliation_runs')
      .values({
        merchant_id: key.merchantId,
        livemode: key.livemode ? 1 : 0,
        wallet: key.wallet,
        date: key.date,
        state: 'pending',
        attempts: 0,
        next_attempt_at: dueAt.toISOString(),
        lease_owner: null,
        lease_until: null,
        last_error: null,
        report_id: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(['merchant_id', 'livemode', 'wallet', 'date']).doNothing())
      .execute();
  }

  /** Claims due pending runs with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer). */
  async claimDue(limit: number, leaseMs: number, now = new Date()): Promise<ReconciliationRunRow[]> {
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
    const lock = this.kind === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<ReconciliationRunRow>`
      update reconciliation_runs set lease_owner = ${this.owner}, lease_until = ${leaseUntil}, attempts = attempts + 1, updated_at = ${at}
      where (merchant_id, livemode, wallet, date) in (
        select merchant_id, livemode, wallet, date from reconciliation_runs
        where state = 'pending' and next_attempt_at <= ${at} and (lease_until is null or lease_until < ${at})
        order by next_attempt_at
        limit ${limit}
        ${lock}
      )
      returning *`.execute(this.#db);
    return result.rows;
  }

  /** The statement is not there yet (or the wallet did not answer): try again at `next`, releasing the lease. */
  async retryLater(key: RunKey, next: Date, error: string, now = new Date()): Promise<void> {
    await this.#runs(key)
      .set({ next_attempt_at: next.toISOString(), last_error: error, lease_owner: null, lease_until: null, updated_at: now.toISOString() })
      .where('state', '=', 'pending')
      .execute();
  }

  async getRun(key: RunKey): Promise<ReconciliationRunRow | null> {
    return (
      (await this.#db
        .selectFrom('reconciliation_runs')
        .selectAll()
        .where('merchant_id', '=', key.merchantId)
        .where('livemode', '=', key.livemode ? 1 : 0)
        .where('wallet', '=', key.wallet)
        .where('date', '=', key.date)
        .executeTakeFirst()) ?? null
    );
  }

  /** Our payments of a merchant's wallet paid in [start, end), and those with the given ids. */
  async paymentsFor(key: RunKey, start: Date, end: Date, ids: readonly string[]) {
    const base = () =>
      this.#db
        .selectFrom('payments')
        .select(['id', 'status', 'amount', 'currency', 'store_id', 'paid_at', 'wallet_transaction_id', 'merchant_id', 'livemode', 'wallet'])
        .where('merchant_id', '=', key.merchantId)
        .where('livemode', '=', key.livemode ? 1 : 0)
        .where('wallet', '=', key.wallet);
    const byDay = await base()
      .where('id', '>=', idBoundAt('payment', new Date(start.getTime() - CREATED_BEFORE_DAY_MS)))
      .where('id', '<', idBoundAt('payment', end))
      .where('paid_at', '>=', start.toISOString())
      .where('paid_at', '<', end.toISOString())
      .execute();
    const byId = (await Promise.all(chunks(ids).map((part) => base().where('id', 'in', part).execute()))).flat();
    return [...new Map([...byDay, ...byId].map((p) => [p.id, p])).values()];
  }

  /** Our refunds of a merchant's wallet made in [start, end), and those with the given ids. */
  async refundsFor(key: RunKey, start: Date, end: Date, ids: readonly string[]) {
    const base = () =>
      this.#db
        .selectFrom('refunds')
        .innerJoin('payments', 'payments.id', 'refunds.payment_id')
        .select(['refunds.id', 'refunds.payment_id', 'refunds.status', 'refunds.amount', 'refunds.currency', 'refunds.succeeded_at'])
        .where('refunds.merchant_id', '=', key.merchantId)
        .where('refunds.livemode', '=', key.livemode ? 1 : 0)
        .where('payments.wallet', '=', key.wallet);
    const byDay = await base()
      .where('refunds.id', '>=', idBoundAt('refund', new Date(start.getTime() - CREATED_BEFORE_DAY_MS)))
      .where('refunds.id', '<', idBoundAt('refund', end))
      .where('refunds.succeeded_at', '>=', start.toISOString())
      .where('refunds.succeeded_at', '<', end.toISOString())
      .execute();
    const byId = (await Promise.all(chunks(ids).map((part) => base().where('refunds.id', 'in', part).execute()))).flat();
    return [...new Map([...byDay, ...byId].map((r) => [r.id, r])).values()];
  }

  /** Books the wallet's fee on each payment (the statement is the wallet's word for it). */
  async bookFees(fees: ReadonlyArray<{ paymentId: string; fee: number }>): Promise<void> {
    if (fees.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const { paymentId, fee } of fees) await trx.updateTable('payments').set({ wallet_fee: fee }).where('id', '=', paymentId).execute();
    });
  }

  /**
   * Stores a run's report (replacing an earlier one of the same day, keeping its id), marks the run
   * done, and writes `reconciliation.completed` to the outbox: all in one transaction.
   */
  async saveReport(key: RunKey, build: (id: string) => Record<string, unknown>, now = new Date()): Promise<Record<string, unknown>> {
    try {
      return await this.#saveReport(key, build, now);
    } catch (error) {
      // Another instance stored the same day's first report at the same moment (a run now beside the
      // scheduled run): store ours over it, keeping its id.
      if (!isUniqueViolation(error)) throw error;
      return this.#saveReport(key, build, now);
    }
  }

  #saveReport(key: RunKey, build: (id: string) => Record<string, unknown>, now: Date): Promise<Record<string, unknown>> {
    return this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('reconciliation_reports')
        .select('id')
        .where('merchant_id', '=', key.merchantId)
        .where('livemode', '=', key.livemode ? 1 : 0)
        .where('wallet', '=', key.wallet)
        .where('date', '=', key.date)
        .executeTakeFirst();
      const id = existing?.id ?? newId('reconciliationReport', now.getTime());
      const report = build(id);
      const text = JSON.stringify(report);
      if (existing) {
        await trx.updateTable('reconciliation_reports').set({ report: text, created_at: now.toISOString() }).where('id', '=', id).execute();
      } else {
        await trx
          .insertInto('reconciliation_reports')
          .values({ id, merchant_id: key.merchantId, livemode: key.livemode ? 1 : 0, wallet: key.wallet, date: key.date, report: text, created_at: now.toISOString() })
          .execute();
      }
      await trx
        .insertInto('reconciliation_runs')
        .values({
          merchant_id: key.merchantId,
          livemode: key.livemode ? 1 : 0,
          wallet: key.wallet,
          date: key.date,
          state: 'done',
          attempts: 1,
          next_attempt_at: now.toISOString(),
          lease_owner: null,
          lease_until: null,
          last_error: null,
          report_id: id,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .onConflict((oc) =>
          oc.columns(['merchant_id', 'livemode', 'wallet', 'date']).doUpdateSet({ state: 'done', report_id: id, lease_owner: null, lease_until: null, last_error: null, updated_at: now.toISOString() }),
        )
        .execute();
      await appendEvent(
        trx,
        { merchantId: key.merchantId, livemode: key.livemode, type: 'reconciliation.completed', objectType: 'reconciliation_report', objectId: id, objectVersion: 1, object: report, notifyUrl: null, dialect: 'native', at: now },
        this.deliveryRules,
      );
      return report;
    });
  }

  async getReport(scope: MerchantScope, id: string): Promise<ReconciliationReportRow | null> {
    return (
      (await this.#db.selectFrom('reconciliation_reports').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).executeTakeFirst()) ?? null
    );
  }

  /** Newest day first (then by id), with a cursor: `startingAfter` is the last report id of the previous page. */
  async listReports(scope: MerchantScope, filter: ReportListFilter): Promise<{ data: ReconciliationReportRow[]; hasMore: boolean }> {
    const cursor = filter.startingAfter ? await this.getReport(scope, filter.startingAfter) : null;
    const rows = await this.#db
      .selectFrom('reconciliation_reports')
      .selectAll()
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .$if(!!filter.date, (q) => q.where('date', '=', filter.date!))
      .$if(!!filter.wallet, (q) => q.where('wallet', '=', filter.wallet!))
      .$if(!!cursor, (q) => q.where((eb) => eb.or([eb('date', '<', cursor!.date), eb.and([eb('date', '=', cursor!.date), eb('id', '<', cursor!.id)])])))
      .orderBy('date', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
  }

  #runs(key: RunKey) {
    return this.#db
      .updateTable('reconciliation_runs')
      .where('merchant_id', '=', key.merchantId)
      .where('livemode', '=', key.livemode ? 1 : 0)
      .where('wallet', '=', key.wallet)
      .where('date', '=', key.date);
  }
}
