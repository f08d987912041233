import { signNotification } from '@counterpay/core';
import type { NotificationFormat } from '../notification-format.ts';

/** The native event (CONTRACT.md), signed with `Counterpay-Signature`; any 2xx acknowledges. */
export const nativeFormat: NotificationFormat = {
  dialect: 'native',
  eventTypes: ['payment.succeeded', 'payment.failed', 'payment.closed', 'payment.late_success', 'refund.succeeded', 'refund.failed', 'reconciliation.completed'],
  secretSource: 'webhook',
  render(ctx) {
    const body = JSON.stringify(ctx.event);
    const secrets = ctx.secret.split('\n'); // current secret, then a rotated one still in its overlap
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'counterpay-signature': signNotification(body, secrets),
        'counterpay-event-id': ctx.event.id,
        'user-agent': 'counterpay-notifier/1',
      },
    };
  },
  acknowledged: (status) => status >= 200 && status < 300,
};
