import { randomUUID } from 'node:crypto';
import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { orderBody } from './scanforpay-order.ts';
import { scanForPayAnswer } from './scanforpay-protocol.ts';

/** ScanForPay notifies `notifyUrl` with its signed response envelope; only `success` acknowledges. */
export const scanForPayNotification: NotificationFormat = {
  dialect: 'scanforpay',
  eventTypes: ['payment.succeeded', 'refund.succeeded'],
  secretSource: 'dialect',
  render(ctx) {
    return { body: scanForPayAnswer(ctx.account?.accountId ?? '', randomUUID(), orderBody(ctx.payment), ctx.secret), headers: { 'content-type': 'application/json' } };
  },
  acknowledged: (status, body) => status >= 200 && status < 300 && body.trim().toLowerCase() === 'success',
};
