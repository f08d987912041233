import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeyTable, Database, DialectCredentialTable, MerchantTable, OperatorTable, StoreTable, TerminalTable } from '@counterpay/db';

export type MerchantRow = Selectable<MerchantTable>;
export type StoreRow = Selectable<StoreTable>;
export type TerminalRow = Selectable<TerminalTable>;
export type OperatorRow = Selectable<OperatorTable>;
export type DialectCredentialRow = Selectable<DialectCredentialTable>;
/** `secret` (native API, the whole merchant), `terminal` (native API, one store's terminal), `omise` (the Omise dialect). */
export type ApiKeyKind = 'secret' | 'omise' | 'terminal';
/** A terminal key's binding: the only store and terminal it may take payments for. */
export interface TerminalBinding {
  storeId: string;
  terminalId: string;
}

/** Everything a new merchant starts with, written together or not at all. */
export interface NewMerchant {
  merchant: MerchantRow;
  stores: StoreRow[];
  terminals: TerminalRow[];
  operators: OperatorRow[];
  apiKeys: Array<Insertable<ApiKeyTable>>;
  dialectCredentials: Array<Insertable<DialectCredentialTable>>;
}

/** Merchants, their stores, terminals and operators, API keys (hashed) and dialect credentials (encrypted). */
export class MerchantRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: NewMerchant): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('merchants').values(input.merchant).execute();
      if (input.stores.length) await trx.insertInto('stores').values(input.stores).execute();
      if (input.terminals.length) await trx.insertInto('terminals').values(input.terminals).execute();
      if (input.operators.length) await trx.insertInto('operators').values(input.operators).execute();
      if (input.apiKeys.length) await trx.insertInto('api_keys').values(input.apiKeys).execute();
      if (input.dialectCredentials.length) await trx.insertInto('dialect_credentials').values(input.dialectCredentials).execute();
    });
  }

  async get(id: string): Promise<MerchantRow | null> {
    return (await this.#db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** The merchant an unrevoked key (looked up by its hash) belongs to, the key's mode, and a terminal key's binding. */
  async findByApiKeyHash(keyHash: string, kind: ApiKeyKind): Promise<{ merchant: MerchantRow; livemode: boolean; terminal: TerminalBinding | null } | null> {
    const key = await this.#db
      .selectFrom('api_keys')
      .select(['merchant_id', 'livemode', 'store_id', 'terminal_id'])
      .where('key_hash', '=', keyHash)
      .where('kind', '=', kind)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!key) return null;
    const merchant = await this.get(key.merchant_id);
    if (!merchant) return null;
    // A terminal key without its binding would act for the whole merchant: refuse it instead.
    if (kind === 'terminal' && (!key.store_id || !key.terminal_id)) return null;
    const terminal = key.store_id && key.terminal_id ? { storeId: key.store_id, terminalId: key.terminal_id } : null;
    return { merchant, livemode: key.livemode === 1, terminal };
  }

  /** A dialect account (PingPong accId, ScanForPay partnerNo, …) with its encrypted shared secret. */
  async findDialectCredential(dialect: string, accountId: string): Promise<DialectCredentialRow | null> {
    const row = await this.#db.selectFrom('dialect_credentials').selectAll().where('dialect', '=', dialect).where('account_id', '=', accountId).executeTakeFirst();
    return row ?? null;
  }

  /** The store a request names by its number, or the merchant's first store when it names none. */
  async findStore(merchantId: string, storeNo?: string): Promise<StoreRow | null> {
    const row = await this.#db
      .selectFrom('stores')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .$if(storeNo !== undefined, (q) => q.where('external_no', '=', storeNo!))
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .executeTakeFirst();
    return row ?? null;
  }

  async findTerminal(merchantId: string, terminalNo: string): Promise<TerminalRow | null> {
    return (await this.#db.selectFrom('terminals').selectAll().where('merchant_id', '=', merchantId).where('external_no', '=', terminalNo).executeTakeFirst()) ?? null;
  }

  async findOperator(merchantId: string, operatorNo: string): Promise<OperatorRow | null> {
    return (await this.#db.selectFrom('operators').selectAll().where('merchant_id', '=', merchantId).where('external_no', '=', operatorNo).executeTakeFirst()) ?? null;
  }

  /** A cheap query that proves the database answers (health checks). */
  async ping(): Promise<void> {
    await this.#db.selectFrom('merchants').select('id').limit(1).execute();
  }
}
