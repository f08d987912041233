import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from './connect.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database, MerchantTable, PaymentTable } from './schema.ts';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from './test-databases.ts';
import { isUniqueViolation } from './unique-violation.ts';

/** Every table of `Database` (schema.ts) — the migrations must create exactly these. */
const TABLES = [
  'api_keys',
  'dashboard_sessions',
  'deliveries',
  'delivery_attempts',
  'dialect_credentials',
  'events',
  'idempotency_keys',
  'merchants',
  'operators',
  'payments',
  'reconciliation_reports',
  'reconciliation_runs',
  'refunds',
  'stores',
  'tasks',
  'terminals',
  'wallet_accounts',
  'wallet_calls',
  'webhook_endpoints',
] satisfies (keyof Database)[];

/** Every migration, in order: each is recorded exactly once. */
const MIGRATIONS = ['0001_initial', '0002_notifications', '0003_livemode', '0004_buyer_and_endpoint_format', '0007_dashboard', '0008_late_success', '0009_reconciliation', '0010_events_index_by_mode_only'];

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const NOW = '2025-01-02T03:04:05.678Z';

function merchantRow(): MerchantTable {
  return { id: unique('mch'), name: 'Test Shop', default_currency: 'CNY', livemode: 0, fee_rate_bps: 250, fee_vat_bps: 700, created_at: NOW };
}

