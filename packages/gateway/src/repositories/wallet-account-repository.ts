import type { Kysely, Selectable } from 'kysely';
import type { Wallet } from '@counterpay/core';
import { type Database, type WalletAccountTable, isUniqueViolation } from '@counterpay/db';

export type WalletAccountRow = Selectable<WalletAccountTable>;

/** A merchant's accounts at the wallets, per mode; the credentials stay sealed here (the service opens them). */
export class WalletAccountRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(merchantId: string, wallet: Wallet, livemode: boolean): Promise<WalletAccountRow | null> {
    const row = await this.#db
      .selectFrom('wallet_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('wallet', '=', wallet)
      .where('livemode', '=', livemode ? 1 : 0)
      .executeTakeFirst();
    return row ?? null;
  }

  async list(merchantId: string, livemode?: boolean): Promise<WalletAccountRow[]> {
    return this.#db
      .selectFrom('wallet_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .$if(livemode !== undefined, (q) => q.where('livemode', '=', livemode ? 1 : 0))
      .orderBy('wallet')
      .orderBy('livemode')
      .execute();
  }

  /** Every account of every merchant (the ledger comparison of test runs). */
  async listAll(): Promise<WalletAccountRow[]> {
    return this.#db.selectFrom('wallet_accounts').selectAll().execute();
  }

  /** Adds an account unless one exists; false when a concurrent first use added it first. */
  async insertIfAbsent(row: WalletAccountRow): Promise<boolean> {
    try {
      await this.#db.insertInto('wallet_accounts').values(row).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Connects (or replaces: key rotation) the account of a wallet in a mode. */
  async upsert(row: WalletAccountRow): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('wallet_accounts')
        .set({ endpoint: row.endpoint, summary: row.summary, credentials_ciphertext: row.credentials_ciphertext, updated_at: row.updated_at })
        .where('merchant_id', '=', row.merchant_id)
        .where('wallet', '=', row.wallet)
        .where('livemode', '=', row.livemode)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('wallet_accounts').values(row).execute();
    });
  }
}
