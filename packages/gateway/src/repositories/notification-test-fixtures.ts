/**
 * Test-only rows for the notification repositories' suites (merchants, payments, refunds, dialect
 * credentials); never imported by production code.
 */
import type { Kysely, Selectable } from 'kysely';
import { type SecretBox, newId } from '@counterpay/core';
import type { Database, PaymentTable, RefundTable } from '@counterpay/db';
import type { OutboxEvent } from './event-outbox.ts';

export type TestPayment = Selectable<PaymentTable>;
export type TestRefund = Selectable<RefundTable>;

let orders = 0;

export async function insertMerchant(db: Kysely<Database>, name = 'Notify Shop'): Promise<string> {
  const id = newId('merchant');
  await db.insertInto('merchants').values({ id, name, default_currency: 'CNY', livemode: 0, fee_rate_bps: 165, fee_vat_bps: 700, created_at: new Date().toISOString() }).execute();
  return id;
}

export async function insertPayment(db: Kysely<Database>, merchantId: string, opts: { livemode?: boolean; dialect?: string; notifyUrl?: string | null } = {}): Promise<TestPayment> {
  const now = new Date().toISOString();
  const row: TestPayment = {
    id: newId('payment'),
    merchant_id: merchantId,
    store_id: null,
    terminal_id: null,
    operator_id: null,
    merchant_order_id: `order-${Date.now()}-${orders++}`,
    status: 'succeeded',
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
    wallet_transaction_id: '2025010222001',
    buyer_account: null,
    buyer_id: null,
    switched_from_wallet: null,
    description: null,
    metadata: '{}',
    notify_url: opts.notifyUrl ?? null,
    dialect: opts.dialect ?? 'native',
    dialect_data: '{}',
    request_hash: 'hash',
    livemode: opts.livemode ? 1 : 0,
    version: 2,
    created_at: now,
    updated_at: now,
    paid_at: now,
    closed_at: null,
    cancel_requested_at: null,
  };
  await db.insertInto('payments').values(row).execute();
  return row;
}

export async function insertRefund(db: Kysely<Database>, payment: TestPayment): Promise<TestRefund> {
  const now = new Date().toISOString();
  const row: TestRefund = {
    id: newId('refund'),
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    amount: 100,
    currency: payment.currency,
    status: 'succeeded',
    merchant_refund_id: null,
    reason: null,
    failure_code: null,
    failure_message: null,
    wallet_refund_id: null,
    dialect: payment.dialect,
    dialect_data: '{}',
    notify_url: null,
    request_hash: 'hash',
    livemode: payment.livemode,
    version: 2,
    created_at: now,
    updated_at: now,
    succeeded_at: now,
  };
  await db.insertInto('refunds').values(row).execute();
  return row;
}

export async function insertDialectCredential(db: Kysely<Database>, box: SecretBox, merchantId: string, dialect: string, livemode: boolean, secret: string, accountId = `acct-${dialect}-${livemode ? 'live' : 'test'}-${merchantId}`): Promise<void> {
  await db
    .insertInto('dialect_credentials')
    .values({ id: `cred_${newId('apiKey')}`, merchant_id: merchantId, dialect, account_id: accountId, client_id: null, secret_ciphertext: box.seal(secret), livemode: livemode ? 1 : 0, created_at: new Date().toISOString() })
    .execute();
}

/** The outbox event of a payment reaching its status, as the payment repository appends it. */
export function paymentEvent(payment: TestPayment, at = new Date(), type = `payment.${payment.status}`): OutboxEvent {
  return {
    merchantId: payment.merchant_id,
    livemode: payment.livemode === 1,
    type,
    objectType: 'payment',
    objectId: payment.id,
    objectVersion: payment.version,
    object: { id: payment.id, object: 'payment', status: payment.status, livemode: payment.livemode === 1 },
    notifyUrl: payment.notify_url,
    dialect: payment.dialect,
    at,
  };
}
