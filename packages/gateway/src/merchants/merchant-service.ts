import { randomInt } from 'node:crypto';
import { type Currency, Secret, type SecretBox, hashApiKey, newId, parseCurrency, randomToken } from '@counterpay/core';
import type { ApiKeyKind, MerchantRepository, StoreRow, TerminalBinding } from '../repositories/merchant-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import { TtlCache } from './ttl-cache.ts';

/** Default Omise-style pricing: 1.65% fee plus 7% VAT on the fee (Thai VAT), overridable per merchant. */
export const DEFAULT_FEE_RATE_BPS = 165;
export const DEFAULT_FEE_VAT_BPS = 700;

export interface CreateMerchantInput {
  name: string;
  currency?: string;
  feeRateBps?: number;
  feeVatBps?: number;
}

export interface PingPongCredentials {
  accId: string;
  clientId: string;
  salt: string;
}

export interface ScanForPayCredentials {
  partnerNo: string;
  signKey: string;
  storeNo: string;
}

/** What `counterpay merchants create --json` prints: every credential of both modes, shown once. */
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
  live_secret_key: string;
  pingpong: PingPongCredentials & { live: PingPongCredentials };
  scanforpay: ScanForPayCredentials & { live: ScanForPayCredentials };
  omise: { secretKey: string; liveSecretKey: string };
  webhook_secret: string;
  /** Signs live-mode notify_url deliveries (the test secret cannot forge them). */
  live_webhook_secret: string;
}

/** Who a request is for: the merchant, and the mode of the key it used. */
export interface AuthenticatedMerchant extends MerchantScope {
  id: string;
  name: string;
  defaultCurrency: Currency;
  feeRateBps: number;
  feeVatBps: number;
  /** Set for a terminal key (`tk_…`): it may create and read payments and refunds of this terminal only. */
  terminal?: TerminalBinding;
}

/** A dialect account with its shared secret opened, for verifying that dialect's signatures. */
export interface DialectAccount extends MerchantScope {
  accountId: string;
  clientId: string | null;
  /** The shared secret (PingPong salt, ScanForPay sign key): prints as *** if the account is ever logged. */
  secret: Secret;
  defaultCurrency: Currency;
}

function digits(count: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < count) out += String(randomInt(0, 10));
  return out;
}

function pingPongAccount(): PingPongCredentials {
  const accId = digits(22);
  return { accId, clientId: accId.slice(0, -3), salt: randomToken(24) };
}

/** Merchants: creation with every credential, and who an API key or a dialect account belongs to. */
/**
 * How long an API key or dialect account lookup is reused: every request needs one, and nothing in
 * counterpay changes them after creation; a key revoked in the database directly stops working within this.
 */
const CREDENTIAL_CACHE_TTL_MS = 5000;

export class MerchantService {
  readonly #keys = new TtlCache<AuthenticatedMerchant>(CREDENTIAL_CACHE_TTL_MS);
  readonly #dialectAccounts = new TtlCache<DialectAccount>(CREDENTIAL_CACHE_TTL_MS);

  constructor(
    private readonly merchants: MerchantRepository,
    private readonly box: SecretBox,
  ) {}