function paymentRow(merchantId: string, overrides: Partial<PaymentTable> = {}): PaymentTable {
  return {
    id: unique('pay'),
    merchant_id: merchantId,
    store_id: null,
    terminal_id: null,
    operator_id: null,
    merchant_order_id: unique('order'),
    status: 'processing',
    wallet: 'alipay',
    flow: 'barcode',
    amount: 1234,
    currency: 'CNY',
    amount_refunded: 0,
    barcode_masked: '2800**********0001',
    qr_code: null,
    qr_url: null,
    expires_at: null,
    failure_code: null,
    failure_message: null,
    wallet_transaction_id: null,
    buyer_account: null,
    buyer_id: null,
    switched_from_wallet: null,
    description: null,
    metadata: '{}',
    notify_url: null,
    dialect: 'native',
    dialect_data: '{}',
    request_hash: 'hash',
    livemode: 0,
    version: 1,
    created_at: NOW,
    updated_at: NOW,
    paid_at: null,
    closed_at: null,
    cancel_requested_at: null,
    ...overrides,
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the database to reject the statement');
}

for (const kind of await testDatabaseKinds()) {
  describe(`database on ${kind}`, () => {
    let t: TestDatabase;
    let db: Kysely<Database>;

    async function insertMerchant(): Promise<string> {
      const merchant = merchantRow();
      await db.insertInto('merchants').values(merchant).execute();
      return merchant.id;
    }

    /** Tables of this test database only (the PostgreSQL server may hold other runs' schemas). */
    async function tableNames(): Promise<string[]> {
      const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
      return tables.filter((table) => kind === 'sqlite' || table.schema === t.pgSchema).map((table) => table.name).sort();
    }

    async function migrationNames(): Promise<string[]> {
      const rows = await (db as unknown as Kysely<{ kysely_migration: { name: string } }>)
        .selectFrom('kysely_migration')
        .select('name')
        .orderBy('name')
        .execute();
      return rows.map((row) => row.name);
    }

    beforeAll(async () => {
      // A file (not :memory:) on SQLite, so that a second connection sees the same database.
      t = await openTestDatabase(kind, { sqlite: 'file' });
      db = t.handle.db;
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    it('connectDatabase reports the kind it connected to', () => {
      expect(t.handle.kind).toBe(kind);
      expect(t.handle.location).not.toMatch(/password|:\/\/[^/@]*:[^/@]*@/);
    });

    it('connectDatabase creates every table of the schema on a fresh database', async () => {
      expect(await tableNames()).toEqual([...TABLES, 'kysely_migration', 'kysely_migration_lock'].sort());
    });

    it('connectDatabase records every migration once', async () => {
      expect(await migrationNames()).toEqual(MIGRATIONS);
    });

    it('running the migrations again is a no-op that keeps the data', async () => {
      const merchantId = await insertMerchant();
      await migrateToLatest(db);
      await migrateToLatest(db);
      expect(await migrationNames()).toEqual(MIGRATIONS);
      expect(await tableNames()).toEqual([...TABLES, 'kysely_migration', 'kysely_migration_lock'].sort());
      expect(await db.selectFrom('merchants').select('id').where('id', '=', merchantId).execute()).toEqual([{ id: merchantId }]);
    });

    it('connecting again to a migrated database migrates nothing and sees the same data', async () => {
      const merchantId = await insertMerchant();
      const again = await connectDatabase(t.connectOptions);
      try {
        const row = await again.db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst();
        expect(row).toEqual({ id: merchantId });
      } finally {
        await again.close();
      }
      expect(await migrationNames()).toEqual(MIGRATIONS);
    });

    it.runIf(kind === 'postgres')('a fresh schema migrates while another schema of the database already has migration tables', async () => {
      // `t` is migrated and stays open: its schema holds kysely_migration and kysely_migration_lock.
      const other = await openTestDatabase('postgres');
      try {
        const tables = await other.handle.db.introspection.getTables({ withInternalKyselyTables: true });
        const own = tables.filter((table) => table.schema === other.pgSchema).map((table) => table.name).sort();
        expect(own).toEqual([...TABLES, 'kysely_migration', 'kysely_migration_lock'].sort());
      } finally {
        await other.cleanup();
      }
    });

    it('a second payment with the same (merchant_id, merchant_order_id) is a unique violation', async () => {
      const merchantId = await insertMerchant();
      await db.insertInto('payments').values(paymentRow(merchantId, { merchant_order_id: 'order-1' })).execute();
      const error = await rejection(db.insertInto('payments').values(paymentRow(merchantId, { merchant_order_id: 'order-1' })).execute());
      expect(isUniqueViolation(error)).toBe(true);
      const count = await db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
      expect(count.n).toBe(1);
    });

    it('the same merchant_order_id at two different merchants is allowed', async () => {
      const [a, b] = [await insertMerchant(), await insertMerchant()];
      await db.insertInto('payments').values(paymentRow(a, { merchant_order_id: 'shared-order' })).execute();
      await expect(db.insertInto('payments').values(paymentRow(b, { merchant_order_id: 'shared-order' })).execute()).resolves.toBeDefined();
    });

    it('a duplicate primary key is a unique violation', async () => {
      const merchantId = await insertMerchant();
      const payment = paymentRow(merchantId);
      await db.insertInto('payments').values(payment).execute();
      const error = await rejection(db.insertInto('payments').values({ ...payment, merchant_order_id: unique('other') }).execute());
      expect(isUniqueViolation(error)).toBe(true);
    });

    it('a duplicate composite primary key (idempotency key) is a unique violation', async () => {
      const row = { merchant_id: unique('mch'), key: 'idem-1', scope: 'payment.create', request_hash: 'h', object_id: unique('pay'), created_at: NOW };
      await db.insertInto('idempotency_keys').values(row).execute();
      const error = await rejection(db.insertInto('idempotency_keys').values({ ...row, object_id: unique('pay') }).execute());
      expect(isUniqueViolation(error)).toBe(true);
    });

    it('a unique violation inside a transaction is still recognised, and rolls the transaction back', async () => {
      const merchantId = await insertMerchant();
      await db.insertInto('payments').values(paymentRow(merchantId, { merchant_order_id: 'tx-order' })).execute();
      const error = await rejection(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('payments').values(paymentRow(merchantId, { merchant_order_id: 'tx-other' })).execute();
          await trx.insertInto('payments').values(paymentRow(merchantId, { merchant_order_id: 'tx-order' })).execute();
        }),
      );
      expect(isUniqueViolation(error)).toBe(true);
      const orders = await db.selectFrom('payments').select('merchant_order_id').where('merchant_id', '=', merchantId).execute();
      expect(orders).toEqual([{ merchant_order_id: 'tx-order' }]);
    });

    it('a foreign-key violation is not mistaken for a unique violation', async () => {
      const error = await rejection(db.insertInto('payments').values(paymentRow(unique('mch_missing'))).execute());
      expect(isUniqueViolation(error)).toBe(false);
    });

    it('a NOT NULL violation is not mistaken for a unique violation', async () => {
      const merchantId = await insertMerchant();
      const error = await rejection(
        db.insertInto('payments').values({ ...paymentRow(merchantId), currency: null as unknown as string }).execute(),
      );
      expect(isUniqueViolation(error)).toBe(false);
    });

    it('bigint amounts come back as JS numbers (99_999_999_999)', async () => {
      const merchantId = await insertMerchant();
      const payment = paymentRow(merchantId, { amount: 99_999_999_999, amount_refunded: 99_999_999_998 });
      await db.insertInto('payments').values(payment).execute();
      await db
        .insertInto('refunds')
        .values({
          id: unique('re'), payment_id: payment.id, merchant_id: merchantId, amount: 99_999_999_998, currency: 'CNY', status: 'succeeded',
          merchant_refund_id: null, reason: null, failure_code: null, failure_message: null, wallet_refund_id: null, dialect: 'native',
          dialect_data: '{}', notify_url: null, request_hash: 'h', version: 1, created_at: NOW, updated_at: NOW, succeeded_at: NOW,
        })
        .execute();
      const row = await db.selectFrom('payments').select(['amount', 'amount_refunded']).where('id', '=', payment.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ amount: 99_999_999_999, amount_refunded: 99_999_999_998 });
      expect(typeof row.amount).toBe('number');
      const refund = await db.selectFrom('refunds').select('amount').where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
      expect(refund.amount).toBe(99_999_999_998);
    });

    it('the largest amount counterpay accepts (MAX_AMOUNT_MINOR) and a safe-integer total survive exactly', async () => {
      const merchantId = await insertMerchant();
      const payment = paymentRow(merchantId, { amount: 100_000_000_000, amount_refunded: Number.MAX_SAFE_INTEGER });
      await db.insertInto('payments').values(payment).execute();
      const row = await db.selectFrom('payments').select(['amount', 'amount_refunded']).where('id', '=', payment.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ amount: 100_000_000_000, amount_refunded: Number.MAX_SAFE_INTEGER });
    });

    it('sums and counts of bigint amounts come back as JS numbers', async () => {
      const merchantId = await insertMerchant();
      await db
        .insertInto('payments')
        .values([paymentRow(merchantId, { amount: 99_999_999_999 }), paymentRow(merchantId, { amount: 99_999_999_999 }), paymentRow(merchantId, { amount: 2 })])
        .execute();
      const totals = await db
        .selectFrom('payments')
        .select((eb) => [eb.fn.sum<number>('amount').as('total'), eb.fn.countAll<number>().as('n')])
        .where('merchant_id', '=', merchantId)
        .executeTakeFirstOrThrow();
      expect(totals).toEqual({ total: 200_000_000_000, n: 3 });
      const raw = await sql<{ total: number }>`select sum(amount) as total from payments where merchant_id = ${merchantId}`.execute(db);
      expect(raw.rows[0]?.total).toBe(200_000_000_000);
    });

    it('ids order the same in the database as in JavaScript (cursor pagination relies on it)', async () => {
      const merchantId = await insertMerchant();
      const ids = ['pay_0000000001aaaa', 'pay_000000000zzzzz', 'pay_00000000100000', 'pay_0m8x2kaa9zz000', 'pay_z0000000000000', 'pay_a9'];
      await db.insertInto('payments').values(ids.map((id) => paymentRow(merchantId, { id }))).execute();
      const rows = await db.selectFrom('payments').select('id').where('merchant_id', '=', merchantId).orderBy('id').execute();
      expect(rows.map((row) => row.id)).toEqual([...ids].sort());
    });
  });
}
