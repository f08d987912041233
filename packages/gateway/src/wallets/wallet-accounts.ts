import { type Connector, type SecretBox, StateError, ValidationError, type Wallet, type WalletCredentials, WalletError } from '@counterpay/core';
import { summarizeAccount } from '@counterpay/connectors';
import type { WalletAccountRepository } from '../repositories/wallet-account-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import { type WalletAccountObject, toWalletAccountObject } from './wallet-account-object.ts';

/** What the simulator's `POST /admin/merchants` returns (CONTRACT.md, `counterpay sim register`). */
export interface SimRegistration {
  alipay: { appId: string; appPrivateKey: string; alipayPublicKey: string };
  /** Over TLS the simulator also issues the client certificate its /secapi/ paths require. */
  wechat: { appId: string; mchId: string; apiKey: string; certPem?: string; keyPem?: string };
}

/**
 * A merchant's credentials at each wallet, per mode, sealed in the database. In test mode a merchant
 * without credentials is registered at the wallet simulator on first use (so `merchants create` needs
 * no running simulator); concurrent first uses share one registration. Live mode uses only accounts
 * the merchant connected.
 */
export class WalletAccounts {
  readonly #cache = new Map<string, WalletCredentials>();
  readonly #registrations = new Map<string, Promise<void>>();

  constructor(
    private readonly accounts: WalletAccountRepository,
    private readonly box: SecretBox,
    private readonly simUrl: string,
    /** For the harmless signed call that checks an account before it is saved. */
    private readonly connectors?: Record<Wallet, Connector>,
  ) {}

  /**
   * Connects (or replaces: key rotation) the scope's account at a wallet. Unless `verify` is false, one
   * harmless signed call checks it first; a refusal names the credential that is wrong and saves nothing.
   */
  async connect(scope: MerchantScope, given: WalletCredentials, opts: { verify: boolean }): Promise<WalletAccountObject> {
    // A live account never falls back to the simulator: without an endpoint it is the wallet's production.
    const credentials: WalletCredentials = given.endpoint || !scope.livemode ? given : { ...given, endpoint: 'production' };
    const connector = this.connectors?.[credentials.wallet];
    if (!connector) throw new Error('WalletAccounts was built without connectors');
    let summary = summarizeAccount(credentials);
    if (opts.verify) {
      const verification = await connector.verifyAccount({ credentials });
      if (verification.verdict !== 'ok') {
        throw new ValidationError('wallet_credentials_rejected', `${verification.message} (${verification.verdict})`, verification.verdict);
      }
      summary = verification.summary;
    }
    const now = new Date().toISOString();
    const existing = await this.accounts.get(scope.merchantId, credentials.wallet, scope.livemode);
    const row = {
      merchant_id: scope.merchantId,
      wallet: credentials.wallet,
      livemode: scope.livemode ? 1 : 0,
      endpoint: credentials.endpoint ?? null,
      summary: JSON.stringify(summary),
      credentials_ciphertext: this.box.seal(JSON.stringify(credentials)),
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    await this.accounts.upsert(row);
    this.#cache.delete(this.#cacheKey(scope.merchantId, credentials.wallet, scope.livemode));
    return toWalletAccountObject(row);
  }

  /** The scope's accounts as they may be shown (no secret), with warnings about expiring certificates. */
  async list(scope: MerchantScope): Promise<WalletAccountObject[]> {
    return (await this.accounts.list(scope.merchantId, scope.livemode)).map((row) => toWalletAccountObject(row));
  }

  /**
   * What a flow needs that the account lacks, checked before anything is written or sent: WeChat Pay
   * refunds and reversals present a client certificate.
   */
  async assertCanCall(scope: MerchantScope, wallet: Wallet, flow: 'refund' | 'cancel'): Promise<void> {
    const credentials = await this.credentials(scope.merchantId, wallet, scope.livemode);
    if (this.connectors?.[wallet].missingCertificateFor(credentials, flow)) {
      throw new StateError('wallet_certificate_missing', 'WeChat Pay refunds and reversals need the API client certificate: connect it with `counterpay wallets connect wechat … --cert-file --key-file` (or --p12-file). Nothing was sent.');
    }
  }

  #cacheKey(merchantId: string, wallet: Wallet, livemode: boolean): string {
    return `${merchantId}:${wallet}:${livemode ? 'live' : 'test'}`;
  }

