import { type Kysely, sql } from 'kysely';
import type { Database, DatabaseKind, TaskTable } from '@counterpay/db';
import type { Db } from './sql.ts';

export type TaskKind = 'payment' | 'refund';
/** Every kind the resolver runs: also the follow-up queries of a closed payment (late successes), kept out of the backlog metrics. */
export type AnyTaskKind = TaskKind | 'late_check';
export type ClaimedTask = Pick<TaskTable, 'kind' | 'object_id' | 'deadline_at' | 'attempts' | 'cancel_started_at' | 'created_at'>;

/** When a new payment's or refund's resolver task first runs, and until when it may keep querying. */
export interface NewTask {
  firstCheck: Date;
  deadline: Date;
  /** The creating request talks to the wallet before the resolver may (default true). */
  leased?: boolean;
}

/**
 * A new task starts leased by the creating instance until its first check: the request that created
 * it is still talking to the wallet, and no resolver may query at the same time. Runs inside the
 * transaction that creates the payment or refund.
 */
export async function insertTask(trx: Db, owner: string, kind: AnyTaskKind, objectId: string, task: NewTask, now: Date): Promise<void> {
  const leased = task.leased ?? true;
  await trx
    .insertInto('tasks')
    .values({
      kind,
      object_id: objectId,
      next_run_at: task.firstCheck.toISOString(),
      deadline_at: task.deadline.toISOString(),
      attempts: 0,
      lease_owner: leased ? owner : null,
      lease_until: leased ? task.firstCheck.toISOString() : null,
      last_error: null,
      cancel_started_at: null,
      created_at: now.toISOString(),
    })
    .execute();
}

/** Removes a task in the transaction that made its object final. */
export async function deleteTask(trx: Db, kind: AnyTaskKind, objectId: string): Promise<void> {
  await trx.deleteFrom('tasks').where('kind', '=', kind).where('object_id', '=', objectId).execute();
}

export interface Reschedule {
  deadlineAt?: Date;
  error?: string | null;
  countAttempt?: boolean;
  /** Leave the lease alone (a cancel request or a wallet notification is not the lease holder). */
  keepLease?: boolean;
}

/** The resolver's schedule: one row per payment or refund whose outcome is not known yet. */
export class TaskRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
    /** This gateway instance: the owner of the leases it takes. */
    private readonly owner: string,
  ) {
    this.#db = db;
  }

  /**
   * Claims up to `limit` due tasks with a lease. On PostgreSQL the candidate rows are locked with FOR
   * UPDATE SKIP LOCKED, so concurrent instances claim disjoint rows; on SQLite the single writer makes
   * the claim atomic. An expired lease (its instance died) makes the task claimable again.
   */
  async claimDue(opts: { kinds: AnyTaskKind[]; limit: number; leaseMs: number; now?: Date }): Promise<ClaimedTask[]> {
    const now = (opts.now ?? new Date()).toISOString();
    const leaseUntil = new Date(Date.parse(now) + opts.leaseMs).toISOString();
    const lock = this.kind === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<ClaimedTask>`
      update tasks set lease_owner = ${this.owner}, lease_until = ${leaseUntil}
      where (kind, object_id) in (
        select kind, object_id from tasks
        where next_run_at <= ${now}
          and (lease_until is null or lease_until < ${now})
          and kind in (${sql.join(opts.kinds)})
        order by next_run_at
        limit ${opts.limit}
        ${lock}
      )
      returning kind, object_id, deadline_at, attempts, cancel_started_at, created_at`.execute(this.#db);
    return result.rows;
  }

  /**
   * Takes one task's lease now if nobody holds it (not even this instance's resolver): work outside the
   * resolver (a wallet switch) that must not run beside a query. Released by `reschedule` like a claim.
   */
  async lease(kind: AnyTaskKind, objectId: string, leaseMs: number, now = new Date()): Promise<boolean> {
    const result = await this.#db
      .updateTable('tasks')
      .set({ lease_owner: this.owner, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('kind', '=', kind)
      .where('object_id', '=', objectId)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now.toISOString())]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records, before the first cancel call goes out, that this task is now cancelling (see TaskTable). */
  async markCancelStarted(kind: AnyTaskKind, objectId: string, at = new Date()): Promise<void> {
    await this.#db
      .updateTable('tasks')
      .set({ cancel_started_at: at.toISOString() })
      .where('kind', '=', kind)
      .where('object_id', '=', objectId)
      .where('cancel_started_at', 'is', null)
      .execute();
  }

  async delete(kind: AnyTaskKind, objectId: string): Promise<void> {
    await deleteTask(this.#db, kind, objectId);
  }

  /**
   * Moves a task's next check (and optionally its deadline). The holder of the lease releases it here
   * (a no-op if another instance took the task over after our lease expired); others (a cancel request,
   * a wallet notification) pass `keepLease`, so no two instances ever work a task at once.
   */
  async reschedule(kind: AnyTaskKind, objectId: string, nextRunAt: Date, opts: Reschedule = {}): Promise<void> {
    await this.#db
      .updateTable('tasks')
      .set((eb) => ({
        next_run_at: nextRunAt.toISOString(),
        ...(opts.keepLease ? {} : { lease_owner: null, lease_until: null }),
        ...(opts.deadlineAt ? { deadline_at: opts.deadlineAt.toISOString() } : {}),
        ...(opts.error !== undefined ? { last_error: opts.error } : {}),
        ...(opts.countAttempt ? { attempts: eb('attempts', '+', 1) } : {}),
      }))
      .where('kind', '=', kind)
      .where('object_id', '=', objectId)
      .$if(!opts.keepLease, (q) => q.where((eb) => eb.or([eb('lease_owner', '=', this.owner), eb('lease_owner', 'is', null)])))
      .execute();
  }
}
