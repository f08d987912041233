import { type SecretBox, StateError, type Wallet, type WalletCredentials, WalletError } from '@counterpay/core';
import type { WalletAccountRepository } from '../repositories/wallet-account-repository.ts';

/** What the simulator's `POST /admin/merchants` returns (CONTRACT.md, `counterpay sim register`). */
export interface SimRegistration {
  alipay: { appId: string; appPrivateKey: string; alipayPublicKey: string };
  wechat: { appId: string; mchId: string; apiKey: string };
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
  ) {}

  async credentials(merchantId: string, wallet: Wallet, livemode = false): Promise<WalletCredentials> {
    const cacheKey = `${merchantId}:${wallet}:${livemode ? 'live' : 'test'}`;
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
    return row ? (JSON.parse(this.box.open(row.credentials_ciphertext)) as WalletCredentials) : null;
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
      { wallet: 'wechat', appId: registration.wechat.appId, mchId: registration.wechat.mchId, apiKey: registration.wechat.apiKey },
    ];
    for (const account of accounts) {
      // A concurrent first payment on another instance may have registered first; its credentials stand.
      await this.accounts.insertIfAbsent({
        merchant_id: merchantId,
        wallet: account.wallet,
        livemode: 0,
        endpoint: null,
        summary: JSON.stringify({ identity: WalletAccounts.identity(account) }),
        credentials_ciphertext: this.box.seal(JSON.stringify(account)),
        created_at: now,
        updated_at: now,
      });
    }
  }
}
