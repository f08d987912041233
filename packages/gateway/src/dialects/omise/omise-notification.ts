import { createHmac } from 'node:crypto';
import { signNotification } from '@counterpay/core';
import { nativeFormat } from '../../notifications/formats/native-format.ts';
import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { OMISE_EVENT_TYPES, REFUND_CREATE_EVENT_TYPE, isChargeCompleteEvent, omiseEventFromOutbox, omiseRefundEventFromOutbox } from './omise-event-object.ts';

/**
 * Omise's webhook signature: `Omise-Signature` is the hex HMAC-SHA256 of `<timestamp>.<raw body>`
 * keyed with the base64-decoded webhook secret, one per valid secret (comma-separated while a rotated
 * secret overlaps); `Omise-Signature-Timestamp` is the Unix time in seconds. Here the secret is the
 * merchant's `whsec_…` webhook secret, decoded as base64 the way Omise's verification code does.
 */
export function omiseSignature(rawBody: string, secrets: readonly string[], timestampS: number): string {
  return secrets.map((secret) => createHmac('sha256', Buffer.from(secret, 'base64')).update(`${timestampS}.${rawBody}`).digest('hex')).join(',');
}

/**
 * Omise POSTs a `charge.complete` event (the charge inside) to the merchant's webhook endpoint when a
 * charge reaches its final status, and a `refund.create` event (the refund inside) for each refund;
 * any 2xx acknowledges. The charge is rendered as it was at the event. Omise merchants set one webhook
 * URL in Omise's dashboard (no URL per charge): here that is a webhook endpoint created with
 * `format: "omise"`, which receives only events of charges made through the Omise API.
 */
export const omiseNotification: NotificationFormat = {
  dialect: 'omise',
  eventTypes: OMISE_EVENT_TYPES,
  webhookEndpoint: true,
  secretSource: 'webhook',
  render(ctx) {
    const at = { id: ctx.event.id, created_at: ctx.event.created_at };
    let event: object;
    if (isChargeCompleteEvent(ctx.event.type)) event = omiseEventFromOutbox({ ...at, payload: ctx.event }, ctx.payment, [], ctx.merchant);
    else if (ctx.refund && ctx.event.type === REFUND_CREATE_EVENT_TYPE) event = omiseRefundEventFromOutbox(at, ctx.refund);
    // Never planned (Omise has no word for it); kept renderable for deliveries planned by older versions.
    else return nativeFormat.render(ctx);
    const body = JSON.stringify(event);
    const secrets = ctx.secret.split('\n'); // current secret, then a rotated one still in its overlap
    const timestampS = Math.floor(Date.now() / 1000);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'omise-signature': omiseSignature(body, secrets, timestampS),
        'omise-signature-timestamp': String(timestampS),
        // The native signature too, so counterpay's own verification helpers work on every format.
        'counterpay-signature': signNotification(body, secrets, timestampS),
        'counterpay-event-id': ctx.event.id,
        'user-agent': 'counterpay-notifier/1',
      },
    };
  },
  acknowledged: (status) => status >= 200 && status < 300,
};
