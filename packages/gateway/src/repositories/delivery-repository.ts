import { type Kysely, type Selectable, sql } from 'kysely';
import { newId } from '@counterpay/core';
import type { Database, DatabaseKind, DeliveryTable } from '@counterpay/db';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event to one target (an endpoint or a notify_url). */
export interface Delivery {
  id: string;
  eventId: string;
  merchantId: string;
  /** `endpoint:<we_…>` or `notify_url`. */
  target: string;
  endpointId: string | null;
  url: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
}

/** One POST to a receiver and what it answered. */
export interface DeliveryAttempt {
  at: string;
  httpStatus: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export interface DeliveryWithAttempts extends Delivery {
  attemptLog: DeliveryAttempt[];
}

function toDelivery(row: Selectable<DeliveryTable>): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    merchantId: row.merchant_id,
    target: row.target,
    endpointId: row.endpoint_id,
    url: row.url,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

/** Sends a delivery again from scratch: due now, no attempts counted, no lease. */
const FROM_SCRATCH = (now: Date) => ({ status: 'pending', attempts: 0, next_attempt_at: now.toISOString(), lease_owner: null, lease_until: null });

/** Deliveries and their attempt log: the notifier's work queue. */
export class DeliveryRepository {
  readonly #db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly kind: DatabaseKind,
  ) {
    this.#db = db;
  }

  /**
   * Claims due pending deliveries with a lease, like the resolver's tasks: FOR UPDATE SKIP LOCKED on
   * PostgreSQL so instances claim disjoint rows; an instance that died loses its claims when they expire.
   */
  async claimDue(opts: { owner: string; limit: number; leaseMs: number }, now = new Date()): Promise<Delivery[]> {
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + opts.leaseMs).toISOString();
    const lock = this.kind === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<Selectable<DeliveryTable>>`
      update deliveries set lease_owner = ${opts.owner}, lease_until = ${leaseUntil}
      where id in (
        select id from deliveries
        where status = 'pending' and next_attempt_at <= ${at}
          and (lease_until is null or lease_until < ${at})
        order by next_attempt_at
        limit ${opts.limit}
        ${lock}
      )
      returning *`.execute(this.#db);
    return result.rows.map(toDelivery);
  }

  async get(id: string): Promise<Delivery | null> {
    const row = await this.#db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  /** Appends one attempt to the delivery log. */
  async recordAttempt(delivery: Delivery, attempt: DeliveryAttempt): Promise<void> {
    await this.#db
      .insertInto('delivery_attempts')
      .values({
        id: newId('deliveryAttempt'),
        delivery_id: delivery.id,
        event_id: delivery.eventId,
        url: delivery.url,
        attempted_at: attempt.at,
        http_status: attempt.httpStatus,
        latency_ms: attempt.latencyMs,
        response_excerpt: attempt.responseExcerpt,
        error: attempt.error,
      })
      .execute();
  }

  async markDelivered(id: string, attempts: number, at: Date): Promise<void> {
    await this.#db.updateTable('deliveries').set({ status: 'delivered', delivered_at: at.toISOString(), attempts, lease_owner: null, lease_until: null }).where('id', '=', id).execute();
  }

  /** Every retry is spent: the delivery stays in the log as failed until a replay or redelivery. */
  async markFailed(id: string, attempts: number): Promise<void> {
    await this.#db.updateTable('deliveries').set({ status: 'failed', attempts, lease_owner: null, lease_until: null }).where('id', '=', id).execute();
  }

  /** Counts the attempt and gives the claim back until the next try. */
  async scheduleRetry(id: string, attempts: number, next: Date): Promise<void> {
    await this.#db.updateTable('deliveries').set({ attempts, next_attempt_at: next.toISOString(), lease_owner: null, lease_until: null }).where('id', '=', id).execute();
  }

  /** Gives the claim back without counting an attempt (the target was busy). */
  async release(id: string, next: Date): Promise<void> {
    await this.#db.updateTable('deliveries').set({ next_attempt_at: next.toISOString(), lease_owner: null, lease_until: null }).where('id', '=', id).execute();
  }

  /**
   * Every pending, unclaimed delivery to the target waits until `until` (if due sooner): one statement
   * instead of claiming and releasing each while the target does not answer.
   */
  async deferTarget(target: { endpointId: string | null; url: string }, until: Date, now = new Date()): Promise<number> {
    const result = await this.#pendingTo(target, now).where('next_attempt_at', '<', until.toISOString()).set({ next_attempt_at: until.toISOString() }).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The target answers again: what waited for it is due now. */
  async resumeTarget(target: { endpointId: string | null; url: string }, now = new Date()): Promise<number> {
    const result = await this.#pendingTo(target, now).where('next_attempt_at', '>', now.toISOString()).set({ next_attempt_at: now.toISOString() }).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  #pendingTo(target: { endpointId: string | null; url: string }, now: Date) {
    const unclaimed = (q: ReturnType<DeliveryRepository['updateDeliveries']>) => q.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now.toISOString())]));
    const pending = unclaimed(this.updateDeliveries()).where('status', '=', 'pending');
    return target.endpointId ? pending.where('endpoint_id', '=', target.endpointId) : pending.where('endpoint_id', 'is', null).where('url', '=', target.url);
  }

  private updateDeliveries() {
    return this.#db.updateTable('deliveries');
  }

  /** The event's deliveries, each with its attempts in order. */
  async listForEvent(eventId: string): Promise<DeliveryWithAttempts[]> {
    const deliveries = await this.#db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
    const attempts = await this.#db.selectFrom('delivery_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempted_at').orderBy('id').execute();
    return deliveries.map((d) => ({
      ...toDelivery(d),
      attemptLog: attempts
        .filter((a) => a.delivery_id === d.id)
        .map((a) => ({ at: a.attempted_at, httpStatus: a.http_status, latencyMs: a.latency_ms, responseExcerpt: a.response_excerpt, error: a.error })),
    }));
  }

  /** Every delivery of the event is due again now, whatever happened before; returns how many. */
  async redeliverEvent(eventId: string, now = new Date()): Promise<number> {
    const result = await this.#db.updateTable('deliveries').set(FROM_SCRATCH(now)).where('event_id', '=', eventId).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Every delivery to the endpoint that failed and was created since `since` is due again now; returns how many. */
  async replayFailed(endpointId: string, since: Date, now = new Date()): Promise<number> {
    const result = await this.#db
      .updateTable('deliveries')
      .set(FROM_SCRATCH(now))
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'failed')
      .where('created_at', '>=', since.toISOString())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