  async createMerchant(input: CreateMerchantInput): Promise<MerchantCredentials> {
    const now = new Date().toISOString();
    const currency = parseCurrency(input.currency ?? 'CNY');
    const merchantId = newId('merchant');
    const storeId = newId('store');
    const terminalId = newId('terminal');
    const operatorId = newId('operator');
    const storeNo = digits(15);
    const terminalNo = digits(8);
    const keys = {
      secret: { test: `sk_test_${randomToken(24)}`, live: `sk_live_${randomToken(24)}` },
      omise: { test: `skey_test_${randomToken(18)}`, live: `skey_${randomToken(18)}` },
    };
    const pingpong = { test: pingPongAccount(), live: pingPongAccount() };
    const scanforpay = { test: { partnerNo: digits(8), signKey: randomToken(24), storeNo }, live: { partnerNo: digits(8), signKey: randomToken(24), storeNo } };
    const webhookSecret = { test: `whsec_${randomToken(24)}`, live: `whsec_${randomToken(24)}` };
    const modes = [
      ['test', 0],
      ['live', 1],
    ] as const;

    await this.merchants.create({
      merchant: {
        id: merchantId,
        name: input.name,
        default_currency: currency,
        livemode: 0,
        fee_rate_bps: input.feeRateBps ?? DEFAULT_FEE_RATE_BPS,
        fee_vat_bps: input.feeVatBps ?? DEFAULT_FEE_VAT_BPS,
        created_at: now,
      },
      stores: [{ id: storeId, merchant_id: merchantId, name: `${input.name} main store`, external_no: storeNo, created_at: now }],
      terminals: [{ id: terminalId, merchant_id: merchantId, store_id: storeId, name: 'Counter 1', external_no: terminalNo, created_at: now }],
      operators: [{ id: operatorId, merchant_id: merchantId, name: 'Cashier 1', external_no: '1', created_at: now }],
      apiKeys: (['secret', 'omise'] as const).flatMap((kind) =>
        modes.map(([mode, livemode]) => {
          const key = keys[kind][mode];
          return { id: newId('apiKey'), merchant_id: merchantId, kind, livemode, display_prefix: key.slice(0, 12), key_hash: hashApiKey(key), created_at: now, revoked_at: null };
        }),
      ),
      dialectCredentials: [
        ...modes.flatMap(([mode, livemode]) => [
          { dialect: 'pingpong', account_id: pingpong[mode].accId, client_id: pingpong[mode].clientId, secret: pingpong[mode].salt, livemode },
          { dialect: 'scanforpay', account_id: scanforpay[mode].partnerNo, client_id: null, secret: scanforpay[mode].signKey, livemode },
        ]),
        { dialect: 'webhook', account_id: merchantId, client_id: null, secret: webhookSecret.test, livemode: 0 },
        { dialect: 'webhook', account_id: `${merchantId}:live`, client_id: null, secret: webhookSecret.live, livemode: 1 },
      ].map((c) => ({
        id: newId('apiKey'),
        merchant_id: merchantId,
        dialect: c.dialect,
        account_id: c.account_id,
        client_id: c.client_id,
        secret_ciphertext: this.box.seal(c.secret),
        livemode: c.livemode,
        created_at: now,
      })),
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
      secret_key: keys.secret.test,
      live_secret_key: keys.secret.live,
      pingpong: { ...pingpong.test, live: pingpong.live },
      scanforpay: { ...scanforpay.test, live: scanforpay.live },
      omise: { secretKey: keys.omise.test, liveSecretKey: keys.omise.live },
      webhook_secret: webhookSecret.test,
      live_webhook_secret: webhookSecret.live,
    };
  }

  /** The merchant an API key belongs to, in the key's mode, or null. */
  async authenticate(key: string, kind: ApiKeyKind): Promise<AuthenticatedMerchant | null> {
    const hash = hashApiKey(key);
    return this.#keys.get(`${kind}:${hash}`, () => this.#authenticate(hash, kind));
  }

  async #authenticate(hash: string, kind: ApiKeyKind): Promise<AuthenticatedMerchant | null> {
    const found = await this.merchants.findByApiKeyHash(hash, kind);
    if (!found) return null;
    const { merchant, livemode, terminal } = found;
    return {
      ...(terminal ? { terminal } : {}),
      id: merchant.id,
      merchantId: merchant.id,
      livemode,
      name: merchant.name,
      defaultCurrency: parseCurrency(merchant.default_currency),
      feeRateBps: merchant.fee_rate_bps,
      feeVatBps: merchant.fee_vat_bps,
    };
  }

  /** Forgets cached key lookups (a key revoked here stops working at once in this process). */
  forgetCachedKeys(): void {
    this.#keys.clear();
  }

  /** A dialect's account (PingPong accId, ScanForPay partnerNo) with its secret, or null. */
  async dialectAccount(dialect: 'pingpong' | 'scanforpay', accountId: string): Promise<DialectAccount | null> {
    if (!accountId) return null;
    return this.#dialectAccounts.get(`${dialect}:${accountId}`, () => this.#dialectAccount(dialect, accountId));
  }

  async #dialectAccount(dialect: 'pingpong' | 'scanforpay', accountId: string): Promise<DialectAccount | null> {
    const row = await this.merchants.findDialectCredential(dialect, accountId);
    if (!row) return null;
    const merchant = await this.merchants.get(row.merchant_id);
    if (!merchant) return null;
    return {
      merchantId: row.merchant_id,
      livemode: row.livemode === 1,
      accountId,
      clientId: row.client_id,
      secret: new Secret(this.box.open(row.secret_ciphertext)),
      defaultCurrency: parseCurrency(merchant.default_currency),
    };
  }

  /** The store a request names by number, or (no number) the merchant's first store. */
  findStore(merchantId: string, storeNo?: string): Promise<StoreRow | null> {
    return this.merchants.findStore(merchantId, storeNo);
  }

  async findTerminalId(merchantId: string, terminalNo: string): Promise<string | null> {
    return (await this.merchants.findTerminal(merchantId, terminalNo))?.id ?? null;
  }

  async findOperatorId(merchantId: string, operatorNo: string): Promise<string | null> {
    return (await this.merchants.findOperator(merchantId, operatorNo))?.id ?? null;
  }

  /** Proves the database answers (health check). */
  ping(): Promise<void> {
    return this.merchants.ping();
  }
}
