import type { Kysely } from 'kysely';
import type { Database, DatabaseHandle } from '@counterpay/db';
import type { TaskKind } from './task-repository.ts';

const TASK_KINDS: readonly TaskKind[] = ['payment', 'refund'];

/** The resolver's queue for one kind of task. */
export interface TaskBacklog {
  /** Every task: payments and refunds whose outcome is not known yet. */
  total: number;
  /** Tasks whose next check time has come (waiting for a resolver, or being worked on now). */
  due: number;
  /** How long the oldest due task has been due, in seconds; 0 when none is due. */
  oldestDueAgeSeconds: number;
}

/** The notifier's queue. */
export interface DeliveryBacklog {
  /** Deliveries not delivered and not given up on (including those waiting for their next retry). */
  pending: number;
  /** Pending deliveries whose next attempt is due now. */
  due: number;
  /** Age of the oldest pending delivery since it was planned, in seconds; 0 when none is pending. */
  oldestPendingAgeSeconds: number;
}

export interface Backlog {
  tasks: Record<TaskKind, TaskBacklog>;
  deliveries: DeliveryBacklog;
}

/**
 * What is waiting in the work queues, read from the database itself (not from this instance's memory),
 * so every gateway instance sharing a PostgreSQL database reports the same backlog. Read-only; for the
 * metrics scrape. Timestamps are ISO-8601 UTC text, so text comparison is time order (as in claimDue).
 */
export class BacklogRepository {
  readonly #db: Kysely<Database>;

  constructor(database: Pick<DatabaseHandle, 'db'>) {
    this.#db = database.db;
  }

  async read(now = new Date()): Promise<Backlog> {
    const [tasks, deliveries] = await Promise.all([this.tasks(now), this.deliveries(now)]);
    return { tasks, deliveries };
  }

  async tasks(now = new Date()): Promise<Record<TaskKind, TaskBacklog>> {
    const at = now.toISOString();
    const [totals, due] = await Promise.all([
      this.#db.selectFrom('tasks').select(['kind', (eb) => eb.fn.countAll().as('n')]).groupBy('kind').execute(),
      this.#db
        .selectFrom('tasks')
        .select(['kind', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('next_run_at').as('oldest')])
        .where('next_run_at', '<=', at)
        .groupBy('kind')
        .execute(),
    ]);
    const result = {} as Record<TaskKind, TaskBacklog>;
    for (const kind of TASK_KINDS) {
      const dueRow = due.find((r) => r.kind === kind);
      result[kind] = {
        total: Number(totals.find((r) => r.kind === kind)?.n ?? 0),
        due: Number(dueRow?.n ?? 0),
        oldestDueAgeSeconds: ageSeconds(dueRow?.oldest, now),
      };
    }
    return result;
  }

  async deliveries(now = new Date()): Promise<DeliveryBacklog> {
    const at = now.toISOString();
    const [pending, due] = await Promise.all([
      this.#db
        .selectFrom('deliveries')
        .select([(eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
        .where('status', '=', 'pending')
        .executeTakeFirst(),
      this.#db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', at)
        .executeTakeFirst(),
    ]);
    return { pending: Number(pending?.n ?? 0), due: Number(due?.n ?? 0), oldestPendingAgeSeconds: ageSeconds(pending?.oldest, now) };
  }
}

/** Seconds from an ISO timestamp to now; never negative (clocks of several instances differ a little). */
function ageSeconds(iso: string | null | undefined, now: Date): number {
  if (!iso) return 0;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? 0 : Math.max(0, (now.getTime() - at) / 1000);
}
