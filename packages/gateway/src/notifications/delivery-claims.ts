import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, DatabaseKind, DeliveryTable } from '@counterpay/db';

export type DeliveryRow = Selectable<DeliveryTable>;

/**
 * Claims due pending deliveries with a lease, like the resolver's tasks: FOR UPDATE SKIP LOCKED on
 * PostgreSQL so instances claim disjoint rows; an instance that died loses its claims when they expire.
 */
export async function claimDueDeliveries(db: Kysely<Database>, kind: DatabaseKind, opts: { owner: string; limit: number; leaseMs: number }): Promise<DeliveryRow[]> {
  const now = new Date().toISOString();
  const leaseUntil = new Date(Date.now() + opts.leaseMs).toISOString();
  const lock = kind === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<DeliveryRow>`
    update deliveries set lease_owner = ${opts.owner}, lease_until = ${leaseUntil}
    where id in (
      select id from deliveries
      where status = 'pending' and next_attempt_at <= ${now}
        and (lease_until is null or lease_until < ${now})
      order by next_attempt_at
      limit ${opts.limit}
      ${lock}
    )
    returning *`.execute(db);
  return result.rows;
}