  async credentials(merchantId: string, wallet: Wallet, livemode = false): Promise<WalletCredentials> {
    const cacheKey = this.#cacheKey(merchantId, wallet, livemode);
    const cached = this.#cache.get(cacheKey);
    if (cached) return cached;
    let credentials = await this.#load(merchantId, wallet, livemode);
    if (!credentials && livemode) {
      throw new StateError('wallet_not_connected', `No ${wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} account is connected for live mode; connect one with \`counterpay wallets connect ${wallet}\`.`);
    }
    if (!credentials) {
      await this.#registerOnce(merchantId);
      credentials = await this.#load(merchantId, wallet, livemode);
    }
    if (!credentials) throw new WalletError('wallet_account_missing', `The merchant has no ${wallet} account.`);
    this.#cache.set(cacheKey, credentials);
    return credentials;
  }

  /** The account a wallet identifies a notification's merchant by (Alipay app id, WeChat Pay mch id). */
  static identity(credentials: WalletCredentials): string {
    return credentials.wallet === 'alipay' ? credentials.appId : credentials.mchId;
  }

  /** Every account's wallet identity (the ledger comparison of test runs). */
  async allIdentities(): Promise<Set<string>> {
    const rows = await this.accounts.listAll();
    return new Set(rows.map((row) => WalletAccounts.identity(JSON.parse(this.box.open(row.credentials_ciphertext)) as WalletCredentials)));
  }

  async #load(merchantId: string, wallet: Wallet, livemode: boolean): Promise<WalletCredentials | null> {
    const row = await this.accounts.get(merchantId, wallet, livemode);
    if (!row) return null;
    const credentials = JSON.parse(this.box.open(row.credentials_ciphertext)) as WalletCredentials;
    // No endpoint: the connector's own URL, the simulator (test mode's default).
    return row.endpoint ? { ...credentials, endpoint: row.endpoint } : credentials;
  }

  /** One registration per merchant at a time, however many first payments arrive together. */
  #registerOnce(merchantId: string): Promise<void> {
    const running = this.#registrations.get(merchantId);
    if (running) return running;
    const registration = this.#registerAtSimulator(merchantId).finally(() => this.#registrations.delete(merchantId));
    this.#registrations.set(merchantId, registration);
    return registration;
  }

  async #registerAtSimulator(merchantId: string): Promise<void> {
    let registration: SimRegistration;
    try {
      const response = await fetch(`${this.simUrl}/admin/merchants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: merchantId }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      registration = (await response.json()) as SimRegistration;
    } catch (error) {
      throw new WalletError('wallet_unavailable', `Could not register the merchant at the wallet simulator (${(error as Error).message}).`);
    }
    const now = new Date().toISOString();
    const accounts: WalletCredentials[] = [
      { wallet: 'alipay', appId: registration.alipay.appId, appPrivateKey: registration.alipay.appPrivateKey, alipayPublicKey: registration.alipay.alipayPublicKey },
      {
        wallet: 'wechat',
        appId: registration.wechat.appId,
        mchId: registration.wechat.mchId,
        apiKey: registration.wechat.apiKey,
        ...(registration.wechat.certPem && registration.wechat.keyPem ? { clientCertificate: { certPem: registration.wechat.certPem, keyPem: registration.wechat.keyPem } } : {}),
      },
    ];
    for (const account of accounts) {
      // A concurrent first payment on another instance may have registered first; its credentials stand.
      await this.accounts.insertIfAbsent({
        merchant_id: merchantId,
        wallet: account.wallet,
        livemode: 0,
        endpoint: null,
        summary: JSON.stringify(summarizeAccount(account)),
        credentials_ciphertext: this.box.seal(JSON.stringify(account)),
        created_at: now,
        updated_at: now,
      });
    }
  }
}
