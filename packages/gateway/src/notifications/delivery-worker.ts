import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.ts';
import type { Delivery, DeliveryRepository } from '../repositories/delivery-repository.ts';
import type { EventRepository } from '../repositories/event-repository.ts';
import type { WebhookEndpointRepository } from '../repositories/webhook-endpoint-repository.ts';
import type { NotificationFormats } from './format-registry.ts';
import type { NotificationContext, NotificationFormat } from './notification-format.ts';
import { postToReceiver } from './receiver-post.ts';
import { type BreakerOptions, DEFAULT_BREAKER, TargetBreaker } from './target-breaker.ts';

/** At most this many deliveries to one endpoint at a time: a slow endpoint cannot take the pool. */
const MAX_IN_FLIGHT_PER_TARGET = 4;
/** A claim outlives the request's timeout, so a live instance never loses a delivery it is still sending. */
const LEASE_MARGIN_MS = 5000;

/** A delivery that can never be rendered: what it needs no longer exists. */
class UndeliverableError extends Error {}

export interface DeliveryWorkerRepositories {
  deliveries: DeliveryRepository;
  events: EventRepository;
  endpoints: WebhookEndpointRepository;
}

/**
 * Delivers one claimed delivery: renders it in its target's format (an endpoint's own, a notify_url's
 * in the payment's dialect), signs it, POSTs it with a
 * timeout, logs the attempt, and either marks it delivered or schedules the next retry; after the last
 * retry the delivery fails and its endpoint is marked failing (replayable in bulk).
 */
export class DeliveryWorker {
  readonly #inFlight = new Map<string, number>();
  readonly #breaker: TargetBreaker;
  /** Targets whose waiting deliveries were pushed back in bulk, and until when. */
  readonly #deferredUntil = new Map<string, number>();
  /** The whole retry schedule: a target unanswering for longer fails its waiting deliveries. */
  readonly #retryWindowMs: number;

  constructor(
    private readonly repositories: DeliveryWorkerRepositories,
    private readonly formats: NotificationFormats,
    private readonly config: GatewayConfig,
    /** This gateway instance: it owns the leases of what it claims. */
    private readonly instanceId: string,
    private readonly log: Logger,
    breaker: BreakerOptions = DEFAULT_BREAKER,
  ) {
    this.#breaker = new TargetBreaker(breaker);
    this.#retryWindowMs = config.notifyRetryScheduleS.reduce((sum, s) => sum + s, 0) * 1000;
  }

  /** Due deliveries for this instance, leased for longer than one attempt can take. */
  claim(limit: number): Promise<Delivery[]> {
    return this.repositories.deliveries.claimDue({ owner: this.instanceId, limit, leaseMs: this.config.notifyTimeoutMs + LEASE_MARGIN_MS });
  }

