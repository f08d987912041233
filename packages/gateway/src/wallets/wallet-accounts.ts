import type { Kysely } from 'kysely';
import { type SecretBox, type Wallet, type WalletCredentials, WalletError } from '@counterpay/core';
import { type Database, isUniqueViolation } from '@counterpay/db';

/** What the simulator's `POST /admin/merchants` returns (CONTRACT.md, `counterpay sim register`). */
export interface SimRegistration {
  alipay: { appId: string; appPrivateKey: string; alipayPublicKey: string };
  wechat: { appId: string; mchId: string; apiKey: string };
}

/**
 * A merchant's credentials at each wallet, encrypted in the database. In test mode a merchant without
 * credentials is registered at the wallet simulator on first use, so `merchants create` needs no
 * running simulator.
 */
export class WalletAccounts {
  readonly #cache = new Map<string, WalletCredentials>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly simUrl: string,
  ) {}

  async credentials(merchantId: string, wallet: Wallet): Promise<WalletCredentials> {
    const cacheKey = `${merchantId}:${wallet}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) return cached;
    let row = await this.#load(merchantId, wallet);
    if (!row) {
      await this.#registerAtSimulator(merchantId);
      row = await this.#load(merchantId, wallet);
    }
    if (!row) throw new WalletError('wallet_account_missing', `The merchant has no ${wallet} account.`);
    this.#cache.set(cacheKey, row);
    return row;
  }

  async #load(merchantId: string, wallet: Wallet): Promise<WalletCredentials | null> {
    const row = await this.db
      .selectFrom('wallet_accounts')
      .select('credentials_ciphertext')
      .where('merchant_id', '=', merchantId)
      .where('wallet', '=', wallet)
      .where('livemode', '=', 0)
      .executeTakeFirst();
    return row ? (JSON.parse(this.box.open(row.credentials_ciphertext)) as WalletCredentials) : null;
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
      { wallet: 'alipay', ...registration.alipay },
      { wallet: 'wechat', ...registration.wechat },
    ];
    for (const account of accounts) {
      try {
        await this.db
          .insertInto('wallet_accounts')
          .values({ merchant_id: merchantId, wallet: account.wallet, livemode: 0, endpoint: null, summary: '{}', credentials_ciphertext: this.box.seal(JSON.stringify(account)), created_at: now, updated_at: now })
          .execute();
      } catch (error) {
        // A concurrent first payment registered first; its credentials stand.
        if (!isUniqueViolation(error)) throw error;
      }
    }
  }
}
