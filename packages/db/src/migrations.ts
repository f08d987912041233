import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

/** Migrations live in code (no files to find at run time) and run at every start-up. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('merchants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('default_currency', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('fee_rate_bps', 'integer', (c) => c.notNull())
        .addColumn('fee_vat_bps', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      for (const table of ['stores', 'terminals', 'operators'] as const) {
        let builder = db.schema
          .createTable(table)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('external_no', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull());
        if (table === 'terminals') builder = builder.addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'));
        await builder.addUniqueConstraint(`${table}_merchant_external_no`, ['merchant_id', 'external_no']).execute();
      }

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('display_prefix', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();

      await db.schema
        .createTable('dialect_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('dialect', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('dialect_credentials_account', ['dialect', 'account_id'])
        .execute();

      await db.schema
        .createTable('wallet_accounts')
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('credentials_ciphertext', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('wallet_accounts_pk', ['merchant_id', 'wallet'])
        .execute();

      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('store_id', 'text')
        .addColumn('terminal_id', 'text')
        .addColumn('operator_id', 'text')
        .addColumn('merchant_order_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('wallet', 'text')
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount_refunded', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('barcode_masked', 'text')
        .addColumn('qr_code', 'text')
        .addColumn('qr_url', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('failure_message', 'text')
        .addColumn('wallet_transaction_id', 'text')
        .addColumn('description', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('notify_url', 'text')
        .addColumn('dialect', 'text', (c) => c.notNull())
        .addColumn('dialect_data', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('paid_at', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('cancel_requested_at', 'text')
        .addUniqueConstraint('payments_merchant_order', ['merchant_id', 'merchant_order_id'])
        .execute();
      await db.schema.createIndex('payments_merchant_status').on('payments').columns(['merchant_id', 'status', 'id']).execute();

      await db.schema
        .createTable('refunds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('merchant_refund_id', 'text')
        .addColumn('reason', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('failure_message', 'text')
        .addColumn('wallet_refund_id', 'text')
        .addColumn('dialect', 'text', (c) => c.notNull())
        .addColumn('dialect_data', 'text', (c) => c.notNull())
        .addColumn('notify_url', 'text')
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('succeeded_at', 'text')
        .addUniqueConstraint('refunds_merchant_refund_id', ['merchant_id', 'merchant_refund_id'])
        .execute();
      await db.schema.createIndex('refunds_payment').on('refunds').columns(['payment_id', 'id']).execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['merchant_id', 'key'])
        .execute();

      await db.schema
        .createTable('wallet_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('payment_id', 'text')
        .addColumn('refund_id', 'text')
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('wallet_code', 'text')
        .addColumn('http_status', 'integer')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('wallet_calls_payment').on('wallet_calls').column('payment_id').execute();

      await db.schema
        .createTable('tasks')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('next_run_at', 'text', (c) => c.notNull())
        .addColumn('deadline_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('cancel_started_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tasks_pk', ['kind', 'object_id'])
        .execute();
      await db.schema.createIndex('tasks_due').on('tasks').columns(['next_run_at']).execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('object_type', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('object_version', 'integer', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_merchant').on('events').columns(['merchant_id', 'id']).execute();
    },
  },
  '0002_notifications': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
        .addColumn('previous_secret_ciphertext', 'text')
        .addColumn('previous_secret_expires_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addUniqueConstraint('deliveries_event_target', ['event_id', 'target'])
        .execute();
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema
        .createTable('delivery_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('deliveries.id'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('attempted_at', 'text', (c) => c.notNull())
        .addColumn('http_status', 'integer')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('response_excerpt', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('delivery_attempts_event').on('delivery_attempts').columns(['event_id', 'attempted_at']).execute();
    },
  },
  '0003_livemode': {
    async up(db: Kysely<any>) {
      // Test and live mode, as at Stripe: every key, credential, object and endpoint belongs to one mode.
      for (const table of ['api_keys', 'dialect_credentials', 'refunds', 'events', 'webhook_endpoints']) {
        await db.schema.alterTable(table).addColumn('livemode', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      }
      // A wallet account per merchant, wallet and mode, with where it lives and what may be shown of it.
      await db.schema
        .createTable('wallet_accounts_by_mode')
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('endpoint', 'text')
        .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('credentials_ciphertext', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('wallet_accounts_by_mode_pk', ['merchant_id', 'wallet', 'livemode'])
        .execute();
      await sql`insert into wallet_accounts_by_mode (merchant_id, wallet, livemode, endpoint, summary, credentials_ciphertext, created_at, updated_at)
        select merchant_id, wallet, 0, null, '{}', credentials_ciphertext, created_at, created_at from wallet_accounts`.execute(db);
      await db.schema.dropTable('wallet_accounts').execute();
      await db.schema.alterTable('wallet_accounts_by_mode').renameTo('wallet_accounts').execute();
      await db.schema.createIndex('payments_merchant_mode').on('payments').columns(['merchant_id', 'livemode', 'id']).execute();
      await db.schema.createIndex('events_merchant_mode').on('events').columns(['merchant_id', 'livemode', 'id']).execute();
    },
  },
  '0004_buyer_and_endpoint_format': {
    async up(db: Kysely<any>) {
      // The payer as the wallet reports them (ScanForPay's buyer/buyerId, PingPong's buyer fields).
      await db.schema.alterTable('payments').addColumn('buyer_account', 'text').execute();
      await db.schema.alterTable('payments').addColumn('buyer_id', 'text').execute();
      // A one-for-all QR code the buyer first opened in one wallet and then paid in another.
      await db.schema.alterTable('payments').addColumn('switched_from_wallet', 'text').execute();
      // Native endpoints get native events only; an `omise` endpoint is an Omise merchant's dashboard webhook.
      await db.schema.alterTable('webhook_endpoints').addColumn('format', 'text', (c) => c.notNull().defaultTo('native')).execute();
    },
  },
  '0007_dashboard': {
    async up(db: Kysely<any>) {
      // Terminal keys: an API key bound to one store and terminal (the cash register signs in with it).
      await db.schema.alterTable('api_keys').addColumn('store_id', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('terminal_id', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('label', 'text').execute();
      // Dashboard sign-ins: the cookie holds a random id; only its SHA-256 is stored.
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('live_allowed', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // The dashboard's date filters need no index of their own: ids are time-ordered, a time range is an id range.
      await db.schema.createIndex('deliveries_endpoint').on('deliveries').columns(['endpoint_id', 'id']).execute();
    },
  },
  '0008_late_success': {
    async up(db: Kysely<any>) {
      // A late success: what the wallet charged for a payment counterpay had closed or failed, and what was done about it.
      await db.schema.alterTable('payments').addColumn('late_paid_amount', 'integer').execute();
      await db.schema.alterTable('payments').addColumn('late_wallet_transaction_id', 'text').execute();
      await db.schema.alterTable('payments').addColumn('late_paid_at', 'text').execute();
      await db.schema.alterTable('payments').addColumn('late_success_action', 'text').execute();
      // The merchant's choice for late successes: refund them at the wallet (default) or accept them.
      await db.schema.alterTable('merchants').addColumn('late_success_policy', 'text', (c) => c.notNull().defaultTo('refund')).execute();
    },
  },
  '0009_reconciliation': {
    async up(db: Kysely<any>) {
      // The wallet's fee for a payment, minor units, booked from its daily statement.
      await db.schema.alterTable('payments').addColumn('wallet_fee', 'integer').execute();
      // One run per merchant, mode, wallet and China day: claimed with a lease, retried until the statement is published.
      await db.schema
        .createTable('reconciliation_runs')
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('report_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reconciliation_runs_pk', ['merchant_id', 'livemode', 'wallet', 'date'])
        .execute();
      await db.schema.createIndex('reconciliation_runs_due').on('reconciliation_runs').columns(['state', 'next_attempt_at']).execute();
      // The reports: one per run (a rerun replaces it, keeping its id), the JSON as the API shows it.
      await db.schema
        .createTable('reconciliation_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('livemode', 'integer', (c) => c.notNull())
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('reconciliation_reports_day', ['merchant_id', 'livemode', 'wallet', 'date'])
        .execute();
      await db.schema.createIndex('reconciliation_reports_list').on('reconciliation_reports').columns(['merchant_id', 'livemode', 'date', 'id']).execute();
    },
  },
  '0010_events_index_by_mode_only': {
    async up(db: Kysely<any>) {
      // Every events query names the mode since 0003, so (merchant_id, livemode, id) serves them all; the
      // older (merchant_id, id) was one more page written in every payment's outcome commit.
      await db.schema.dropIndex('events_merchant').execute();
    },
  },
};

class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * On PostgreSQL, the schema the migration bookkeeping tables belong in: the connection's current schema
 * (its search_path, e.g. a test run's `t_…`). Without it Kysely's Migrator looks for
 * `kysely_migration` in EVERY schema of the database, so a second schema that already has one (another
 * test run, another deployment) makes it skip creating its own and fail ("relation
 * kysely_migration_lock does not exist").
 */
async function migrationTableSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const schema = await migrationTableSchema(db);
  // Unordered: a migration may land after a later-numbered one has already run somewhere (0008 after 0009); each runs once, by name.
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(), allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
