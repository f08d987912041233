import { signNotification } from '@counterpay/core';
import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { eventId, toOmiseCharge } from './omise-objects.ts';

/** Omise posts `charge.complete` events (the charge inside) to webhook endpoints; any 2xx acknowledges. */
export const omiseNotification: NotificationFormat = {
  dialect: 'omise',
  eventTypes: ['payment.succeeded', 'payment.failed', 'payment.closed'],
  secretSource: 'webhook',
  render(ctx) {
    const charge = toOmiseCharge(ctx.payment, [], { ...ctx.merchant, defaultCurrency: ctx.merchant.defaultCurrency as never });
    const body = JSON.stringify({ object: 'event', id: eventId(ctx.event.id), livemode: false, location: `/events/${eventId(ctx.event.id)}`, key: 'charge.complete', created_at: `${ctx.event.created_at.slice(0, 19)}Z`, data: charge });
    // Receivers re-fetch the charge (Omise's advice); the counterpay signature lets them check the sender too.
    return { body, headers: { 'content-type': 'application/json', 'counterpay-signature': signNotification(body, ctx.secret.split('\n')), 'counterpay-event-id': ctx.event.id } };
  },
  acknowledged: (status) => status >= 200 && status < 300,
};
