import { type Kysely, sql } from 'kysely';
import type { Database, DatabaseKind, TaskTable } from '@counterpay/db';

export type ClaimedTask = Pick<TaskTable, 'kind' | 'object_id' | 'deadline_at' | 'attempts' | 'cancel_started_at' | 'created_at'>;

/**
 * Claims up to `limit` due tasks for `owner` with a lease. On PostgreSQL the candidate rows are locked
 * with FOR UPDATE SKIP LOCKED, so concurrent instances claim disjoint rows; on SQLite the single writer
 * makes the claim atomic. An expired lease (its instance died) makes the task claimable again.
 */
export async function claimDueTasks(
  db: Kysely<Database>,
  kind: DatabaseKind,
  opts: { owner: string; kinds: string[]; limit: number; leaseMs: number; now?: Date },
): Promise<ClaimedTask[]> {
  const now = (opts.now ?? new Date()).toISOString();
  const leaseUntil = new Date(Date.parse(now) + opts.leaseMs).toISOString();
  const lock = kind === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<ClaimedTask>`
    update tasks set lease_owner = ${opts.owner}, lease_until = ${leaseUntil}
    where (kind, object_id) in (
      select kind, object_id from tasks
      where next_run_at <= ${now}
        and (lease_until is null or lease_until < ${now})
        and kind in (${sql.join(opts.kinds)})
      order by next_run_at
      limit ${opts.limit}
      ${lock}
    )
    returning kind, object_id, deadline_at, attempts, cancel_started_at, created_at`.execute(db);
  return result.rows;
}