  async deliver(delivery: Delivery): Promise<void> {
    const key = delivery.endpointId ?? delivery.url;
    const admission = this.#breaker.admit(key, Date.now());
    if (admission.kind === 'defer') return this.deferWhileUnanswering(delivery, admission);
    const busy = this.#inFlight.get(key) ?? 0;
    if (busy >= MAX_IN_FLIGHT_PER_TARGET) {
      // Give the slot back to other endpoints; this one is tried again in a moment.
      await this.repositories.deliveries.release(delivery.id, new Date(Date.now() + 200));
      return;
    }
    this.#inFlight.set(key, busy + 1);
    try {
      await this.attempt(delivery, key);
    } finally {
      const left = (this.#inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
    }
  }

  /**
   * The target has left its last attempts unanswered: wait for its probe instead of taking a slot for
   * another timeout. Nothing was sent, so no attempt is counted; a delivery whose whole retry window
   * passed this way fails like one whose retries are spent.
   */
  private async deferWhileUnanswering(delivery: Delivery, deferral: { until: number; since: number }): Promise<void> {
    const { deliveries, endpoints } = this.repositories;
    const now = new Date();
    if (now.getTime() - deferral.since < this.#retryWindowMs) {
      // Push back everything else waiting for this target once per cooldown, rather than claiming and
      // releasing each of thousands of deliveries every time the cooldown ends.
      const key = delivery.endpointId ?? delivery.url;
      if ((this.#deferredUntil.get(key) ?? 0) < deferral.until) {
        this.#deferredUntil.set(key, deferral.until);
        await deliveries.deferTarget(delivery, new Date(deferral.until), now);
      }
      return deliveries.release(delivery.id, new Date(deferral.until));
    }
    await deliveries.recordAttempt(delivery, { at: now.toISOString(), httpStatus: null, latencyMs: 0, responseExcerpt: null, error: 'not sent: the receiver has not answered for the whole retry schedule' });
    await deliveries.markFailed(delivery.id, delivery.attempts);
    if (delivery.endpointId) await endpoints.markFailing(delivery.endpointId, now);
  }

  private async attempt(delivery: Delivery, key: string): Promise<void> {
    const { deliveries, endpoints } = this.repositories;
    let prepared: Awaited<ReturnType<DeliveryWorker['context']>>;
    try {
      prepared = await this.context(delivery);
    } catch (e) {
      if (!(e instanceof UndeliverableError)) throw e;
      // It can never be sent (its event, payment, endpoint or secret is gone): log it once and stop,
      // rather than retrying it at every lease expiry with nothing in the delivery log.
      const now = new Date();
      await deliveries.recordAttempt(delivery, { at: now.toISOString(), httpStatus: null, latencyMs: 0, responseExcerpt: null, error: e.message });
      await deliveries.markFailed(delivery.id, delivery.attempts + 1);
      this.log.error({ delivery: delivery.id, event: delivery.eventId, reason: e.message }, 'notification cannot be delivered');
      return;
    }
    const { format, ctx } = prepared;
    const { body, headers } = format.render(ctx);
    const started = performance.now();
    const answer = await postToReceiver(delivery.url, headers, body, this.config.notifyTimeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    if (answer.kind === 'answered') {
      this.#breaker.answered(key);
      // It answers again: what was pushed back for it is due now, not at the end of its cooldown.
      if (this.#deferredUntil.delete(key)) await this.repositories.deliveries.resumeTarget(delivery);
    } else this.#breaker.unanswered(key, Date.now());
    const status = answer.kind === 'answered' ? answer.httpStatus : null;
    const excerpt = answer.kind === 'answered' ? answer.excerpt : null;
    const error = answer.kind === 'unanswered' ? answer.error : null;
    const ok = status !== null && format.acknowledged(status, excerpt ?? '');
    const now = new Date();
    const attempts = delivery.attempts + 1;
    await deliveries.recordAttempt(delivery, { at: now.toISOString(), httpStatus: status, latencyMs, responseExcerpt: excerpt, error });
    if (ok) {
      await deliveries.markDelivered(delivery.id, attempts, now);
      return;
    }
    const delayS = this.config.notifyRetryScheduleS[attempts - 1];
    if (delayS === undefined) {
      await deliveries.markFailed(delivery.id, attempts);
      if (delivery.endpointId) await endpoints.markFailing(delivery.endpointId, now);
      this.log.warn({ delivery: delivery.id, event: delivery.eventId }, 'notification failed every retry');
      return;
    }
    await deliveries.scheduleRetry(delivery.id, attempts, new Date(now.getTime() + delayS * 1000));
  }

  /**
   * Everything a format needs: the event, its payment (and refund), and the secret that signs it. An
   * endpoint gets its own format (native, or a dialect's format it was created for, such as an Omise
   * dashboard's URL); a notify_url gets the format of the API the payment was made through.
   */
  private async context(delivery: Delivery): Promise<{ format: NotificationFormat; ctx: NotificationContext }> {
    const subject = await this.repositories.events.subject(delivery.eventId);
    if (!subject) throw new UndeliverableError(`event ${delivery.eventId} or the payment it is about no longer exists`);
    let format: NotificationFormat;
    let secret: string;
    let account: NotificationContext['account'] = null;
    if (delivery.endpointId) {
      // Current secret, then a rotated one still in its overlap (newline-separated, as formats expect).
      const target = await this.repositories.endpoints.deliveryTarget(delivery.endpointId);
      if (!target) throw new UndeliverableError(`webhook endpoint ${delivery.endpointId} no longer exists`);
      format = this.formats.formatFor(target.format);
      secret = target.secrets.join('\n');
    } else {
      format = this.formats.formatFor(subject.payment.dialect);
      // A dialect with no shared secret of its own (Omise) signs notify_url deliveries with the webhook secret.
      const dialect = format.secretSource === 'webhook' ? 'webhook' : subject.payment.dialect;
      const key = await this.repositories.endpoints.notifyUrlSigningKey(subject.payment.merchant_id, dialect, subject.event.livemode);
      if (!key) throw new UndeliverableError(`merchant ${subject.payment.merchant_id} has no ${dialect} secret in ${subject.event.livemode ? 'live' : 'test'} mode to sign with`);
      secret = key.secret;
      account = { accountId: key.accountId, clientId: key.clientId };
    }
    const { payment, refund, merchant } = subject;
    return { format, ctx: { event: subject.event.payload, payment, refund, secret, account, merchant } };
  }
}
