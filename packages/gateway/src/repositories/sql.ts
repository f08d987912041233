import type { Kysely, Transaction } from 'kysely';
import type { Database, DatabaseKind } from '@counterpay/db';

/** A connection or an open transaction: repository helpers run inside either. Private to repositories. */
export type Db = Kysely<Database> | Transaction<Database>;

/** Reads a row by id and, on PostgreSQL, locks it until the transaction ends (SQLite has one writer). */
export async function lockPaymentRow(trx: Db, kind: DatabaseKind, id: string) {
  const row = await trx
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', id)
    .$if(kind === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ?? null;
}
