import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Currency, SecretBox, hashApiKey, newId, parseCurrency, randomToken } from '@counterpay/core';
import type { Database } from '@counterpay/db';

/** Default Omise-style pricing: 1.65% fee plus 7% VAT on the fee (Thai VAT), overridable per merchant. */
export const DEFAULT_FEE_RATE_BPS = 165;
export const DEFAULT_FEE_VAT_BPS = 700;

export interface CreateMerchantInput {
  name: string;
  currency?: string;
  feeRateBps?: number;
  feeVatBps?: number;
}

/** What `counterpay merchants create --json` prints: every credential, shown once. */
export interface MerchantCredentials {
  merchant_id: string;
  name: string;
  currency: Currency;
  store_id: string;
  store_no: string;
  terminal_id: string;
  terminal_no: string;
  operator_id: string;
  secret_key: string;
  pingpong: { accId: string; clientId: string; salt: string };
  scanforpay: { partnerNo: string; signKey: string; storeNo: string };
  omise: { secretKey: string };
  webhook_secret: string;
}

function digits(count: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < count) out += String(randomInt(0, 10));
  return out;
}

export async function createMerchant(db: Kysely<Database>, box: SecretBox, input: CreateMerchantInput): Promise<MerchantCredentials> {
  const now = new Date().toISOString();
  const currency = parseCurrency(input.currency ?? 'CNY');
  const merchantId = newId('merchant');
  const storeId = newId('store');
  const terminalId = newId('terminal');
  const operatorId = newId('operator');
  const storeNo = digits(15);
  const terminalNo = digits(8);
  const secretKey = `sk_test_${randomToken(24)}`;
  const omiseKey = `skey_test_${randomToken(18)}`;
  const accId = digits(22);
  const pingpong = { accId, clientId: accId.slice(0, -3), salt: randomToken(24) };
  const scanforpay = { partnerNo: digits(8), signKey: randomToken(24), storeNo };
  const webhookSecret = `whsec_${randomToken(24)}`;

  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('merchants')
      .values({
        id: merchantId,
        name: input.name,
        default_currency: currency,
        livemode: 0,
        fee_rate_bps: input.feeRateBps ?? DEFAULT_FEE_RATE_BPS,
        fee_vat_bps: input.feeVatBps ?? DEFAULT_FEE_VAT_BPS,
        created_at: now,
      })
      .execute();
    await trx.insertInto('stores').values({ id: storeId, merchant_id: merchantId, name: `${input.name} main store`, external_no: storeNo, created_at: now }).execute();
    await trx
      .insertInto('terminals')
      .values({ id: terminalId, merchant_id: merchantId, store_id: storeId, name: 'Counter 1', external_no: terminalNo, created_at: now })
      .execute();
    await trx.insertInto('operators').values({ id: operatorId, merchant_id: merchantId, name: 'Cashier 1', external_no: '1', created_at: now }).execute();
    for (const [kind, key] of [['secret', secretKey], ['omise', omiseKey]] as const) {
      await trx
        .insertInto('api_keys')
        .values({ id: newId('apiKey'), merchant_id: merchantId, kind, display_prefix: key.slice(0, 12), key_hash: hashApiKey(key), created_at: now, revoked_at: null })
        .execute();
    }
    const credentials = [
      { dialect: 'pingpong', account_id: pingpong.accId, client_id: pingpong.clientId, secret: pingpong.salt },
      { dialect: 'scanforpay', account_id: scanforpay.partnerNo, client_id: null, secret: scanforpay.signKey },
      { dialect: 'webhook', account_id: merchantId, client_id: null, secret: webhookSecret },
    ];
    for (const c of credentials) {
      await trx
        .insertInto('dialect_credentials')
        .values({ id: newId('apiKey'), merchant_id: merchantId, dialect: c.dialect, account_id: c.account_id, client_id: c.client_id, secret_ciphertext: box.seal(c.secret), created_at: now })
        .execute();
    }
  });

  return {
    merchant_id: merchantId,
    name: input.name,
    currency,
    store_id: storeId,
    store_no: storeNo,
    terminal_id: terminalId,
    terminal_no: terminalNo,
    operator_id: operatorId,
    secret_key: secretKey,
    pingpong,
    scanforpay,
    omise: { secretKey: omiseKey },
    webhook_secret: webhookSecret,
  };
}

export interface AuthenticatedMerchant {
  id: string;
  name: string;
  defaultCurrency: Currency;
  livemode: boolean;
  feeRateBps: number;
  feeVatBps: number;
}

/** Finds the merchant an API key belongs to (keys are looked up by hash), or null. */
export async function merchantForApiKey(db: Kysely<Database>, key: string, kind: 'secret' | 'omise'): Promise<AuthenticatedMerchant | null> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('merchants', 'merchants.id', 'api_keys.merchant_id')
    .select(['merchants.id', 'merchants.name', 'merchants.default_currency', 'merchants.livemode', 'merchants.fee_rate_bps', 'merchants.fee_vat_bps'])
    .where('api_keys.key_hash', '=', hashApiKey(key))
    .where('api_keys.kind', '=', kind)
    .where('api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    defaultCurrency: parseCurrency(row.default_currency),
    livemode: row.livemode === 1,
    feeRateBps: row.fee_rate_bps,
    feeVatBps: row.fee_vat_bps,
  };
}
