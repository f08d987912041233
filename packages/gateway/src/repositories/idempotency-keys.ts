import type { Selectable } from 'kysely';
import type { IdempotencyKeyTable } from '@counterpay/db';
import type { Db } from './sql.ts';

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;

/** The key as first used, or null for a new key. Used by the payment and refund repositories. */
export async function findIdempotencyKey(db: Db, merchantId: string, key: string): Promise<IdempotencyKeyRow | null> {
  return (await db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', merchantId).where('key', '=', key).executeTakeFirst()) ?? null;
}

/** Records a key in the transaction that creates its object, so a crash cannot leave one without the other. */
export async function insertIdempotencyKey(trx: Db, row: IdempotencyKeyRow): Promise<void> {
  await trx.insertInto('idempotency_keys').values(row).execute();
}

/** Idempotency keys as a repository, for the services' retry lookups. */
export class IdempotencyKeyRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  find(merchantId: string, key: string): Promise<IdempotencyKeyRow | null> {
    return findIdempotencyKey(this.#db, merchantId, key);
  }
}
