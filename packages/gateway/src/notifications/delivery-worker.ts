import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { type SecretBox, newId } from '@counterpay/core';
import type { Database } from '@counterpay/db';
import type { GatewayConfig } from '../config.ts';
import type { DeliveryRow } from './delivery-claims.ts';
import { notificationFormatFor } from './format-registry.ts';
import type { EventPayload, NotificationContext } from './notification-format.ts';

/** At most this many deliveries to one endpoint at a time: a slow endpoint cannot take the pool. */
const MAX_IN_FLIGHT_PER_TARGET = 4;
/** Only this much of a receiver's answer is read (and kept in the log). */
const MAX_RESPONSE_BYTES = 4096;

/**
 * Delivers one claimed delivery: renders it in the payment's dialect format, signs it, POSTs it with a
 * timeout, logs the attempt, and either marks it delivered or schedules the next retry; after the last
 * retry the delivery fails and its endpoint is marked failing (replayable in bulk).
 */
export class DeliveryWorker {
  readonly #inFlight = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly config: GatewayConfig,
    private readonly log: Logger,
  ) {}

  async deliver(delivery: DeliveryRow): Promise<void> {
    const key = delivery.endpoint_id ?? delivery.url;
    const busy = this.#inFlight.get(key) ?? 0;
    if (busy >= MAX_IN_FLIGHT_PER_TARGET) {
      // Give the slot back to other endpoints; this one is tried again in a moment.
      await this.release(delivery, new Date(Date.now() + 200));
      return;
    }
    this.#inFlight.set(key, busy + 1);
    try {
      await this.attempt(delivery);
    } finally {
      const left = (this.#inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
    }
  }

  private async attempt(delivery: DeliveryRow): Promise<void> {
    const ctx = await this.context(delivery);
    const format = notificationFormatFor(ctx.payment.dialect);
    const { body, headers } = format.render(ctx);
    const started = performance.now();
    let status: number | null = null;
    let excerpt: string | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.config.notifyTimeoutMs) });
      status = response.status;
      excerpt = await readBounded(response);
    } catch (e) {
      error = (e as Error).name === 'TimeoutError' ? `no answer within ${this.config.notifyTimeoutMs} ms` : `network error: ${(e as Error).message}`;
    }
    const ok = status !== null && format.acknowledged(status, excerpt ?? '');
    const now = new Date();
    await this.db
      .insertInto('delivery_attempts')
      .values({ id: newId('deliveryAttempt'), delivery_id: delivery.id, event_id: delivery.event_id, url: delivery.url, attempted_at: now.toISOString(), http_status: status, latency_ms: Math.round(performance.now() - started), response_excerpt: excerpt, error })
      .execute();
    if (ok) {
      await this.db.updateTable('deliveries').set({ status: 'delivered', delivered_at: now.toISOString(), attempts: delivery.attempts + 1, lease_owner: null, lease_until: null }).where('id', '=', delivery.id).execute();
      return;
    }
    const attempts = delivery.attempts + 1;
    const delayS = this.config.notifyRetryScheduleS[attempts - 1];
    if (delayS === undefined) {
      await this.db.updateTable('deliveries').set({ status: 'failed', attempts, lease_owner: null, lease_until: null }).where('id', '=', delivery.id).execute();
      if (delivery.endpoint_id) await this.db.updateTable('webhook_endpoints').set({ status: 'failing', updated_at: now.toISOString() }).where('id', '=', delivery.endpoint_id).where('status', '=', 'enabled').execute();
      this.log.warn({ delivery: delivery.id, event: delivery.event_id }, 'notification failed every retry');
      return;
    }
    await this.db.updateTable('deliveries').set({ attempts }).where('id', '=', delivery.id).execute();
    await this.release(delivery, new Date(now.getTime() + delayS * 1000));
  }

  private async release(delivery: DeliveryRow, next: Date): Promise<void> {
    await this.db.updateTable('deliveries').set({ next_attempt_at: next.toISOString(), lease_owner: null, lease_until: null }).where('id', '=', delivery.id).execute();
  }

  /** Everything a format needs: the event, its payment (and refund), and the secret that signs it. */
  private async context(delivery: DeliveryRow): Promise<NotificationContext> {
    const eventRow = await this.db.selectFrom('events').selectAll().where('id', '=', delivery.event_id).executeTakeFirstOrThrow();
    const event = JSON.parse(eventRow.payload) as EventPayload;
    const refund = eventRow.object_type === 'refund' ? ((await this.db.selectFrom('refunds').selectAll().where('id', '=', eventRow.object_id).executeTakeFirst()) ?? null) : null;
    const paymentId = refund ? refund.payment_id : eventRow.object_id;
    const payment = await this.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
    const format = notificationFormatFor(payment.dialect);
    let secret: string;
    let account: NotificationContext['account'] = null;
    if (delivery.endpoint_id) {
      secret = await this.endpointSecrets(delivery.endpoint_id);
    } else {
      // A dialect with no shared secret of its own (Omise) signs notify_url deliveries with the webhook secret.
      const credential = await this.db
        .selectFrom('dialect_credentials')
        .selectAll()
        .where('merchant_id', '=', payment.merchant_id)
        .where('dialect', '=', format.secretSource === 'webhook' ? 'webhook' : payment.dialect)
        .executeTakeFirstOrThrow();
      secret = this.box.open(credential.secret_ciphertext);
      account = { accountId: credential.account_id, clientId: credential.client_id };
    }
    const m = await this.db.selectFrom('merchants').selectAll().where('id', '=', payment.merchant_id).executeTakeFirstOrThrow();
    const merchant = { id: m.id, name: m.name, defaultCurrency: m.default_currency, livemode: m.livemode === 1, feeRateBps: m.fee_rate_bps, feeVatBps: m.fee_vat_bps };
    return { event, payment, refund, secret, account, merchant };
  }

  /** The endpoint's secret, plus the previous one while a rotation overlaps (newline-separated). */
  private async endpointSecrets(endpointId: string): Promise<string> {
    const endpoint = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).executeTakeFirstOrThrow();
    const secrets = [this.box.open(endpoint.secret_ciphertext)];
    if (endpoint.previous_secret_ciphertext && endpoint.previous_secret_expires_at && Date.parse(endpoint.previous_secret_expires_at) > Date.now()) {
      secrets.push(this.box.open(endpoint.previous_secret_ciphertext));
    }
    return secrets.join('\n');
  }
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_RESPONSE_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}
